/**
 * Batched socket writes for the load generator: packets are encoded into a slab and every socket
 * with pending bytes is written once per event-loop turn (one `write` syscall for all the
 * PUBLISHes and acks of that turn).
 *
 * Bytes handed to `socket.write` are never overwritten: the slab only moves forward and a full slab
 * is replaced by a new one (the old one lives until the socket has written it). A slab of 64 KiB
 * holds ~500 PUBLISHes of 128 bytes. Larger packets than a slab get a slab of their own.
 */
import type { Socket } from 'node:net'

const SLAB_SIZE = 64 * 1024
const EMPTY = Buffer.alloc(0)

const dirty: Outbox[] = []
let scheduled = false

function flushAll (): void {
  scheduled = false
  for (let i = 0; i < dirty.length; i++) dirty[i].flush()
  dirty.length = 0
}

export class Outbox {
  private slab = EMPTY // allocated on first use: idle connections (conn storm) cost no slab
  private start = 0
  private pos = 0
  private queued = false
  /** False after `write` returned false, until the socket drains. */
  writable = true

  constructor (private readonly socket: Socket, private readonly onDrain: () => void) {
    socket.on('drain', () => {
      this.writable = true
      this.onDrain()
    })
  }

  /** Room for `n` bytes: returns the slab and the offset to write at; call `commit` after writing. */
  reserve (n: number): Buffer {
    if (this.pos + n > this.slab.length) {
      this.flush()
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, n))
      this.start = 0
      this.pos = 0
    }
    return this.slab
  }

  /** Where the next reserved bytes go. */
  get offset (): number {
    return this.pos
  }

  /** Marks bytes up to `end` as written into the slab and schedules the flush. */
  commit (end: number): void {
    this.pos = end
    if (!this.queued) {
      this.queued = true
      dirty.push(this)
      if (!scheduled) {
        scheduled = true
        setImmediate(flushAll)
      }
    }
  }

  /** Appends a ready-made packet. */
  append (packet: Buffer): void {
    const slab = this.reserve(packet.length)
    packet.copy(slab, this.pos)
    this.commit(this.pos + packet.length)
  }

  /** Writes what is pending now (normally called once per turn by the scheduler). */
  flush (): void {
    this.queued = false
    if (this.pos === this.start) return
    const chunk = this.slab.subarray(this.start, this.pos)
    this.start = this.pos
    if (this.socket.destroyed) return
    if (!this.socket.write(chunk)) this.writable = false
  }
}
