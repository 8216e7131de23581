/**
 * The broker's configuration as the rest of the code sees it: every key resolved, defaults applied.
 *
 * Keys keep the config file's snake_case spelling so that one name travels unchanged from the YAML
 * file through `mqttctl config show/set` to the code that reads it. `schema.ts` validates a file
 * into this shape; `defaults.ts` holds the values used when a key is absent.
 */

import type { LogLevel } from '../log.js'

export type ListenerType = 'mqtt' | 'mqtts' | 'ws' | 'wss'

export interface ListenerConfig {
  /** Transport: plain TCP, TLS, WebSocket or secure WebSocket. */
  type: ListenerType
  /** Address to bind; `0.0.0.0` for every IPv4 interface, `::` for every interface. */
  host: string
  /** Port to bind; 0 picks a free port (tests). */
  port: number
  /** WebSocket path (ws/wss only). */
  path: string
  /** PEM file paths (mqtts/wss only; cert and key required there). */
  cert?: string
  key?: string
  ca?: string
  /** Ask for a client certificate and refuse the TLS handshake without a valid one (mqtts/wss). */
  require_certificate: boolean
  /** Take the user name from the client certificate's CN (no password asked); needs require_certificate. */
  use_identity_as_username: boolean
}

export interface RedirectConfig {
  /** Server Reference sent to v5 clients, e.g. `other-host:1883` (space-separated list allowed). */
  server_reference: string
  /** true → reason 0x9D Server moved; false → 0x9C Use another server. */
  permanent: boolean
}

/** Joining a cluster of nodes that share one Redis (docs/cluster.md). */
export interface ClusterConfig {
  /** `redis://[user:password@]host:port/db` (or `rediss://` for TLS). */
  redis: string
  /** Prefix of every Redis key this cluster writes, so that several clusters may share one Redis. */
  prefix: string
  /** Seconds between two heartbeats of this node. */
  heartbeat: number
  /** Seconds a node counts as alive after its last heartbeat (more than `heartbeat`). */
  lease: number
  /**
   * `host:port` other nodes and redirects name for this node's clients; by default the first MQTT
   * listener's bound address (this machine's host name when it listens on every interface).
   */
  advertise?: string
}

export interface Config {
  node_name: string
  data_dir: string
  listeners: ListenerConfig[]
  /** Clients without a user name may connect. Default true, so that a first start just works. */
  allow_anonymous: boolean
  /** bcrypt cost of new password hashes (mqttctl hashes with it); 10 or more. */
  bcrypt_cost: number
  /** A client id held by one user's session may be taken over by another user (default false). */
  allow_client_id_takeover_across_users: boolean
  /** Failed logins per address and per user name before back-off (CONNACK 0x9F); 0 disables it. */
  auth_backoff_failures: number
  /** Longest back-off, in seconds (it starts at 1 s and doubles); also how long failures are remembered. */
  auth_backoff_max: number
  /** Password checks waiting or running at once; more are refused with CONNACK 0x89 (v3: 3). */
  auth_max_pending: number
  /** Successful verifications remembered (keyed by an HMAC of user name and password); 0 disables. */
  auth_cache_size: number
  /** Seconds a remembered verification stays valid. */
  auth_cache_ttl: number
  /** Largest MQTT packet accepted (and the v5 Maximum Packet Size announced), in bytes. */
  max_packet_size: number
  /** Largest packet accepted before a CONNECT has succeeded (the CONNECT itself, and what follows it early). */
  max_connect_packet_size: number
  /** Bytes that may wait to be written to one connection before QoS 0 messages to it are dropped. */
  max_outgoing_bytes: number
  /** Upper bound on a client's keep alive, in seconds; a v5 client asking for more gets Server Keep Alive. */
  max_keepalive: number
  /** Inflight window per session, both ways (the Receive Maximum announced; cap on outgoing). */
  max_inflight: number
  /** Payload bytes in one session's outbound inflight window; 0 = no byte limit. */
  max_inflight_bytes: number
  /** QoS 1/2 messages queued per session while its inflight window is full or it is offline. */
  max_queued_messages: number
  /** Bytes queued per session (as the store holds them); 0 = no byte limit. */
  max_queued_bytes: number
  /** Open MQTT connections allowed at once; 0 means no limit. */
  max_connections: number
  /** Longest topic name or filter, in bytes. */
  max_topic_length: number
  /** Most levels in a topic name or filter. */
  max_topic_levels: number
  /** Subscriptions one session may hold; 0 means no limit. */
  max_subscriptions_per_client: number
  /** Topic Alias Maximum announced to v5 clients (aliases they may use towards us); 0 disables. */
  topic_alias_maximum: number
  /** Seconds a socket may stay open without sending CONNECT. */
  connect_timeout: number
  /** Seconds a connection may have output waiting while its peer reads none of it; 0 = no limit. */
  write_timeout: number
  /** PUBLISH to `$direct/<client id>` reaches that session without a subscription. */
  direct_messaging: boolean
  /** Seconds between two publications of the `$SYS/broker/...` tree (retained, QoS 0); 0 disables it. */
  sys_interval: number
  /** When set, every CONNECT is answered with a redirect (v5) or "server unavailable" (v3). */
  redirect?: RedirectConfig
  /** When set, this broker is one node of a cluster on Redis; `node_name` must be unique in it. */
  cluster?: ClusterConfig
  /**
   * Storage backend: `embedded` (default) keeps state in a crash-safe LevelDB database in
   * `<data_dir>/store/`; `memory` keeps it in this process only (tests, or no disk wanted).
   */
  store: 'embedded' | 'memory'
  log_level: LogLevel
}

/**
 * Where a running broker's configuration came from, so that `mqttctl restart` can start the same
 * broker again: the file (absolute; null for defaults only) and the command line's overrides.
 * `data_dir` is recorded whenever the file does not decide it (a --data-dir flag, or the default
 * `./data` resolved against the working directory the broker was started from).
 */
export interface ConfigSource {
  file: string | null
  overrides: { port?: number; host?: string; data_dir?: string; node_name?: string; cluster_redis?: string }
}
