/**
 * A raw MQTT client for edge cases and malformed input: a TCP socket, mqtt-packet's encoder for
 * well-formed packets, `sendBytes` for anything else, and a parser for what the broker answers.
 * `next(cmd)` awaits the next packet of that type; `closed()` awaits the broker closing the socket.
 */
import net from 'node:net'
import { once } from 'node:events'
import type { TestContext } from 'node:test'
import mqttPacket, { type Packet } from 'mqtt-packet'

export interface RawClient {
  readonly socket: net.Socket
  /** Every packet received so far, in order. */
  readonly received: Packet[]
  /** The same packets as the bytes that carried them (fixed header included), for byte-level checks. */
  readonly frames: Buffer[]
  send (packet: Packet): void
  sendBytes (bytes: Buffer | number[]): void
  /** The next packet of type `cmd` not yet consumed (rejects after `timeoutMs`). */
  next<C extends Packet['cmd']> (cmd: C, timeoutMs?: number): Promise<Extract<Packet, { cmd: C }>>
  /** Resolves when the broker has closed the connection (rejects after `timeoutMs`). */
  closed (timeoutMs?: number): Promise<void>
  /** Sends CONNECT and returns the CONNACK. */
  connect (opts?: Partial<Extract<Packet, { cmd: 'connect' }>>): Promise<Extract<Packet, { cmd: 'connack' }>>
}

export async function rawClient (t: TestContext, port: number, protocolVersion: 3 | 4 | 5 = 4): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  t.after(() => { socket.destroy() })
  const parser = mqttPacket.parser({ protocolVersion })
  const received: Packet[] = []
  const frames: Buffer[] = []
  let pendingBytes: Buffer = Buffer.alloc(0)
  const consumed = new Set<Packet>()
  const waiters: Array<() => void> = []
  let isClosed = false
  parser.on('packet', (p: Packet) => { received.push(p); for (const w of waiters.splice(0)) w() })
  socket.on('data', (d) => {
    pendingBytes = splitFrames(Buffer.concat([pendingBytes, d]), frames)
    parser.parse(d)
  })
  socket.on('close', () => { isClosed = true; for (const w of waiters.splice(0)) w() })
  socket.on('error', () => {})
  const opts = { protocolVersion }

  const client: RawClient = {
    socket,
    received,
    frames,
    send (packet) { socket.write(mqttPacket.generate(packet, opts)) },
    sendBytes (bytes) { socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes)) },
    next (cmd, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${cmd}`)), timeoutMs)
        const check = (): void => {
          const p = received.find((x) => x.cmd === cmd && !consumed.has(x))
          if (p !== undefined) {
            consumed.add(p)
            clearTimeout(timer)
            resolve(p as never)
          } else if (isClosed) {
            clearTimeout(timer)
            reject(new Error(`connection closed while waiting for ${cmd}`))
          } else {
            waiters.push(check)
          }
        }
        check()
      })
    },
    closed (timeoutMs = 3000) {
      if (isClosed) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('connection still open')), timeoutMs)
        socket.once('close', () => { clearTimeout(timer); resolve() })
      })
    },
    async connect (extra = {}) {
      client.send({
        cmd: 'connect',
        protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
        protocolVersion,
        clientId: `raw-${Math.random().toString(16).slice(2)}`,
        clean: true,
        keepalive: 60,
        ...extra,
      } as Packet)
      return client.next('connack')
    },
  }
  return client
}

/** Moves every complete packet at the start of `bytes` into `out`; returns the incomplete rest. */
function splitFrames (bytes: Buffer, out: Buffer[]): Buffer {
  let off = 0
  for (;;) {
    let remaining = 0
    let multiplier = 1
    let pos = off + 1
    for (;;) {
      if (pos >= bytes.length) return bytes.subarray(off)
      const b = bytes[pos++]
      remaining += (b & 0x7f) * multiplier
      multiplier *= 128
      if ((b & 0x80) === 0) break
    }
    if (pos + remaining > bytes.length) return bytes.subarray(off)
    out.push(bytes.subarray(off, pos + remaining))
    off = pos + remaining
  }
}
