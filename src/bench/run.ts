/**
 * The bench coordinator: splits the clients over shards (this thread with --workers 1, else one
 * worker thread each), runs the phases in lock-step and merges the reports.
 *
 *   pub/sub/pubsub: connect (subscribers first) → start (one shared time base: process.hrtime is
 *   the same clock in every thread) → publishers done (their totals tell each subscriber what to
 *   expect) → drain (wait for the last messages) → close.
 *   conn: open (bounded concurrency per shard) → hold idle → close.
 *   retained: load → subscribe and measure → clean up (this thread).
 *
 * Publisher i and subscriber i go to shard i mod W, so pairs stay within one thread. An abort
 * (Ctrl-C) stops publishing and reports what was measured, marked interrupted.
 */
import { BenchConnectError } from './connection.js'
import { Histogram } from './histogram.js'
import { nowNs } from './payload.js'
import { makePlan, type BenchOptions } from './plan.js'
import { localRemote, workerRemote, type Remote } from './remote.js'
import { mergeShards, otherResult, round3, type BenchResult, type ConnectionsResult } from './result.js'
import { runRetained } from './retained.js'
import { Shard, type StartTimes } from './shard.js'
import type { Progress, ShardResult } from './shard-result.js'
import { Storm, type StormResult } from './storm.js'

export { BenchConnectError }

export interface RunHooks {
  signal?: AbortSignal
  /** Called about 5 times a second: done fraction (0..1, or null when open-ended) and counters. */
  onProgress?: (fraction: number | null, p: Progress, elapsedS: number) => void
  /** Called once all `conn` connections are open and are being held. */
  onHolding?: (connections: number, holdS: number) => void
}

const PROGRESS_MS = 200

export async function runBench (o: BenchOptions, hooks: RunHooks = {}): Promise<BenchResult> {
  switch (o.scenario) {
    case 'conn': return await runStorm(o, hooks)
    case 'retained': return await runRetainedScenario(o, hooks)
    default: return await runMessages(o, hooks)
  }
}

async function runMessages (o: BenchOptions, hooks: RunHooks): Promise<BenchResult> {
  const plan = makePlan(o)
  const w = Math.max(1, o.workers)
  const remotes: Remote[] = []
  const startedAt = Date.now()
  try {
    for (let k = 0; k < w; k++) {
      const publishers = plan.publishers.filter((p) => p.index % w === k)
      const subscribers = plan.subscribers.filter((s) => s.index % w === k)
      remotes.push(w === 1
        ? localRemote(new Shard(o, publishers, subscribers, plan.publishers.length))
        : await workerRemote({ kind: 'shard', options: o, publishers, subscribers, totalPublishers: plan.publishers.length }))
    }
    await Promise.all(remotes.map((r) => r.call('connect')))

    const t0 = nowNs()
    const measureFrom = t0 + o.warmupMs * 1e6
    const stopAt = o.durationMs === null ? null : measureFrom + o.durationMs * 1e6
    const times: StartTimes = { t0, measureFrom, stopAt }
    let interrupted = false
    const onAbort = (): void => {
      interrupted = true
      for (const r of remotes) void r.call('stop').catch(() => {})
    }
    hooks.signal?.addEventListener('abort', onAbort, { once: true })
    const totalMessages = o.messages === null ? null : o.messages * Math.max(1, plan.publishers.length)
    const ticker = startTicker(remotes, hooks, (p) => {
      const elapsedNs = nowNs() - t0
      if (stopAt !== null) return Math.min(1, elapsedNs / (stopAt - t0))
      if (totalMessages === null) return null
      return Math.min(1, (o.scenario === 'sub' ? p.received / (totalMessages * Math.max(1, plan.subscribers.length)) : p.sent / totalMessages))
    }, startedAt)
    try {
      await Promise.all(remotes.map((r) => r.call('start', times)))
      let publishedNs: number
      let sent: number[] = []
      if (o.scenario === 'sub') {
        await waitForSubscribers(o, remotes, plan.subscribers.length, stopAt, hooks.signal)
        publishedNs = nowNs()
      } else {
        const lists = await Promise.all(remotes.map((r) => r.call<Array<[number, number]>>('published')))
        publishedNs = nowNs()
        sent = sentByPublisher(lists, plan.publishers.length)
      }
      const shards = await Promise.all(remotes.map((r) => r.call<ShardResult>('drain', sent)))
      hooks.signal?.removeEventListener('abort', onAbort)
      return mergeShards(o, shards, measureFrom, publishedNs, interrupted)
    } finally {
      clearInterval(ticker)
    }
  } finally {
    await closeAll(remotes)
  }
}

/** Messages sent by each publisher (by index) from the shards' lists. */
function sentByPublisher (lists: Array<Array<[number, number]>>, publishers: number): number[] {
  const sent = new Array<number>(publishers).fill(0)
  for (const list of lists) for (const [index, count] of list) sent[index] = count
  return sent
}

/** `sub`: runs until --duration is over, every subscriber has --messages, or an abort. */
async function waitForSubscribers (o: BenchOptions, remotes: Remote[], subscribers: number, stopAt: number | null, signal: AbortSignal | undefined): Promise<void> {
  const target = o.messages === null ? Infinity : o.messages * subscribers
  while (signal?.aborted !== true) {
    if (stopAt !== null && nowNs() >= stopAt) return
    const received = remotes.reduce((a, r) => a + r.progress().received, 0)
    if (received >= target) return
    if (stopAt === null && target === Infinity && signal === undefined) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function runStorm (o: BenchOptions, hooks: RunHooks): Promise<BenchResult> {
  const w = Math.max(1, Math.min(o.workers, o.clients))
  const remotes: Remote[] = []
  let interrupted = false
  try {
    for (let k = 0; k < w; k++) {
      const indexes: number[] = []
      for (let i = k; i < o.clients; i += w) indexes.push(i)
      const concurrency = Math.max(1, Math.round(o.concurrency / w))
      remotes.push(w === 1 ? localRemote(new Storm(o, indexes, concurrency)) : await workerRemote({ kind: 'storm', options: o, indexes, concurrency }))
    }
    const startedAt = Date.now()
    const ticker = startTicker(remotes, hooks, (p) => Math.min(1, p.connections / o.clients), startedAt)
    let results: StormResult[]
    try {
      results = await Promise.all(remotes.map((r) => r.call<StormResult>('open')))
    } finally {
      clearInterval(ticker)
    }
    const latency = new Histogram()
    let opened = 0
    let failed = 0
    let first = Infinity
    let last = 0
    const errors: string[] = []
    for (const r of results) {
      opened += r.opened
      failed += r.failed
      first = Math.min(first, r.firstNs)
      last = Math.max(last, r.lastNs)
      latency.merge(r.latency)
      errors.push(...r.errors)
    }
    const elapsedMs = opened > 0 ? (last - first) / 1e6 : 0
    let heldS = 0
    if (o.holdMs > 0 && hooks.signal?.aborted !== true) {
      hooks.onHolding?.(opened, o.holdMs / 1000)
      const holdStart = Date.now()
      await sleep(o.holdMs, hooks.signal)
      interrupted = aborted(hooks.signal)
      heldS = round3((Date.now() - holdStart) / 1000)
    }
    const dropped = (await Promise.all(remotes.map((r) => r.call<number>('close')))).reduce((a, b) => a + b, 0)
    const connections: ConnectionsResult = {
      requested: o.clients,
      opened,
      failed,
      elapsed_ms: round3(elapsedMs),
      conns_per_s: elapsedMs > 0 ? Math.round(opened / (elapsedMs / 1000)) : 0,
      latency_ms: latency.summaryMs(),
      held_s: heldS,
      dropped,
    }
    return otherResult(o, { connections }, errors, interrupted)
  } finally {
    // give DISCONNECTs a moment to leave before worker threads are torn down
    if (w > 1) await sleep(100)
    for (const r of remotes) await r.terminate()
  }
}

async function runRetainedScenario (o: BenchOptions, hooks: RunHooks): Promise<BenchResult> {
  const total = (o.messages ?? 0) * o.clients
  const startedAt = Date.now()
  let progress: Progress = { sent: 0, received: 0, connections: 0 }
  const timer = setInterval(() => {
    hooks.onProgress?.(total === 0 ? 1 : (progress.sent + progress.received) / (2 * total), progress, (Date.now() - startedAt) / 1000)
  }, PROGRESS_MS)
  try {
    const retained = await runRetained(o, (loaded, received) => { progress = { sent: loaded, received, connections: 0 } })
    return otherResult(o, { retained }, retained.errors, false)
  } finally {
    clearInterval(timer)
  }
}

function startTicker (remotes: Remote[], hooks: RunHooks, fraction: (p: Progress) => number | null, startedAt: number): NodeJS.Timeout {
  return setInterval(() => {
    if (hooks.onProgress === undefined) return
    const p: Progress = { sent: 0, received: 0, connections: 0 }
    for (const r of remotes) {
      const q = r.progress()
      p.sent += q.sent
      p.received += q.received
      p.connections += q.connections
    }
    hooks.onProgress(fraction(p), p, (Date.now() - startedAt) / 1000)
  }, PROGRESS_MS)
}

async function closeAll (remotes: Remote[]): Promise<void> {
  await Promise.all(remotes.map((r) => r.call('close').catch(() => {})))
  if (remotes.length > 1) await sleep(100)
  for (const r of remotes) await r.terminate()
}

function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done (): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

function aborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}
