/**
 * Link: the I/O shell of a connection. It owns the stream, the framing (this connection's own
 * StrictParser: it is stateful), the tick's output batching, the byte counts and the lingering
 * close of the socket; it knows nothing of MQTT beyond packet boundaries. Its channel, the
 * Connection (core/connection.ts: protocol state and the handlers), gets every parsed packet and
 * writes through the narrow PacketWriter part of this class.
 *
 * Output: a tick's packets are gathered (core/output.ts) and leave together at its end, in one
 * write call and one syscall per socket (a long burst in 64 KiB pieces as it is produced).
 */
import type { Duplex } from 'node:stream'
import { type PacketSink, StrictParser } from '../protocol/strict-parser.js'
import type { Counters } from '../metrics/counters.js'
import { TickOutput } from './output.js'

/** How long a closing socket may take to flush before it is destroyed (ms). */
const CLOSE_FLUSH_TIMEOUT = 2000

/** What the link tells its channel, besides packets and parse errors (PacketSink). */
export interface LinkChannel extends PacketSink {
  /**
   * The fixed header of the packet being assembled has arrived (its body may not have): the
   * channel may refuse it before the body is buffered (a first packet that is not CONNECT, a
   * declared size above the limit).
   */
  onPacketHeader (cmd: string, remainingLength: number): void
  /** Input failed in a way that is our bug, not the peer's (the parser threw). */
  onInputFailure (err: unknown): void
  /** The stream ended, errored or closed. */
  onStreamClosed (): void
}

/** How the channel writes: encoded packets, or room in this tick's output to encode into. */
export interface PacketWriter {
  /** Queues an encoded packet; false when the stream is gone or holds more than its high-water mark. */
  write (buf: Buffer): boolean
  /** Room for `size` bytes at `outputOffset` of the returned Buffer; null when the stream is gone. */
  reserve (size: number): Buffer | null
  /** Where the last `reserve` placed its room. */
  readonly outputOffset: number
  /** Bytes waiting to be taken by the peer (this tick's output and the stream's buffer). */
  readonly bytesWaiting: number
}

/** The Link reading a stream, for the stream listeners every link shares. */
const LINK = Symbol('mqttd.link')
type OwnedStream = Duplex & { [LINK]: Link }

// Listeners shared by every link (an emitter calls them with the stream as `this`): no closures
// per connection.
function onStreamData (this: OwnedStream, chunk: Buffer): void {
  this[LINK].onData(chunk)
}
function onStreamClosed (this: OwnedStream): void {
  this[LINK].channel.onStreamClosed()
}
/** Input after close is read and dropped (see Link.end). */
function discard (): void {}

export class Link implements PacketWriter {
  readonly openedAt: number
  /** Time of the last byte received (ms since the epoch), for keep alive. */
  lastReceivedAt: number
  /** Bytes handed to the output so far (for the write timeout: keepalive.ts). */
  bytesOut = 0
  /** @internal Write-timeout bookkeeping of the sweep (keepalive.ts): bytes gone at the last check, and since when none went. */
  drainedAtCheck = 0
  stalledSince = 0

  private readonly parser: StrictParser
  private readonly output: TickOutput
  private paused = false

  constructor (readonly stream: Duplex, readonly channel: LinkChannel, private readonly counters: Counters) {
    this.openedAt = this.lastReceivedAt = Date.now()
    this.parser = new StrictParser(channel)
    this.output = new TickOutput(stream)
    ;(stream as OwnedStream)[LINK] = this
    stream.on('data', onStreamData)
    stream.on('error', onStreamClosed)
    stream.on('end', onStreamClosed)
    stream.on('close', onStreamClosed)
  }

  // ---- input ---------------------------------------------------------------------------------

  /** @internal Bytes from the stream (onStreamData). */
  onData (chunk: Buffer): void {
    this.lastReceivedAt = Date.now()
    this.counters.bytesReceived += chunk.length
    try {
      this.parser.parse(chunk)
    } catch (err) {
      // A bug of ours (or of the parser) must cost this connection only, never the process.
      this.channel.onInputFailure(err)
      return
    }
    const pending = this.parser.packet
    if (pending.length > 0) this.channel.onPacketHeader(pending.cmd ?? '', pending.length)
  }

  /** Stops reading (the channel's backlog is full); `resume()` reads again. */
  pause (): void {
    if (this.paused) return
    this.paused = true
    this.stream.pause()
  }

  resume (): void {
    if (!this.paused) return
    this.paused = false
    this.stream.resume()
  }

  // ---- output --------------------------------------------------------------------------------

  get outputOffset (): number {
    return this.output.offset
  }

  reserve (size: number): Buffer | null {
    return this.startWrite(size) ? this.output.reserve(size) : null
  }

  write (buf: Buffer): boolean {
    if (!this.startWrite(buf.length)) return false
    this.output.append(buf)
    return this.stream.writableLength + this.output.used <= this.stream.writableHighWaterMark
  }

  /** Counts a packet of `size` bytes about to join this tick's output; false when the stream is gone. */
  private startWrite (size: number): boolean {
    if (this.stream.destroyed || this.stream.writableEnded) return false
    if (!this.output.pending) scheduleFlush(this)
    this.counters.packetsSent++
    this.counters.bytesSent += size
    this.bytesOut += size
    return true
  }

  /** True while the stream can still be written. */
  get writable (): boolean {
    return !this.stream.destroyed
  }

  /** Bytes the peer has taken: handed to the output, less what still waits in it and in the stream. */
  get bytesDrained (): number {
    return this.bytesOut - this.output.used - this.stream.writableLength
  }

  get bytesWaiting (): number {
    return this.output.used + this.stream.writableLength
  }

  /** @internal Writes what this tick produced (called by the tick flusher and by end). */
  flush (): void {
    this.output.flush()
  }

  // ---- close ---------------------------------------------------------------------------------

  /**
   * Writes what is pending and closes the socket. Lingering close: our FIN follows the last bytes,
   * and what the peer still sends (a PUBREL racing our DISCONNECT) is read and dropped rather
   * than answered with a reset, so the peer gets to read the DISCONNECT. The peer's own close, or
   * a timer, ends the socket.
   */
  end (): void {
    this.flush()
    const stream = this.stream
    stream.off('data', onStreamData)
    if (stream.destroyed) return
    stream.on('data', discard)
    const timer = setTimeout(() => stream.destroy(), CLOSE_FLUSH_TIMEOUT)
    timer.unref()
    stream.once('close', () => { clearTimeout(timer) })
    stream.end()
  }
}

// One flush pass per tick for every link written to in that tick.
let toFlush: Link[] = []
let flushScheduled = false

function scheduleFlush (link: Link): void {
  toFlush.push(link)
  if (!flushScheduled) {
    flushScheduled = true
    process.nextTick(flushAll)
  }
}

function flushAll (): void {
  const batch = toFlush
  toFlush = []
  flushScheduled = false
  for (let i = 0; i < batch.length; i++) batch[i]!.flush()
}
