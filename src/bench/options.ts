/**
 * From `mqttctl bench` flags to BenchOptions: defaults that depend on the scenario and topology,
 * the broker URL (mqtt://[user[:password]@]host[:port]), and the checks that make a run
 * meaningful. A problem is thrown as BenchUsageError (the command turns it into exit 64).
 */
import { randomBytes } from 'node:crypto'
import type { BenchOptions, Scenario, Topology } from './plan.js'
import { STAMP_SIZE } from './payload.js'

export class BenchUsageError extends Error {}

export interface BenchFlags {
  url: string
  /** sub, pubsub: subscribers connect here instead of `url` (another node of a cluster). */
  subUrl?: string | undefined
  topology: Topology
  clients?: number | undefined
  subscribers?: number | undefined
  messages?: number | undefined
  /** Milliseconds. */
  durationMs?: number | null | undefined
  warmupMs: number
  size: number
  qos: number
  rate: number
  topic: string
  filter?: string | undefined
  mqttVersion: string
  inflight: number
  workers: number
  concurrency: number
  holdMs: number
  drainMs: number
  retain: boolean
  persistent: boolean
}

const DEFAULT_DURATION_MS = 10_000

export function parseUrl (url: string): BenchOptions['endpoint'] {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new BenchUsageError(`invalid --url '${url}' (expected mqtt://host:port)`)
  }
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') throw new BenchUsageError(`--url: only mqtt:// is supported (got ${u.protocol}//)`)
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1')
  return {
    host: host === '' ? '127.0.0.1' : host,
    port: u.port === '' ? 1883 : Number(u.port),
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
  }
}

export function buildOptions (scenario: Scenario, f: BenchFlags): BenchOptions {
  const endpoint = parseUrl(f.url)
  if (f.subUrl !== undefined && scenario !== 'sub' && scenario !== 'pubsub') throw new BenchUsageError('--sub-url is for sub and pubsub only')
  const subEndpoint = f.subUrl === undefined ? endpoint : parseUrl(f.subUrl)
  if (f.qos !== 0 && f.qos !== 1 && f.qos !== 2) throw new BenchUsageError('--qos must be 0, 1 or 2')
  if (f.mqttVersion !== '3.1.1' && f.mqttVersion !== '5') throw new BenchUsageError("--mqtt-version must be '3.1.1' or '5'")
  if (f.messages !== undefined && f.durationMs !== undefined && f.durationMs !== null) throw new BenchUsageError('give --messages or --duration, not both')
  if (scenario !== 'retained' && (f.topic.includes('+') || f.topic.includes('#'))) throw new BenchUsageError('--topic is a topic name pattern: no + or # (use --filter for sub)')

  let clients = f.clients
  let subscribers = f.subscribers
  if (scenario === 'pubsub') {
    const defaults = { 'fan-in': [10, 1], 'fan-out': [1, 10], pairs: [10, 10] }[f.topology]
    clients ??= f.topology === 'pairs' ? subscribers ?? defaults[0] : defaults[0]
    subscribers ??= f.topology === 'pairs' ? clients : defaults[1]
    if (f.topology === 'pairs' && clients !== subscribers) throw new BenchUsageError('pairs: --clients and --subscribers must be equal')
    if (f.topology !== 'fan-in' && !f.topic.includes('%i') && clients > 1) {
      throw new BenchUsageError(`${f.topology} with several publishers needs '%i' in --topic (one topic per publisher)`)
    }
  }
  clients ??= scenario === 'conn' ? 1000 : 1
  subscribers ??= 1
  if (clients < 1 || subscribers < 1) throw new BenchUsageError('--clients and --subscribers must be at least 1')

  let messages: number | null = f.messages ?? null
  let durationMs: number | null = f.durationMs ?? null
  if (scenario === 'retained') {
    messages ??= 1000
    durationMs = null
  } else if ((scenario === 'pub' || scenario === 'pubsub') && messages === null && durationMs === null) {
    durationMs = DEFAULT_DURATION_MS
  }
  if (f.size > 256 * 1024 * 1024) throw new BenchUsageError('--size is at most 256 MiB')

  return {
    scenario,
    endpoint,
    subEndpoint,
    topology: f.topology,
    clients,
    subscribers,
    messages,
    durationMs,
    warmupMs: f.warmupMs,
    size: Math.max(STAMP_SIZE, f.size),
    qos: f.qos,
    rate: f.rate,
    topic: f.topic,
    filter: f.filter ?? null,
    version: f.mqttVersion === '5' ? 5 : 4,
    inflight: Math.min(65534, Math.max(1, f.inflight)),
    workers: Math.max(1, f.workers),
    concurrency: Math.max(1, f.concurrency),
    holdMs: f.holdMs,
    drainMs: f.drainMs,
    retain: f.retain,
    persistent: f.persistent,
    idPrefix: `bench-${randomBytes(3).toString('hex')}`,
  }
}
