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
/** Unread entries in the node's inbox above which this node sends it nothing more until it catches up. */
const MAX_BACKLOG = 64
const BACKLOG_POLL_MS = 5

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
  /** Entries in `stream` (XLEN): those the node has not read and handed on yet. */
  backlog (stream: string): Promise<number>
  /**
   * Bytes an outbox may hold unsent (Redis slow or away, the node behind) before QoS 0 messages for
   * the node are dropped and counted; QoS 1/2 ones are held by their publishers' inflight windows.
   */
  readonly maxUnsentBytes: number
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
  /** The node left: nothing more is sent. */
  private gone = false

  constructor (readonly name: string, readonly incarnation: number, private readonly stream: string, private readonly host: OutboxHost) {}

  forward (msg: Message, now: number, groups: readonly string[] | null): void {
    if (msg.qos === 0 && this.unsentBytes > this.host.maxUnsentBytes) {
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

  /** The sequence number of the newest batch (grows when a batch opens). */
  get batchSeq (): number {
    return this.seq
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
      while (this.queue.length > 0 && !this.gone) {
        this.open = null
        const batches = this.queue.slice()
        const sends = batches.map((b) => this.host.append(this.stream, [
          'k', 'msgs', 'n', this.host.selfName, 'i', String(this.host.incarnation), 's', String(b.seq), 'd', Buffer.concat(b.parts, b.bytes),
        ]))
        const backlog = this.host.backlog(this.stream) // in the same pipeline: how far the node is behind
        const results = await Promise.allSettled(sends)
        // the batches up to the first failure are in Redis; after a failure, later ones go again
        // too (in order; the receiver drops what it has), except QoS 0-only ones, dropped
        let sent = 0
        while (sent < results.length && results[sent]?.status === 'fulfilled') sent++
        const failed = batches.slice(sent)
        const kept = failed.filter((b) => b.durable && !this.host.closing)
        for (const b of failed) if (!kept.includes(b)) this.host.dropped(b.count)
        const later = this.queue.slice(batches.length)
        for (const b of batches) this.unsentBytes -= b.bytes
        for (const b of kept) this.unsentBytes += b.bytes
        this.queue.length = 0
        this.queue.push(...kept, ...later)
        this.settle()
        if (kept.length > 0) {
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
          continue
        }
        // Backpressure: while the node has more unread entries than MAX_BACKLOG, send nothing more
        // (QoS 1/2 publishers wait for their acks; QoS 0 beyond the byte limit is dropped here).
        let behind = await backlog.catch(() => 0)
        while (behind > MAX_BACKLOG && !this.gone && !this.host.closing) {
          await new Promise((resolve) => setTimeout(resolve, BACKLOG_POLL_MS))
          behind = await this.host.backlog(this.stream).catch(() => 0)
        }
      }
    } finally {
      this.sending = null
    }
  }

  /** Answers the waiters of every batch no longer queued (in Redis, or given up). */
  private settle (): void {
    const upTo = this.queue.length === 0 ? this.seq : (this.queue[0] as Batch).seq - 1
    if (upTo <= this.sentUpTo) return
    this.sentUpTo = upTo
    let k = 0
    while (k < this.waiters.length && (this.waiters[k] as Waiter).seq <= upTo) (this.waiters[k++] as Waiter).resolve()
    if (k > 0) this.waiters.splice(0, k)
  }

  /** Forgets what waits (the node left): QoS 1/2 publishers waiting on it are answered. */
  discard (): void {
    this.gone = true
    for (const batch of this.queue) this.host.dropped(batch.count)
    this.queue.length = 0
    this.unsentBytes = 0
    this.open = null
    this.settle()
  }
}
