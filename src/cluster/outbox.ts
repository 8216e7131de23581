/**
 * Outbox: another node as the router's remote target (core/router/remote-node.ts). Messages the
 * router hands it are gathered per tick and appended to the node's inbox stream as batches (one
 * XADD per 256 messages or 256 KiB), every outbox's batches of a tick in one pipelined write.
 *
 * Each batch carries this node's name, incarnation and a sequence number, so the receiver drops a
 * batch it has seen (a resend after a lost reply): QoS 2 stays exactly once. Order holds: one send
 * per outbox at a time, batches in sequence order; a failed send (Redis unreachable) is retried in
 * the same order while it holds QoS 1/2 messages (their publishers' acks wait for it), and dropped
 * and counted when it holds QoS 0 only.
 */
import type { Message } from '../protocol/message.js'
import type { RemoteNode } from '../core/router/remote-node.js'
import { encodeBody, encodeHead } from './wire.js'

const BATCH_MESSAGES = 256
const BATCH_BYTES = 256 * 1024
const RETRY_MS = 500
/**
 * Bytes an outbox may hold unsent (Redis slow or away) before QoS 0 messages for the node are
 * dropped and counted; QoS 1/2 ones are held by their publishers' inflight windows instead.
 */
const MAX_UNSENT_BYTES = 64 * 1024 * 1024

/** One inbox entry waiting to be sent. */
interface Batch {
  seq: number
  /** Per message its head and its body (encoded once for every node it goes to). */
  parts: Buffer[]
  count: number
  bytes: number
  /** Holds a QoS 1/2 message: retried until it is in Redis. */
  durable: boolean
}

interface Waiter {
  readonly seq: number
  readonly resolve: () => void
}

/** What an outbox needs from the cluster around it. */
export interface OutboxHost {
  readonly selfName: string
  readonly incarnation: number
  /** Redis time minus local time, ms. */
  readonly offsetMs: number
  /** Asks for a flush of every outbox at the end of this tick. */
  schedule (): void
  /** Appends one entry to `stream` (XADD); rejects when Redis does not take it. */
  append (stream: string, fields: (string | Buffer)[]): Promise<unknown>
  /** Cross-node figures: `forwarded` grows here with every message handed to the outbox. */
  readonly counters: { forwarded: number }
  /** A QoS 1/2 message entered an outbox (ClusterPort.changeCount grows). */
  durableChange (): void
  /** Messages were dropped (Redis unreachable, or the node left). */
  dropped (messages: number): void
  readonly closing: boolean
}

export class Outbox implements RemoteNode {
  routeStamp = 0
  routeGroups: string[] | null = null
  /** Batches not yet in Redis, oldest first. */
  private readonly queue: Batch[] = []
  private open: Batch | null = null
  private seq = 0
  private sending: Promise<void> | null = null
  /** Every batch up to this sequence number is in Redis (or was dropped). */
  private sentUpTo = 0
  private readonly waiters: Waiter[] = []
  /** Bytes of the batches not yet in Redis. */
  private unsentBytes = 0

  constructor (readonly name: string, readonly incarnation: number, private readonly stream: string, private readonly host: OutboxHost) {}

  forward (msg: Message, now: number, groups: readonly string[] | null): void {
    if (msg.qos === 0 && this.unsentBytes > MAX_UNSENT_BYTES) {
      this.host.dropped(1)
      return
    }
    const head = encodeHead(msg, groups, now)
    const body = encodeBody(msg, this.host.offsetMs)
    const size = head.length + body.length
    let batch = this.open
    if (batch === null || batch.count >= BATCH_MESSAGES || batch.bytes + size > BATCH_BYTES) {
      batch = { seq: ++this.seq, parts: [], count: 0, bytes: 0, durable: false }
      this.queue.push(batch)
      this.open = batch
      this.host.schedule()
    }
    batch.parts.push(head, body)
    batch.count++
    batch.bytes += size
    this.unsentBytes += size
    if (msg.qos > 0) {
      batch.durable = true
      this.host.durableChange() // the publisher's ack waits for it (ClusterPort.flush)
    }
    this.host.counters.forwarded++
  }

  /** Starts sending what is queued, unless a send runs (it takes the new batches next). Once per tick. */
  flush (): void {
    this.open = null
    if (this.sending === null && this.queue.length > 0) this.sending = this.pump()
  }

  /** Resolves once every batch made so far is in Redis (or dropped). */
  settled (): Promise<void> {
    const seq = this.seq
    if (this.sentUpTo >= seq) return Promise.resolve()
    this.host.schedule()
    return new Promise((resolve) => { this.waiters.push({ seq, resolve }) })
  }

  private async pump (): Promise<void> {
    try {
      while (this.queue.length > 0) {
        this.open = null
        const batches = this.queue.slice()
        const results = await Promise.allSettled(batches.map((b) => this.host.append(this.stream, [
          'k', 'msgs', 'n', this.host.selfName, 'i', String(this.host.incarnation), 's', String(b.seq), 'd', Buffer.concat(b.parts, b.bytes),
        ])))
        let failed = false
        for (let i = 0; i < batches.length; i++) {
          const batch = batches[i] as Batch
          // after a failure, later batches go again too (in order; the receiver drops what it has)
          if (results[i]?.status === 'fulfilled' && !failed) {
            this.done(batch)
            continue
          }
          failed = true
          if (!batch.durable || this.host.closing) {
            this.host.dropped(batch.count)
            this.done(batch)
          }
        }
        if (failed && this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
      }
    } finally {
      this.sending = null
    }
  }

  /** `batch` is in Redis (or given up): off the queue, and its waiters answered. */
  private done (batch: Batch): void {
    const i = this.queue.indexOf(batch)
    if (i >= 0) {
      this.queue.splice(i, 1)
      this.unsentBytes -= batch.bytes
    }
    const upTo = this.queue.length === 0 ? this.seq : (this.queue[0] as Batch).seq - 1
    if (upTo <= this.sentUpTo) return
    this.sentUpTo = upTo
    let k = 0
    while (k < this.waiters.length && (this.waiters[k] as Waiter).seq <= upTo) (this.waiters[k++] as Waiter).resolve()
    if (k > 0) this.waiters.splice(0, k)
  }

  /** Forgets what waits (the node left): QoS 1/2 publishers waiting on it are answered. */
  discard (): void {
    for (const batch of this.queue.slice()) {
      this.host.dropped(batch.count)
      this.done(batch)
    }
    this.open = null
  }
}
