/**
 * ControlServer: the broker's end of the control channel (schema in control/schema.ts).
 *
 * - Security: the socket lives in the data directory, which is made owner-only (0700: some systems
 *   ignore socket file modes, all honour directory permissions), and is itself created 0600.
 * - A socket file left by a crashed broker is removed; one that still answers means another broker
 *   runs on this data directory, and start-up fails instead of stealing it.
 * - Requests are multiplexed: each is answered when its handler settles, in any order.
 * - Params are validated against the method's schema (control/params.ts) before dispatch: an
 *   invalid request is answered INVALID with the field's path and what is wrong, and never reaches
 *   the handler; the connection stays open.
 * - Streams are bounded: when the reader's socket has more than STREAM_BUFFER_LIMIT bytes waiting,
 *   events are dropped and counted, and the count is sent once the socket drains. A slow reader
 *   never slows the broker or grows its memory.
 * - A handler's ControlError becomes `{error:{code,message}}`; any other exception is logged and
 *   answered INTERNAL. Nothing a client sends can stop the broker.
 * - Every change that succeeded is logged as an audit line (control/audit.ts), with the identity
 *   the request's `client` field reports.
 */
import net from 'node:net'
import { chmod, stat, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Logger } from '../log.js'
import { audit } from './audit.js'
import { NdjsonDecoder, encodeFrame } from './ndjson.js'
import { checkParams, METHOD_PARAMS, STREAM_PARAMS } from './params.js'
import type { ZodType } from 'zod'
import {
  ControlErrorCode, type ControlErrorCodeValue, type Hello, type MethodName, type Methods,
  type RequestFrame, type StreamName, type Streams,
} from './schema.js'

/** Bytes a stream reader may have pending before its events are dropped. */
export const STREAM_BUFFER_LIMIT = 1024 * 1024

/** An error a handler returns to the caller (never logged as a broker failure). */
export class ControlError extends Error {
  override readonly name = 'ControlError'
  constructor (readonly code: ControlErrorCodeValue, message: string) {
    super(message)
  }
}

export type MethodHandler<M extends MethodName> =
  (params: Methods[M]['params']) => Methods[M]['result'] | Promise<Methods[M]['result']>

/** Where a stream handler sends its events. */
export interface StreamSink<E> {
  emit (event: E): void
  /** Ends the stream from the broker's side. */
  end (reason: 'shutdown' | 'slow_consumer'): void
}

/** Starts a stream; returns the function that stops it. */
export type StreamHandler<S extends StreamName> =
  (params: Streams[S]['params'], sink: StreamSink<Streams[S]['event']>) => () => void

/** A registered method or stream: the schema of its params and its handler. */
type Registered =
  | { kind: 'method'; params: ZodType; handler: (params: unknown) => unknown }
  | { kind: 'stream'; params: ZodType; handler: (params: unknown, sink: StreamSink<unknown>) => () => void }

interface OpenStream {
  stop: () => void
  dropped: number
  droppedReported: number
}

export class ControlServer {
  private readonly registry = new Map<string, Registered>()
  /** Open connections, each with its open streams (ended with reason 'shutdown' on close). */
  private readonly sockets = new Map<net.Socket, Map<number, OpenStream>>()
  private readonly server = net.createServer((socket) => { this.accept(socket) })
  private listening = false

  constructor (
    readonly socketPath: string,
    private readonly hello: () => Hello,
    private readonly log: Logger
  ) {}

  handle<M extends MethodName> (method: M, handler: MethodHandler<M>): void {
    this.registry.set(method, { kind: 'method', params: METHOD_PARAMS[method], handler: handler as (params: unknown) => unknown })
  }

  stream<S extends StreamName> (method: S, handler: StreamHandler<S>): void {
    this.registry.set(method, { kind: 'stream', params: STREAM_PARAMS[method], handler: handler as (params: unknown, sink: StreamSink<unknown>) => () => void })
  }

  /** Secures the directory, clears a stale socket, listens with mode 0600. */
  async listen (): Promise<void> {
    const dir = dirname(this.socketPath)
    const info = await stat(dir)
    if (typeof process.getuid === 'function' && info.uid === process.getuid() && (info.mode & 0o077) !== 0) {
      await chmod(dir, 0o700)
    }
    await this.removeStaleSocket()
    const previous = process.umask(0o177)
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject)
        this.server.listen(this.socketPath, () => {
          this.server.off('error', reject)
          resolve()
        })
      })
    } finally {
      process.umask(previous)
    }
    await chmod(this.socketPath, 0o600)
    this.server.on('error', (err) => { this.log.error({ err }, 'control socket error') })
    this.listening = true
  }

  private async removeStaleSocket (): Promise<void> {
    const alive = await new Promise<boolean>((resolve) => {
      const probe = net.connect(this.socketPath)
      probe.once('connect', () => { probe.destroy(); resolve(true) })
      probe.once('error', () => { resolve(false) })
    })
    if (alive) {
      const err = new Error(`another broker is running on ${dirname(this.socketPath)} (its control socket ${this.socketPath} answers)`)
      ;(err as NodeJS.ErrnoException).code = 'EADDRINUSE'
      throw err
    }
    await unlink(this.socketPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err
    })
  }

  /** Ends every stream (reason 'shutdown'), closes every connection and removes the socket file. */
  async close (): Promise<void> {
    for (const [socket, streams] of this.sockets) {
      for (const [id, s] of streams) {
        s.stop()
        socket.write(encodeFrame({ id, end: { reason: 'shutdown', dropped: s.dropped } }))
      }
      streams.clear()
      // A peer that does not read must not hold the broker's exit: give the goodbyes a moment.
      socket.end()
      setTimeout(() => { socket.destroy() }, 500).unref()
    }
    if (!this.listening) return
    this.listening = false
    await new Promise<void>((resolve) => { this.server.close(() => { resolve() }) })
    await unlink(this.socketPath).catch(() => undefined)
  }

  private accept (socket: net.Socket): void {
    const streams = new Map<number, OpenStream>()
    this.sockets.set(socket, streams)
    const send = (frame: unknown): void => {
      if (!socket.destroyed) socket.write(encodeFrame(frame))
    }
    const decoder = new NdjsonDecoder(
      (frame) => { this.onRequest(frame, send, socket, streams) },
      (err) => {
        send({ id: 0, error: { code: ControlErrorCode.Invalid, message: err.message } })
        socket.end()
      }
    )
    socket.on('data', (chunk) => { decoder.push(chunk) })
    socket.on('drain', () => {
      for (const [id, s] of streams) {
        if (s.dropped > s.droppedReported) {
          send({ id, dropped: s.dropped - s.droppedReported })
          s.droppedReported = s.dropped
        }
      }
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      this.sockets.delete(socket)
      for (const s of streams.values()) s.stop()
      streams.clear()
    })
    send({ hello: this.hello() })
  }

  private onRequest (frame: unknown, send: (f: unknown) => void, socket: net.Socket, streams: Map<number, OpenStream>): void {
    const req = frame as RequestFrame
    if (typeof req !== 'object' || req === null || typeof req.id !== 'number' || typeof req.method !== 'string') {
      send({ id: typeof req?.id === 'number' ? req.id : 0, error: { code: ControlErrorCode.Invalid, message: 'a request needs a numeric id and a method' } })
      return
    }
    const { id, method } = req
    const invalid = (message: string): void => { send({ id, error: { code: ControlErrorCode.Invalid, message } }) }
    if (method === 'stream.cancel') {
      const checked = checkParams(METHOD_PARAMS['stream.cancel'], req.params)
      if (!checked.ok) return invalid(checked.message)
      const target = checked.value.id
      const s = streams.get(target)
      if (s !== undefined) {
        s.stop()
        streams.delete(target)
        send({ id: target, end: { reason: 'cancelled', dropped: s.dropped } })
      }
      send({ id, result: { cancelled: s !== undefined } })
      return
    }
    const entry = this.registry.get(method)
    if (entry === undefined) {
      send({ id, error: { code: ControlErrorCode.UnknownMethod, message: `unknown method '${method}'` } })
      return
    }
    const checked = checkParams(entry.params, req.params)
    if (!checked.ok) return invalid(checked.message)
    const params = checked.value
    if (entry.kind === 'stream') {
      this.startStream(id, entry.handler, params, send, socket, streams)
      return
    }
    let result: unknown
    try {
      result = entry.handler(params)
    } catch (err) {
      send({ id, error: this.toError(method, err) })
      return
    }
    const succeeded = (value: unknown): void => {
      audit(this.log, method, params, value, req.client)
      send({ id, result: value })
    }
    if (result instanceof Promise) {
      result.then(succeeded, (err: unknown) => { send({ id, error: this.toError(method, err) }) })
    } else {
      succeeded(result)
    }
  }

  private startStream (id: number, handler: (params: unknown, sink: StreamSink<unknown>) => () => void, params: unknown,
    send: (f: unknown) => void, socket: net.Socket, streams: Map<number, OpenStream>): void {
    const open: OpenStream = { stop: () => undefined, dropped: 0, droppedReported: 0 }
    streams.set(id, open)
    const sink: StreamSink<unknown> = {
      emit: (event) => {
        if (!streams.has(id)) return
        if (socket.writableLength > STREAM_BUFFER_LIMIT) {
          open.dropped++
          return
        }
        send({ id, event })
      },
      end: (reason) => {
        if (!streams.delete(id)) return
        open.stop()
        send({ id, end: { reason, dropped: open.dropped } })
      },
    }
    // The handler runs first, so that a refusal (e.g. INVALID params) is the reply to the request
    // rather than a frame after `{stream:true}` that the caller no longer waits for.
    try {
      open.stop = handler(params, sink)
    } catch (err) {
      streams.delete(id)
      send({ id, error: this.toError('stream', err) })
      return
    }
    send({ id, result: { stream: true } })
  }

  private toError (method: string, err: unknown): { code: ControlErrorCodeValue; message: string } {
    if (err instanceof ControlError) return { code: err.code, message: err.message }
    this.log.error({ err, method }, 'control request failed')
    return { code: ControlErrorCode.Internal, message: err instanceof Error ? err.message : String(err) }
  }
}
