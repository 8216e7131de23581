/**
 * The result of a bench run (the `--json` document, and what the human report prints), and the
 * merging of shard reports into it. Rates are per second of the measured window: from the end of
 * the warmup to the last message written (sent) or received (received); for `sub` from the first
 * message received to the last. MB are 10^6 bytes of
 * payload. A run is valid when nothing was lost, duplicated or unexpected and no connection failed.
 */
import { Histogram, type LatencySummary } from './histogram.js'
import type { BenchOptions } from './plan.js'
import type { RetainedResult } from './retained.js'
import type { Integrity, ShardResult, SubscriberResult } from './shard-result.js'

export interface Throughput { messages: number; msgs_per_s: number; mb_per_s: number }

export interface ConnectionsResult {
  requested: number
  opened: number
  failed: number
  elapsed_ms: number
  conns_per_s: number
  latency_ms: LatencySummary | null
  held_s: number
  /** Connections the broker closed while they were held. */
  dropped: number
}

export type { Integrity } from './shard-result.js'

export interface BenchResult {
  scenario: BenchOptions['scenario']
  topology: BenchOptions['topology'] | null
  config: Record<string, unknown>
  duration_s: number
  sent: (Throughput & { acked: number }) | null
  received: Throughput | null
  latency_ms: LatencySummary | null
  integrity: Integrity | null
  subscribers: SubscriberResult[]
  connections: ConnectionsResult | null
  retained: RetainedResult | null
  errors: string[]
  interrupted: boolean
  valid: boolean
}

/** The configuration as reported (`config` of the result). */
export function describeConfig (o: BenchOptions): Record<string, unknown> {
  const { endpoint, subEndpoint } = o
  return {
    url: `mqtt://${endpoint.host}:${endpoint.port}`,
    ...(subEndpoint === endpoint ? {} : { sub_url: `mqtt://${subEndpoint.host}:${subEndpoint.port}` }),
    clients: o.clients,
    subscribers: o.scenario === 'pubsub' || o.scenario === 'sub' ? o.subscribers : 0,
    messages: o.messages,
    duration_s: o.durationMs === null ? null : o.durationMs / 1000,
    warmup_s: o.warmupMs / 1000,
    size: o.size,
    qos: o.qos,
    rate: o.rate,
    topic: o.topic,
    mqtt_version: o.version === 5 ? '5' : '3.1.1',
    inflight: o.inflight,
    workers: o.workers,
  }
}

function throughput (messages: number, bytes: number, seconds: number): Throughput {
  const s = seconds > 0 ? seconds : NaN
  return {
    messages,
    msgs_per_s: Number.isFinite(messages / s) ? Math.round(messages / s) : 0,
    mb_per_s: Number.isFinite(bytes / s) ? Math.round((bytes / 1e6 / s) * 1000) / 1000 : 0,
  }
}

/** Merges the shard reports of a pub/sub/pubsub run. */
export function mergeShards (o: BenchOptions, shards: ShardResult[], measureFromNs: number, publishedNs: number, interrupted: boolean): BenchResult {
  const latency = new Histogram()
  let sent = 0
  let sentBytes = 0
  let acked = 0
  let received = 0
  let receivedBytes = 0
  let firstReceiveNs = Infinity
  let lastReceiveNs = 0
  const subscribers: SubscriberResult[] = []
  const errors: string[] = []
  for (const s of shards) {
    sent += s.sent
    sentBytes += s.sentBytes
    acked += s.acked
    received += s.received
    receivedBytes += s.receivedBytes
    lastReceiveNs = Math.max(lastReceiveNs, s.lastReceiveNs)
    if (s.received > 0) firstReceiveNs = Math.min(firstReceiveNs, s.firstReceiveNs)
    latency.merge(s.latency)
    subscribers.push(...s.subscribers)
    errors.push(...s.errors)
  }
  subscribers.sort((a, b) => a.index - b.index)
  const hasPublishers = o.scenario !== 'sub'
  const hasSubscribers = o.scenario !== 'pub'
  const sendSeconds = (publishedNs - measureFromNs) / 1e9
  // `sub` does not know when the publishers started: its window opens with the first message.
  const receiveFrom = hasPublishers || firstReceiveNs === Infinity ? measureFromNs : firstReceiveNs
  const receiveSeconds = lastReceiveNs > receiveFrom ? (lastReceiveNs - receiveFrom) / 1e9 : 0
  let integrity: Integrity | null = null
  if (hasSubscribers) {
    const known = subscribers.every((s) => s.expected !== null)
    integrity = {
      expected: known ? subscribers.reduce((a, s) => a + (s.expected ?? 0), 0) : null,
      received: subscribers.reduce((a, s) => a + s.received, 0),
      lost: subscribers.reduce((a, s) => a + s.lost, 0),
      duplicates: subscribers.reduce((a, s) => a + s.duplicates, 0),
      out_of_order: subscribers.reduce((a, s) => a + s.out_of_order, 0),
      unexpected: subscribers.reduce((a, s) => a + s.unexpected, 0),
    }
  }
  const valid = errors.length === 0 && !interrupted && (integrity === null || (integrity.lost === 0 && integrity.duplicates === 0 && integrity.unexpected === 0))
  return {
    scenario: o.scenario,
    topology: o.scenario === 'pubsub' ? o.topology : null,
    config: describeConfig(o),
    duration_s: round3(hasSubscribers && receiveSeconds > 0 ? receiveSeconds : Math.max(0, sendSeconds)),
    sent: hasPublishers ? { ...throughput(sent, sentBytes, sendSeconds), acked } : null,
    received: hasSubscribers ? throughput(received, receivedBytes, receiveSeconds) : null,
    latency_ms: latency.summaryMs(),
    integrity,
    subscribers,
    connections: null,
    retained: null,
    errors,
    interrupted,
    valid,
  }
}

/** A result of the `conn` or `retained` scenario (no message counters). */
export function otherResult (o: BenchOptions, part: { connections?: ConnectionsResult; retained?: RetainedResult }, errors: string[], interrupted: boolean): BenchResult {
  const c = part.connections
  const r = part.retained
  const valid = errors.length === 0 && !interrupted &&
    (c === undefined || (c.failed === 0 && c.dropped === 0)) &&
    (r === undefined || (r.lost === 0 && r.duplicates === 0))
  return {
    scenario: o.scenario,
    topology: null,
    config: describeConfig(o),
    duration_s: round3(c !== undefined ? c.elapsed_ms / 1000 : (r?.last_ms ?? 0) / 1000),
    sent: null,
    received: null,
    latency_ms: null,
    integrity: null,
    subscribers: [],
    connections: c ?? null,
    retained: r ?? null,
    errors,
    interrupted,
    valid,
  }
}

export function round3 (n: number): number {
  return Math.round(n * 1000) / 1000
}
