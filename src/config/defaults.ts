/**
 * The values a configuration takes when the file (or the command line) leaves a key out.
 *
 * `schema.ts` applies them while validating, so a missing key and a key set to its default give the
 * same `Config`. Relative paths here (`data_dir`) are resolved by `load.ts` against the working
 * directory, not against the config file's directory.
 */

import { availableParallelism, hostname } from 'node:os'

import { descriptorLimit, maxConnectionsFor } from '../host/descriptor-limit.js'

import { defaultAllowAnonymous } from './exposure.js'
import type { ClusterConfig, Config, ListenerConfig, ListenerType } from './types.js'

/** Port a listener binds when its entry has no `port`, by listener type. */
export const DEFAULT_LISTENER_PORTS: Readonly<Record<ListenerType, number>> = {
  mqtt: 1883,
  mqtts: 8883,
  ws: 8080,
  wss: 8443,
}

/** Address a listener binds when its entry (or --port) has no `host`: every IPv4 interface. */
export const DEFAULT_LISTENER_HOST = '0.0.0.0'

/** Address of the listener used when none is configured: loopback only, as Mosquitto 2 does. */
export const UNCONFIGURED_LISTENER_HOST = '127.0.0.1'

/** WebSocket path used when a ws/wss listener has no `path` (and carried, unused, by the others). */
export const DEFAULT_WS_PATH = '/mqtt'

/**
 * Defaults of every scalar key; `node_name`, `listeners` and `redirect` are below, and
 * `allow_anonymous` depends on the listeners (exposure.ts#defaultAllowAnonymous).
 */
export const DEFAULTS: Readonly<Omit<Config, 'node_name' | 'listeners' | 'redirect' | 'cluster' | 'allow_anonymous'>> = {
  data_dir: './data',
  bcrypt_cost: 10,
  allow_client_id_takeover_across_users: false,
  auth_backoff_failures: 5,
  auth_backoff_max: 60,
  // four per bcrypt worker (one worker per core: src/auth/bcrypt-pool.ts)
  auth_max_pending: 4 * availableParallelism(),
  auth_cache_size: 1000,
  auth_cache_ttl: 300,
  max_packet_size: 16 * 1024 * 1024,
  max_connect_packet_size: 64 * 1024,
  max_outgoing_bytes: 8 * 1024 * 1024,
  max_keepalive: 65_535,
  max_inflight: 100,
  max_inflight_bytes: 16 * 1024 * 1024,
  max_queued_messages: 1000,
  max_queued_bytes: 64 * 1024 * 1024,
  // derived from this process's file descriptor limit (src/host/descriptor-limit.ts)
  max_connections: maxConnectionsFor(descriptorLimit()),
  max_topic_length: 65_535,
  max_topic_levels: 201,
  max_subscriptions_per_client: 10_000,
  topic_alias_maximum: 10,
  connect_timeout: 10,
  write_timeout: 60,
  direct_messaging: false,
  sys_interval: 10,
  store: 'embedded',
  log_level: 'info',
}

/** Defaults of the `cluster` keys (`cluster.redis` has none: it is what turns the cluster on). */
export const CLUSTER_DEFAULTS: Readonly<Omit<ClusterConfig, 'redis'>> = {
  prefix: 'mqttd',
  heartbeat: 1,
  lease: 5,
}

/** The default node name: this machine's host name. */
export function defaultNodeName (): string {
  return hostname()
}

/** A fully defaulted listener of the given type (fresh object). */
export function defaultListener (type: ListenerType = 'mqtt'): ListenerConfig {
  return {
    type,
    host: DEFAULT_LISTENER_HOST,
    port: DEFAULT_LISTENER_PORTS[type],
    path: DEFAULT_WS_PATH,
    require_certificate: false,
    use_identity_as_username: false,
  }
}

/** The listeners used when the configuration names none: plain MQTT on 127.0.0.1:1883 (loopback only). */
export function defaultListeners (): ListenerConfig[] {
  return [{ ...defaultListener('mqtt'), host: UNCONFIGURED_LISTENER_HOST }]
}

/** A complete configuration made of defaults only (fresh object on every call): loopback, anonymous allowed. */
export function defaultConfig (): Config {
  const listeners = defaultListeners()
  return { node_name: defaultNodeName(), ...DEFAULTS, listeners, allow_anonymous: defaultAllowAnonymous(listeners) }
}
