/**
 * A byte Duplex over a server-side WebSocket, so that the engine reads and writes MQTT over
 * WebSockets exactly as over TCP.
 *
 * Reading: each binary message is pushed as one Buffer (message boundaries carry no meaning; the
 * MQTT parser sees a byte stream). When `push()` reports a full buffer the WebSocket is paused
 * (`ws.pause()`, which pauses its socket) and `_read()` resumes it. A text frame breaks the MQTT
 * WebSocket binding, so it closes the connection with 1003 and is dropped.
 * Writing: one binary frame per write; `_writev` batches everything buffered into one frame, so a
 * corked or busy stream coalesces packets. A write completes when ws has flushed it to the socket,
 * which gives the writable side the socket's backpressure.
 * Ending: the readable side ends when the WebSocket closes; `end()` and `destroy()` send a close
 * frame (1000, or 1011 when destroyed with an error); ws's own close timeout bounds how long a peer
 * that never answers keeps the socket. Protocol errors reported by ws destroy the stream with them.
 */

import { Duplex } from 'node:stream'

import type WebSocket from 'ws'

/** Duplex adapter over an open server-side WebSocket. */
export class WebSocketStream extends Duplex {
  readonly #ws: WebSocket
  #paused = false

  /** Wraps `ws`, which must be open; the stream owns it from then on. */
  constructor (ws: WebSocket) {
    super({ allowHalfOpen: false })
    this.#ws = ws
    ws.binaryType = 'nodebuffer'
    ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary))
    ws.on('close', () => {
      if (!this.destroyed) this.push(null)
    })
    ws.on('error', (err) => {
      if (!this.destroyed) this.destroy(err)
    })
  }

  #onMessage (data: Buffer, isBinary: boolean): void {
    if (this.destroyed || this.#ws.readyState !== this.#ws.OPEN) return
    if (!isBinary) {
      this.#ws.close(1003, 'MQTT needs binary frames')
      return
    }
    if (!this.push(data) && !this.#paused) {
      this.#paused = true
      this.#ws.pause()
    }
  }

  override _read (): void {
    if (this.#paused) {
      this.#paused = false
      this.#ws.resume()
    }
  }

  override _write (chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#ws.send(chunk, { binary: true }, callback)
  }

  override _writev (chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const data = chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk))
    this.#ws.send(data, { binary: true }, callback)
  }

  override _final (callback: (error?: Error | null) => void): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.close(1000)
    callback()
  }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#ws.readyState === this.#ws.OPEN) {
      this.#ws.close(error ? 1011 : 1000)
    }
    if (this.#paused) {
      this.#paused = false
      this.#ws.resume()
    }
    callback(error)
  }
}
