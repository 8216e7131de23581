/**
 * What a bench run does, decided once from the options: the publishers and subscribers, the topic
 * each publishes to, the filter each subscribes to, and which publishers each subscriber should
 * hear from (so that losses can be counted exactly once the publishers' totals are known).
 *
 * Topologies (publisher i publishes to topic(i), `%i` in the pattern replaced by i):
 * - fan-in:  every subscriber subscribes to the pattern with `%i` as `+` and hears every publisher.
 * - fan-out: subscriber j subscribes to topic(j mod P) exactly and hears publisher j mod P
 *            (with one publisher: everyone hears it).
 * - pairs:   subscriber j hears publisher j only (fan-out with as many subscribers as publishers).
 * `pub` has no subscribers, `sub` no publishers (it hears whatever matches its filter).
 */
import type { MqttVersion } from './packets.js'
import type { Endpoint } from './connection.js'

export type Scenario = 'pub' | 'sub' | 'pubsub' | 'conn' | 'retained'
export type Topology = 'fan-in' | 'fan-out' | 'pairs'

export interface BenchOptions {
  scenario: Scenario
  endpoint: Endpoint
  /** Where subscribers connect (`--sub-url`; the same as `endpoint` unless given), e.g. another node of a cluster. */
  subEndpoint: Endpoint
  topology: Topology
  /** Publishers (conn: connections to open). */
  clients: number
  subscribers: number
  /** Per publisher; null = run for `durationMs`. */
  messages: number | null
  durationMs: number | null
  warmupMs: number
  size: number
  qos: 0 | 1 | 2
  /** Total messages/s over all publishers; 0 = as fast as possible. */
  rate: number
  topic: string
  /** Subscription filter of `sub` and `retained` (null: derived from `topic`). */
  filter: string | null
  version: MqttVersion
  inflight: number
  workers: number
  /** conn: connection attempts in flight at once. */
  concurrency: number
  /** conn: how long to keep the connections open, idle, once all are up. */
  holdMs: number
  /** How long to wait for the last messages once publishers are done (no progress). */
  drainMs: number
  retain: boolean
  /** Subscribers keep persistent sessions (clean session 0; v5: Session Expiry 300 s), removed at the end. */
  persistent: boolean
  /** A prefix for client ids, unique per run. */
  idPrefix: string
}

export interface PublisherSpec { index: number; topic: string }
export interface SubscriberSpec { index: number; filter: string; sources: 'all' | number }

export interface Plan {
  publishers: PublisherSpec[]
  subscribers: SubscriberSpec[]
}

/** Topic of publisher `i` for a pattern (`%i` → i). */
export function topicOf (pattern: string, i: number): string {
  return pattern.replaceAll('%i', String(i))
}

/** The filter that matches the topic of every publisher (`%i` → `+`). */
export function wildcardOf (pattern: string): string {
  return pattern.replaceAll('%i', '+')
}

export function makePlan (o: BenchOptions): Plan {
  const hasPublishers = o.scenario === 'pub' || o.scenario === 'pubsub'
  const hasSubscribers = o.scenario === 'sub' || o.scenario === 'pubsub'
  const publishers: PublisherSpec[] = []
  if (hasPublishers) for (let i = 0; i < o.clients; i++) publishers.push({ index: i, topic: topicOf(o.topic, i) })
  const subscribers: SubscriberSpec[] = []
  if (hasSubscribers) {
    for (let j = 0; j < o.subscribers; j++) {
      if (o.scenario === 'sub' || o.topology === 'fan-in') {
        subscribers.push({ index: j, filter: (o.scenario === 'sub' ? o.filter : null) ?? wildcardOf(o.topic), sources: 'all' })
      } else {
        const p = j % o.clients
        subscribers.push({ index: j, filter: topicOf(o.topic, p), sources: p })
      }
    }
  }
  return { publishers, subscribers }
}

/** Messages subscriber `s` should have received, given what each publisher sent. */
export function expectedFor (s: SubscriberSpec, sentByPublisher: readonly number[]): number {
  if (s.sources === 'all') return sentByPublisher.reduce((a, b) => a + b, 0)
  return sentByPublisher[s.sources] ?? 0
}
