/**
 * ControlClient: mqttctl's end of the control channel (schema in control/schema.ts). Imports nothing
 * of the broker, so CLI start-up stays fast.
 *
 * `connect()` waits for the server's hello and refuses another protocol version; `request()` sends
 * one method call, with who this process is (uid, user name, pid: the broker's audit log records
 * them), and resolves with its result (many may be in flight); `stream()` starts a stream
 * method and delivers its events until it ends or is cancelled. Failures are ControlClientError
 * with a kind that maps onto mqttctl's exit codes (src/cli/exit-codes.ts).
 */
import net from 'node:net'
import { userInfo } from 'node:os'
import { describeDenied } from '../host/access-denied.js'
import { NdjsonDecoder, encodeFrame } from './ndjson.js'
import {
  CONTROL_PROTOCOL, type ClientIdentity, type ControlErrorCodeValue, type Hello, type MethodName, type Methods,
  type StreamName, type Streams,
} from './schema.js'

/** Why a control operation failed, as mqttctl reports it. */
export type ControlFailure =
  | 'unavailable' // no broker answers on the socket (exit 69)
  | 'permission' // this user may not reach the socket: its directory or the socket itself (exit 77)
  | 'timeout' // no answer in time (exit 75)
  | 'protocol' // a broker speaking another control protocol (exit 76)
  | 'remote' // the broker answered with an error (`code` says which)

export class ControlClientError extends Error {
  override readonly name = 'ControlClientError'
  constructor (readonly kind: ControlFailure, message: string, readonly code?: ControlErrorCodeValue) {
    super(message)
  }
}

export interface StreamEnd {
  reason: 'cancelled' | 'shutdown' | 'slow_consumer' | 'disconnected'
  dropped: number
}

export interface StreamHandle {
  /** Asks the broker to stop the stream; resolves when it has ended. */
  cancel (): Promise<StreamEnd>
  /** Resolves when the stream ends, for whatever reason. */
  readonly done: Promise<StreamEnd>
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout | null
}

interface StreamState {
  onEvent: (event: unknown) => void
  onDropped: (n: number) => void
  dropped: number
  finish: (end: StreamEnd) => void
}

let me: ClientIdentity | undefined

/** Who this process is, for the broker's audit log: sent with every request. */
function identity (): ClientIdentity {
  if (me === undefined) {
    let user: string | null
    try {
      user = userInfo().username
    } catch {
      user = null // a uid without a passwd entry (containers)
    }
    me = { uid: typeof process.getuid === 'function' ? process.getuid() : null, user, pid: process.pid }
  }
  return me
}

export class ControlClient {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly streams = new Map<number, StreamState>()

  private constructor (private readonly socket: net.Socket, readonly hello: Hello) {
    socket.on('close', () => {
      const err = new ControlClientError('unavailable', 'the broker closed the control connection')
      for (const p of this.pending.values()) { if (p.timer !== null) clearTimeout(p.timer); p.reject(err) }
      this.pending.clear()
      for (const s of this.streams.values()) s.finish({ reason: 'disconnected', dropped: s.dropped })
      this.streams.clear()
    })
  }

  /** Connects to the broker's control socket and waits for its hello. */
  static async connect (socketPath: string, timeoutMs = 5000): Promise<ControlClient> {
    const socket = net.connect(socketPath)
    return new Promise((resolve, reject) => {
      let client: ControlClient | null = null
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new ControlClientError('timeout', `no answer from the broker on ${socketPath} within ${timeoutMs} ms`))
      }, timeoutMs)
      const fail = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer)
        if (client !== null) return
        socket.destroy()
        if (err.code === 'EACCES' || err.code === 'EPERM') {
          reject(new ControlClientError('permission', describeDenied(socketPath, 'write')))
        } else {
          reject(new ControlClientError('unavailable', `no broker is running (nothing answers on ${socketPath})`))
        }
      }
      socket.once('error', fail)
      const decoder = new NdjsonDecoder((frame) => {
        if (client === null) {
          clearTimeout(timer)
          const hello = (frame as { hello?: Hello }).hello
          if (hello === undefined || hello.protocol !== CONTROL_PROTOCOL) {
            socket.destroy()
            reject(new ControlClientError('protocol',
              `the broker speaks control protocol ${String(hello?.protocol)}, this mqttctl speaks ${CONTROL_PROTOCOL}`))
            return
          }
          socket.off('error', fail)
          socket.on('error', () => undefined)
          client = new ControlClient(socket, hello)
          resolve(client)
          return
        }
        client.onFrame(frame)
      }, (err) => { socket.destroy(err) })
      socket.on('data', (chunk) => { decoder.push(chunk) })
    })
  }

  /** Calls `method`; resolves with its result or rejects with a ControlClientError. */
  request<M extends MethodName> (method: M, params: Methods[M]['params'], timeoutMs = 10_000): Promise<Methods[M]['result']> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = timeoutMs > 0
        ? setTimeout(() => {
          this.pending.delete(id)
          reject(new ControlClientError('timeout', `${method}: no answer within ${timeoutMs} ms`))
        }, timeoutMs)
        : null
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
      this.socket.write(encodeFrame({ id, method, params, client: identity() }))
    })
  }

  /** Starts a stream; `onEvent` gets each event, `onDropped` the count of events the broker dropped. */
  async stream<S extends StreamName> (method: S, params: Streams[S]['params'],
    onEvent: (event: Streams[S]['event']) => void, onDropped: (n: number) => void = () => undefined): Promise<StreamHandle> {
    const id = this.nextId++
    let finish!: (end: StreamEnd) => void
    const done = new Promise<StreamEnd>((resolve) => { finish = resolve })
    const state: StreamState = {
      onEvent: onEvent as (e: unknown) => void,
      onDropped: (n) => { state.dropped += n; onDropped(n) },
      dropped: 0,
      finish,
    }
    this.streams.set(id, state)
    const started = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, timer: null })
    })
    this.socket.write(encodeFrame({ id, method, params }))
    try {
      await started
    } catch (err) {
      this.streams.delete(id)
      throw err
    }
    return {
      done,
      cancel: async () => {
        if (this.streams.has(id)) {
          await this.request('stream.cancel', { id }, 2000).catch(() => undefined)
        }
        return done
      },
    }
  }

  close (): void {
    this.socket.end()
  }

  private onFrame (frame: unknown): void {
    const f = frame as {
      id?: number;
      result?: unknown;
      error?: { code: ControlErrorCodeValue; message: string };
      event?: unknown;
      dropped?: number;
      end?: { reason: StreamEnd['reason']; dropped: number }
    }
    if (typeof f.id !== 'number') return
    const stream = this.streams.get(f.id)
    if (stream !== undefined) {
      if (f.event !== undefined) { stream.onEvent(f.event); return }
      if (f.dropped !== undefined) { stream.onDropped(f.dropped); return }
      if (f.end !== undefined) {
        this.streams.delete(f.id)
        stream.finish({ reason: f.end.reason, dropped: f.end.dropped })
        return
      }
    }
    const pending = this.pending.get(f.id)
    if (pending === undefined) return
    this.pending.delete(f.id)
    if (pending.timer !== null) clearTimeout(pending.timer)
    if (f.error !== undefined) pending.reject(new ControlClientError('remote', f.error.message, f.error.code))
    else pending.resolve(f.result)
  }
}
