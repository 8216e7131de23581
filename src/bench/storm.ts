/**
 * The `conn` scenario's engine for one thread: opens its share of connections as fast as the
 * broker accepts them, with at most `concurrency` handshakes in flight, and keeps them open, idle
 * (keep alive 0: no PINGREQ), until `close()`.
 *
 * Each connection is a bare socket that sends one CONNECT and reads one CONNACK; after that it
 * holds no buffer of ours, so the generator's own memory stays small at 10k+ connections. The
 * latency of a handshake is from `net.connect` to the CONNACK (TCP handshake included).
 */
import net from 'node:net'
import { Histogram } from './histogram.js'
import { DISCONNECT, encodeConnect } from './packets.js'
import { nowNs } from './payload.js'
import type { BenchOptions } from './plan.js'
import type { HistogramData } from './histogram.js'
import type { Progress } from './shard-result.js'
import { eachLimited } from './shard.js'

export interface StormResult {
  opened: number
  failed: number
  firstNs: number
  lastNs: number
  latency: HistogramData
  errors: string[]
}

const HANDSHAKE_TIMEOUT_MS = 10_000
const MAX_ERRORS = 10

export class Storm {
  private readonly sockets: net.Socket[] = []
  private readonly histogram = new Histogram()
  private readonly errors: string[] = []
  private failed = 0
  private dropped = 0
  private closing = false
  private firstNs = 0
  private lastNs = 0

  constructor (private readonly o: BenchOptions, private readonly indexes: number[], private readonly concurrency: number) {}

  async open (): Promise<StormResult> {
    this.firstNs = nowNs()
    await eachLimited(this.indexes, this.concurrency, async (i) => {
      try {
        this.sockets.push(await this.handshake(i))
        this.lastNs = nowNs()
      } catch (err) {
        this.failed++
        if (this.errors.length < MAX_ERRORS) this.errors.push(`connection ${i}: ${(err as Error).message}`)
      }
    })
    return { opened: this.sockets.length, failed: this.failed, firstNs: this.firstNs, lastNs: this.lastNs, latency: this.histogram.toJSON(), errors: [...this.errors] }
  }

  progress (): Progress {
    return { sent: 0, received: 0, connections: this.sockets.length }
  }

  /** Closes every connection (DISCONNECT); returns how many the broker had closed before. */
  close (): number {
    this.closing = true
    for (const s of this.sockets) {
      if (s.destroyed) continue
      s.end(DISCONNECT)
      setTimeout(() => { s.destroy() }, 2000).unref()
    }
    return this.dropped
  }

  private handshake (i: number): Promise<net.Socket> {
    const startNs = nowNs()
    const { endpoint, version } = this.o
    const connect = encodeConnect({ clientId: `${this.o.idPrefix}-c${i}`, version, keepalive: 0, clean: true, username: endpoint.username, password: endpoint.password })
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: endpoint.host, port: endpoint.port, noDelay: true })
      let got: Buffer = Buffer.alloc(0)
      let settled = false
      const timer = setTimeout(() => { done(new Error('no CONNACK within 10s')) }, HANDSHAKE_TIMEOUT_MS)
      const done = (err: Error | null): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        socket.removeListener('data', onData)
        if (err === null) {
          this.histogram.record((nowNs() - startNs) / 1000)
          socket.on('close', () => { if (!this.closing) this.dropped++ })
          resolve(socket)
        } else {
          socket.destroy()
          reject(err)
        }
      }
      const onData = (chunk: Buffer): void => {
        got = got.length === 0 ? chunk : Buffer.concat([got, chunk])
        // CONNACK: 0x20, remaining length (1 byte below 128), flags, code
        const lenBytes = got.length > 1 && (got[1] & 0x80) !== 0 ? 2 : 1
        if (got.length < 1 + lenBytes + 2) return
        if (got[0] !== 0x20) return done(new Error(`expected CONNACK, got packet type ${got[0] >> 4}`))
        const code = got[2 + lenBytes]
        done(code === 0 ? null : new Error(`CONNACK refused (0x${code.toString(16)})`))
      }
      socket.on('data', onData)
      socket.on('error', (err) => { done(err) })
      socket.on('close', () => { done(new Error('closed before CONNACK')) })
      socket.once('connect', () => { socket.write(connect) })
    })
  }
}
