/**
 * Output of one connection for the current tick: the bytes its packets make, gathered so that a
 * tick's packets leave in one write call (one syscall) instead of a Writable request each.
 *
 * - The first packet of a tick is kept as it is: a Buffer of its own, or one encoded once and
 *   shared by many connections (QoS 0 fan-out). Most ticks of most connections carry one packet,
 *   which is then written without a copy.
 * - From the second packet on, packets go into a chunk this connection owns: `reserve(size)` gives
 *   the offset to encode a PUBLISH into directly (no Buffer per message, no concatenation later);
 *   `append(buf)` copies an already encoded one. A chunk starts small and doubles up to
 *   CHUNK_LIMIT; a tick producing more writes each full chunk at once, so a long burst (retained
 *   messages to a new subscription) reaches the client while the rest is still being encoded.
 * - A large packet (an encoded one above half a chunk, a reservation above a chunk) is written as
 *   its own piece, after what is pending.
 * `flush()` writes what is pending to the stream (nothing once the stream is ended or destroyed).
 */
import type { Writable } from 'node:stream'

/** Chunks grow to at most this size; a tick's output is written in pieces of about this size. */
export const CHUNK_LIMIT = 64 * 1024
/** First chunk size (from Node's Buffer pool, which serves allocations below 4 KiB). */
const CHUNK_START = 2048

export class TickOutput {
  /** Pending bytes: `buf[0, used)`. */
  private buf: Buffer | null = null
  /** Whether `buf` is our own chunk (it may be written into), not a packet's Buffer. */
  private owned = false
  /** Bytes pending. */
  used = 0
  /** Where the last `reserve` placed its bytes in the Buffer it returned. */
  offset = 0

  constructor (private readonly stream: Writable) {}

  /** True when something is pending. */
  get pending (): boolean {
    return this.buf !== null
  }

  /**
   * Room for `size` bytes; returns the Buffer to encode into and sets `offset` to where.
   * The caller must fill exactly `size` bytes before the next call.
   */
  reserve (size: number): Buffer {
    if (this.buf === null || size > CHUNK_LIMIT) {
      this.flush()
      this.buf = Buffer.allocUnsafe(size)
      this.owned = false
      this.offset = 0
      this.used = size
      return this.buf
    }
    if (!this.owned || this.used + size > this.buf.length) this.grow(size)
    const buf = this.buf as Buffer
    this.offset = this.used
    this.used += size
    return buf
  }

  /** Adds an encoded packet (it is not modified, and not kept past this tick unless alone). */
  append (packet: Buffer): void {
    if (this.buf === null || packet.length > CHUNK_LIMIT / 2) {
      this.flush()
      this.buf = packet
      this.owned = false
      this.used = packet.length
      return
    }
    const buf = this.reserve(packet.length)
    buf.set(packet, this.offset)
  }

  /** Writes what is pending (nothing when empty). */
  flush (): void {
    const buf = this.buf
    if (buf === null) return
    const used = this.used
    this.buf = null
    this.owned = false
    this.used = 0
    if (this.stream.destroyed || this.stream.writableEnded) return
    this.stream.write(used === buf.length ? buf : buf.subarray(0, used))
  }

  /** Makes room for `size` more bytes: a larger chunk with the pending bytes, or (full) a write and a new chunk. */
  private grow (size: number): void {
    const old = this.buf as Buffer
    const needed = this.used + size
    if (needed > CHUNK_LIMIT) {
      // a burst: write the full chunk, continue in a new one of the largest size
      this.flush()
      this.buf = Buffer.allocUnsafe(CHUNK_LIMIT)
      this.owned = true
      return
    }
    let capacity = this.owned ? old.length * 2 : CHUNK_START
    while (capacity < needed) capacity *= 2
    const chunk = Buffer.allocUnsafe(Math.min(capacity, CHUNK_LIMIT))
    old.copy(chunk, 0, 0, this.used)
    this.buf = chunk
    this.owned = true
  }
}
