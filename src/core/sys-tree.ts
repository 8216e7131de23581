/**
 * The `$SYS/broker/...` tree (Mosquitto's `src/sys_tree.c` names), published as retained QoS 0
 * messages through `Engine.publish` every `sys_interval` seconds, and read directly by the
 * `sys.watch` control stream (`sysValues()`: the same key → value map, keys being the topic
 * suffix after `$SYS/broker/`).
 *
 * Definitions (counters are totals since start):
 * - `messages/received|sent`: MQTT packets of any type (Mosquitto: "messages of any type");
 *   `publish/messages/received|sent|dropped`: PUBLISH packets only (sent includes resends; dropped:
 *   queue full, expired, too large for the receiver, slow QoS 0 subscriber);
 *   `publish/messages/output_dropped` (ours): of those, QoS 0 messages dropped because
 *   `max_outgoing_bytes` were waiting for a subscriber that does not read.
 * - `clients/connected`: open MQTT connections (including sockets still before CONNECT, as
 *   Mosquitto's count by socket); `clients/total`: sessions (client ids) known, online or not;
 *   `clients/disconnected`: total − connected, never below 0; `clients/maximum`: most connections
 *   open at once (Mosquitto: most sessions); `clients/expired`: sessions ended by their expiry;
 *   `connections/refused` (ours): sockets closed at once at `max_connections`;
 *   `connections/refusal_episodes` (ours): times the broker began refusing connections (at
 *   max_connections or out of file descriptors), each logged once.
 * - `auth/failures` (ours): CONNECTs refused by authentication; `auth/failures/<reason>` per
 *   reason: bad_password, unknown_user, ip_denied, anonymous_refused, no_certificate, backoff, busy.
 * - `queued messages/count|bytes|dropped` (ours): QoS 1/2 messages waiting in session queues (behind
 *   a full window or for an offline session), their bytes, and deliveries dropped since start
 *   because a queue was full (max_queued_messages / max_queued_bytes).
 * - `messages/stored`: retained + queued + inflight messages (the $SYS messages themselves count,
 *   as in Mosquitto); `retained messages/count`; `subscriptions/count` (shared members included)
 *   and `shared_subscriptions/count`.
 * - `load/<x>/1min|5min|15min`: events per minute, exponentially averaged (MetricsSampler, one
 *   sample a second): messages and publish as above, bytes, `connections` = connections the engine
 *   accepted, `sockets` = those plus sockets refused at max_connections. Mosquitto's `connections`
 *   counts CONNECT packets; ours counts accepted sockets, which is the same unless a socket closes
 *   before sending CONNECT.
 * - `store/healthy` (ours): 1, or 0 while the store cannot write (a full disk; `mqttctl status`
 *   and `state` say why).
 * - `heap/current|maximum`: V8 heap in use (bytes; maximum sampled once a second); `rss` (ours).
 * - `cluster/...` (a cluster node only; ours): `cluster/nodes` live nodes, `cluster/clients/connected`
 *   and `cluster/subscriptions/count` summed over them, `cluster/publish/messages/received_per_s|sent_per_s`
 *   their summed rates (as of their last heartbeats), and this node's cross-node messages
 *   `cluster/messages/forwarded|received|dropped|duplicates` (src/cluster/totals.ts).
 * - `uptime` is published as "N seconds" (a number in the map); `version` as "mqttd version X".
 * Not published: `messages/dropped` (no such topic in Mosquitto: see `publish/messages/dropped`),
 * the deprecated aliases `clients/active|inactive`, `publish/bytes/*`, `store/messages/bytes`.
 *
 * Like Mosquitto, a topic is published only when its payload changed since the last publication
 * (all of them on the first one); loads are compared at 2 decimals. Cost per tick: one pass over
 * the sessions (queued/inflight counts), a few dozen map lookups, and PUBLISHes for what changed.
 * The timer checks `config.sys_interval` once a second, so `config set sys_interval` applies within
 * a second without a hook (0 stops publishing; retained values stay as they were).
 */
import { AUTH_FAILURES } from '../auth/authenticate.js'
import type { Engine } from './engine.js'
import type { Message } from '../protocol/message.js'
import { readMemory } from '../metrics/memory.js'
import type { MetricsSampler, SampledCounter } from '../metrics/sampler.js'

/** The `$SYS` values: topic suffix (after `$SYS/broker/`) → number or text. */
export type SysValues = Record<string, number | string>

/** What the `$SYS` tree is computed from (the Broker, or the control handlers' BrokerView). */
export interface SysSource {
  readonly version: string
  readonly engine: Engine
  readonly metrics: MetricsSampler
  /** A cluster node's `cluster/...` values (nodes, clients, cross-node messages); null or absent when standalone. */
  readonly clusterValues?: () => SysValues | null
}

/** Prefix of every topic of the tree. */
export const SYS_PREFIX = '$SYS/broker/'

/** How often the publisher looks at `sys_interval` (ms). */
const CHECK_MS = 1000
/** Timer jitter tolerated when deciding that an interval has elapsed (ms). */
const SLACK_MS = 100

const LOADS: ReadonlyArray<[name: string, counters: readonly SampledCounter[]]> = [
  ['messages/received', ['packetsReceived']],
  ['messages/sent', ['packetsSent']],
  ['publish/received', ['publishReceived']],
  ['publish/sent', ['publishSent']],
  ['publish/dropped', ['publishDropped']],
  ['bytes/received', ['bytesReceived']],
  ['bytes/sent', ['bytesSent']],
  ['connections', ['connectionsAccepted']],
  ['sockets', ['connectionsAccepted', 'connectionsRefused']],
]
const LOAD_PERIODS = [1, 5, 15] as const

/** Computes the whole tree now (also updates the heap maximum). */
export function sysValues (src: SysSource, now = Date.now()): SysValues {
  const { engine, metrics } = src
  const c = engine.counters
  const { inflight, queued, queuedBytes } = engine.sessions.totals()
  const total = engine.sessions.size
  const connected = engine.connections.size
  const mem = readMemory()
  const values: SysValues = {
    version: `mqttd version ${src.version}`,
    uptime: Math.floor((now - engine.startedAt) / 1000),
    'clients/connected': connected,
    'clients/disconnected': Math.max(0, total - connected),
    'clients/total': total,
    'clients/maximum': c.connectionsMaximum,
    'clients/expired': c.sessionsExpired,
    'connections/refused': c.connectionsRefused,
    'connections/refusal_episodes': c.refusalEpisodes,
    'auth/failures': c.authFailuresTotal,
    'messages/received': c.packetsReceived,
    'messages/sent': c.packetsSent,
    'messages/stored': engine.retained.size + queued + inflight,
    'publish/messages/received': c.publishReceived,
    'publish/messages/sent': c.publishSent,
    'publish/messages/dropped': c.publishDropped,
    'publish/messages/output_dropped': c.outputDropped,
    'bytes/received': c.bytesReceived,
    'bytes/sent': c.bytesSent,
    'subscriptions/count': engine.router.subscriptionCount,
    'shared_subscriptions/count': engine.router.sharedSubscriptionCount,
    'retained messages/count': engine.retained.size,
    'queued messages/count': queued,
    'queued messages/bytes': queuedBytes,
    'queued messages/dropped': c.queueDropped,
    'store/healthy': engine.store.error === null ? 1 : 0,
    'heap/current': mem.heapUsed,
    'heap/maximum': metrics.heapUsedMaximum(mem.heapUsed),
    rss: mem.rss,
  }
  for (const reason of AUTH_FAILURES) values[`auth/failures/${reason}`] = c.authFailures[reason]
  for (const [name, counters] of LOADS) {
    for (const minutes of LOAD_PERIODS) {
      let load = 0
      for (const counter of counters) load += metrics.load(counter, minutes)
      values[`load/${name}/${minutes}min`] = Math.round(load * 100) / 100
    }
  }
  const cluster = src.clusterValues?.() ?? null
  if (cluster !== null) Object.assign(values, cluster)
  return values
}

/** The MQTT payload of one value: uptime as "N seconds", loads with 2 decimals (as Mosquitto). */
export function sysPayload (key: string, value: number | string): string {
  if (typeof value === 'string') return value
  if (key === 'uptime') return `${value} seconds`
  if (key.startsWith('load/')) return value.toFixed(2)
  return String(value)
}

/** Publishes the tree every `config.sys_interval` seconds while started. */
export class SysTreePublisher {
  private timer: NodeJS.Timeout | null = null
  /** Monotonic time of the last publication (ms), -Infinity before the first. */
  private lastAt = Number.NEGATIVE_INFINITY
  /** Payload last published per key. */
  private readonly published = new Map<string, string>()

  constructor (private readonly src: SysSource) {}

  /** Publishes at once (when enabled), then checks the interval once a second. */
  start (): void {
    if (this.timer !== null) return
    this.check()
    this.timer = setInterval(() => { this.check() }, CHECK_MS)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  /** Publishes every value that changed since the last publication; returns how many were published. */
  publish (now = Date.now()): number {
    const values = sysValues(this.src, now)
    let count = 0
    for (const key in values) {
      const payload = sysPayload(key, values[key])
      if (this.published.get(key) === payload) continue
      this.published.set(key, payload)
      const msg: Message = {
        topic: SYS_PREFIX + key,
        payload: Buffer.from(payload),
        qos: 0,
        retain: true,
        properties: undefined,
        expiresAt: 0,
        origin: '',
        receivedAt: now,
      }
      this.src.engine.publish(msg, now)
      count++
    }
    return count
  }

  private check (): void {
    const seconds = this.src.engine.config.sys_interval
    if (seconds <= 0) return
    const at = performance.now()
    if (at - this.lastAt < seconds * 1000 - SLACK_MS) return
    this.lastAt = at
    try {
      this.publish()
    } catch (err) {
      // A bug here must cost the $SYS tree one tick, never the broker.
      this.src.engine.log.error({ err }, 'publishing the $SYS tree failed')
    }
  }
}
