/**
 * The publishers and subscribers of one thread (the whole run with --workers 1, a slice of it in
 * each worker otherwise), driven by the coordinator in run.ts through connect → start → published
 * → drain → close.
 *
 * Sending: one scheduler per shard. Each turn (setImmediate) reads the clock once and lets every
 * publisher write what it may: at most a batch, no more than its share of --rate is due, no more
 * than its --inflight window allows (QoS 1/2), and nothing while its socket is not writable. It
 * sleeps when nobody may send and is woken by an ack, a drained socket or a rate timer. All
 * messages of a turn carry the same send time and leave in one write per socket (outbox.ts).
 *
 * Receiving: per message, four buffer reads, a sequence check per (subscriber, publisher) and one
 * histogram increment; the ack is appended to the subscriber's outbox.
 */
import { BenchConnection } from './connection.js'
import { Histogram } from './histogram.js'
import { PublishTemplate } from './packets.js'
import { STAMP_SIZE, makePayload, nowNs, readPublisher, readSentNs, readSeq, stamp } from './payload.js'
import { expectedFor, type BenchOptions, type PublisherSpec, type SubscriberSpec } from './plan.js'
import { SequenceTracker } from './sequence.js'
import type { Progress, ShardResult, SubscriberResult } from './shard-result.js'

/** Times (process.hrtime ns) shared by all shards of a run. */
export interface StartTimes { t0: number; measureFrom: number; stopAt: number | null }

/** Session Expiry of persistent subscribers (MQTT 5), long enough for any run. */
const PERSISTENT_EXPIRY_S = 300
const CONNECT_CONCURRENCY = 64
const BATCH_BYTES = 32 * 1024
const MAX_BATCH = 256

interface Publisher {
  spec: PublisherSpec
  conn: BenchConnection
  template: PublishTemplate
  /** Next sequence number = messages sent so far. */
  seq: number
  /** Sequence number to stop at (messages mode; fixed when the warmup ends). */
  limit: number
  done: boolean
}

interface Subscriber {
  spec: SubscriberSpec
  conn: BenchConnection
  trackers: Map<number, SequenceTracker>
  unexpected: number
}

export class Shard {
  private readonly publishers: Publisher[] = []
  private readonly subscribers: Subscriber[] = []
  private readonly histogram = new Histogram()
  private readonly errors: string[] = []
  private times: StartTimes = { t0: 0, measureFrom: Infinity, stopAt: null }
  private scheduled = false
  private timer: NodeJS.Timeout | null = null
  private readonly batch: number
  private readonly perPublisherRate: number
  private sentTotal = 0
  private receivedTotal = 0
  // measured window
  private sent = 0
  private sentBytes = 0
  private firstSendNs = 0
  private lastSendNs = 0
  private acked = 0
  private received = 0
  private receivedBytes = 0
  private firstReceiveNs = 0
  private lastReceiveNs = 0
  private publishedResolve: (() => void) | null = null
  private readonly publishedPromise: Promise<void>
  private readonly tick = (): void => { this.run() }

  constructor (private readonly o: BenchOptions, private readonly pubSpecs: PublisherSpec[], private readonly subSpecs: SubscriberSpec[], totalPublishers: number) {
    const packet = 8 + o.topic.length + Math.max(o.size, STAMP_SIZE)
    this.batch = Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_BYTES / packet)))
    this.perPublisherRate = o.rate > 0 && totalPublishers > 0 ? o.rate / totalPublishers : 0
    this.publishedPromise = new Promise((resolve) => { this.publishedResolve = resolve })
  }

  /** Connects every client, subscribers first (each waits for its SUBACK). */
  async connect (): Promise<void> {
    const o = this.o
    const base = { version: o.version, keepalive: 0, clean: true }
    const subBase = o.persistent ? { ...base, clean: false, sessionExpiry: PERSISTENT_EXPIRY_S } : base
    await eachLimited(this.subSpecs, CONNECT_CONCURRENCY, async (spec) => {
      const conn = await BenchConnection.open(o.subEndpoint, { ...subBase, clientId: `${o.idPrefix}-s${spec.index}` })
      const sub: Subscriber = { spec, conn, trackers: new Map(), unexpected: 0 }
      this.subscribers.push(sub)
      await conn.subscribe([spec.filter], o.qos)
      conn.onMessage = (buf, start, end, receivedNs) => { this.onMessage(sub, buf, start, end, receivedNs) }
      conn.onClose = (err) => { this.errors.push(`subscriber ${spec.index}: ${err?.message ?? 'closed'}`) }
    })
    await eachLimited(this.pubSpecs, CONNECT_CONCURRENCY, async (spec) => {
      const conn = await BenchConnection.open(o.endpoint, { ...base, clientId: `${o.idPrefix}-p${spec.index}` })
      const template = new PublishTemplate(spec.topic, o.qos, makePayload(o.size, spec.index), o.version, o.retain)
      const pub: Publisher = { spec, conn, template, seq: 0, limit: o.messages === null ? Infinity : -1, done: false }
      conn.onCompleted = () => { this.onCompleted(pub) }
      conn.onDrain = this.kick
      conn.onClose = (err) => {
        this.errors.push(`publisher ${spec.index}: ${err?.message ?? 'closed'}`)
        this.finish(pub)
      }
      this.publishers.push(pub)
    })
  }

  /** Starts publishing (subscribers count messages sent from `measureFrom` on). */
  start (times: StartTimes): void {
    this.times = times
    if (this.publishers.length === 0) this.publishedResolve?.()
    this.kick()
  }

  /** Stops publishing now (Ctrl-C). */
  stop (): void {
    this.times.stopAt = Math.min(this.times.stopAt ?? Infinity, nowNs())
    this.kick()
  }

  progress (): Progress {
    return { sent: this.sentTotal, received: this.receivedTotal, connections: this.publishers.length + this.subscribers.length }
  }

  /** Resolves when every publisher is done and its QoS 1/2 messages are completed (or gave up). */
  async published (): Promise<Array<[number, number]>> {
    await this.publishedPromise
    return this.publishers.map((p) => [p.spec.index, p.seq])
  }

  /**
   * Waits until every subscriber has what `sentByPublisher` says it should get, or nothing has
   * arrived for `drainMs`; then reports.
   */
  async drain (sentByPublisher: number[]): Promise<ShardResult> {
    const complete = (): boolean => this.subscribers.every((s) => {
      const expected = this.expected(s, sentByPublisher)
      return expected === null || distinct(s) >= expected || s.conn.closed
    })
    let last = this.receivedTotal
    let quietSince = Date.now()
    while (!complete()) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      if (this.receivedTotal !== last) {
        last = this.receivedTotal
        quietSince = Date.now()
      } else if (Date.now() - quietSince >= this.o.drainMs) {
        break
      }
    }
    return this.result(sentByPublisher)
  }

  async close (): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    for (const p of this.publishers) p.conn.close()
    for (const s of this.subscribers) s.conn.close()
    if (!this.o.persistent) return
    // persistent sessions would outlive the run: a clean connection with each client id ends them
    const o = this.o
    await eachLimited(this.subscribers, CONNECT_CONCURRENCY, async (s) => {
      const conn = await BenchConnection.open(o.subEndpoint, { version: o.version, keepalive: 0, clean: true, clientId: `${o.idPrefix}-s${s.spec.index}` }).catch(() => null)
      conn?.close()
    })
  }

  private expected (s: Subscriber, sentByPublisher: number[]): number | null {
    if (this.o.scenario === 'sub') return this.o.messages
    return expectedFor(s.spec, sentByPublisher)
  }

  private readonly kick = (): void => {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(this.tick)
  }

  private run (): void {
    this.scheduled = false
    const { t0, measureFrom, stopAt } = this.times
    const now = nowNs()
    const stopping = stopAt !== null && now >= stopAt
    let again = false
    let nextDueNs = Infinity
    for (let i = 0; i < this.publishers.length; i++) {
      const pub = this.publishers[i]
      if (pub.done) continue
      if (stopping) {
        this.finish(pub)
        continue
      }
      if (pub.limit < 0 && now >= measureFrom) pub.limit = pub.seq + (this.o.messages ?? 0)
      let n = this.batch
      if (pub.limit >= 0) {
        n = Math.min(n, pub.limit - pub.seq)
        if (n <= 0) {
          this.finish(pub)
          continue
        }
      }
      if (this.perPublisherRate > 0) {
        const due = Math.floor(((now - t0) / 1e9) * this.perPublisherRate) + 1 - pub.seq
        if (due <= 0) {
          nextDueNs = Math.min(nextDueNs, t0 + ((pub.seq) / this.perPublisherRate) * 1e9)
          continue
        }
        n = Math.min(n, due)
      }
      if (this.o.qos > 0) n = Math.min(n, this.o.inflight - pub.conn.inflight)
      if (n <= 0 || !pub.conn.outbox.writable || pub.conn.closed) continue
      this.send(pub, n, now)
      again = true
    }
    if (stopAt !== null && !stopping) nextDueNs = Math.min(nextDueNs, stopAt)
    if (again) {
      this.kick()
    } else if (nextDueNs < Infinity) {
      if (this.timer !== null) clearTimeout(this.timer)
      this.timer = setTimeout(() => {
        this.timer = null
        this.kick()
      }, Math.max(0, (nextDueNs - nowNs()) / 1e6))
    }
  }

  private send (pub: Publisher, n: number, now: number): void {
    const { template, conn } = pub
    const out = conn.outbox
    const size = template.size
    const payloadAt = template.payloadOffset
    const qos = this.o.qos
    const measured = now >= this.times.measureFrom
    for (let k = 0; k < n; k++) {
      const slab = out.reserve(size)
      const off = out.offset
      template.writeTo(slab, off, qos > 0 ? conn.takePacketId() : 0)
      stamp(slab, off + payloadAt, now, pub.seq++)
      out.commit(off + size)
    }
    this.sentTotal += n
    if (measured) {
      if (this.sent === 0) this.firstSendNs = now
      this.sent += n
      this.sentBytes += n * (size - payloadAt)
      this.lastSendNs = now
    }
  }

  private onCompleted (pub: Publisher): void {
    this.acked++
    if (pub.done) {
      if (pub.conn.inflight === 0) this.checkPublished()
    } else {
      this.kick()
    }
  }

  /** A publisher sends no more; the run's publishing ends when all have, with nothing in flight. */
  private finish (pub: Publisher): void {
    pub.done = true
    this.checkPublished()
  }

  private checkPublished (): void {
    if (this.publishedResolve === null) return
    for (const p of this.publishers) if (!p.done || (p.conn.inflight > 0 && !p.conn.closed)) return
    this.publishedResolve()
    this.publishedResolve = null
  }

  private onMessage (sub: Subscriber, buf: Buffer, start: number, end: number, receivedNs: number): void {
    this.receivedTotal++
    if (end - start < STAMP_SIZE) {
      sub.unexpected++
      return
    }
    const publisher = readPublisher(buf, start)
    const sources = sub.spec.sources
    if (sources !== 'all' && sources !== publisher) {
      sub.unexpected++
      return
    }
    let tracker = sub.trackers.get(publisher)
    if (tracker === undefined) {
      tracker = new SequenceTracker()
      sub.trackers.set(publisher, tracker)
    }
    tracker.record(readSeq(buf, start))
    const sentNs = readSentNs(buf, start)
    if (sentNs >= this.times.measureFrom) {
      if (this.received === 0) this.firstReceiveNs = receivedNs
      this.received++
      this.receivedBytes += end - start
      this.lastReceiveNs = receivedNs
      this.histogram.record((receivedNs - sentNs) / 1000)
    }
  }

  private result (sentByPublisher: number[]): ShardResult {
    const subscribers: SubscriberResult[] = this.subscribers.map((s) => {
      const expected = this.expected(s, sentByPublisher)
      let duplicates = 0
      let outOfOrder = 0
      let holes = 0
      for (const t of s.trackers.values()) {
        duplicates += t.duplicates
        outOfOrder += t.outOfOrder
        holes += t.holes
      }
      const received = distinct(s)
      return {
        index: s.spec.index,
        expected,
        received,
        lost: expected === null || this.o.scenario === 'sub' ? holes : Math.max(0, expected - received),
        duplicates,
        out_of_order: outOfOrder,
        unexpected: s.unexpected,
      }
    })
    return {
      sent: this.sent,
      sentBytes: this.sentBytes,
      firstSendNs: this.firstSendNs,
      lastSendNs: this.lastSendNs,
      acked: this.acked,
      received: this.received,
      receivedBytes: this.receivedBytes,
      firstReceiveNs: this.firstReceiveNs,
      lastReceiveNs: this.lastReceiveNs,
      latency: this.histogram.toJSON(),
      subscribers,
      errors: [...this.errors],
    }
  }
}

function distinct (s: Subscriber): number {
  let n = 0
  for (const t of s.trackers.values()) n += t.distinct
  return n
}

/** Runs `fn` over `items` with at most `limit` at a time; rejects with the first failure. */
export async function eachLimited<T> (items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
}
