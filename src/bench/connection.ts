/**
 * One MQTT connection of the load generator: a TCP socket (TCP_NODELAY), the streaming reader, the
 * batched outbox, and the QoS state machines of both directions.
 *
 * Outgoing QoS 1/2: packet ids cycle through 1..65535 skipping ids still in flight; `inflight`
 * counts messages not yet completed (PUBACK, or PUBREC → PUBREL → PUBCOMP) and `onCompleted` fires
 * for each, so a publisher can keep a window. Incoming QoS 1 is acked with PUBACK at once; QoS 2
 * with PUBREC, and PUBREL with PUBCOMP. Incoming messages go to `onMessage` with the time the
 * chunk carrying them arrived (one clock read per socket read, not per message).
 */
import net from 'node:net'
import { Outbox } from './outbox.js'
import { ACK_SIZE, DISCONNECT, PacketType, encodeConnect, encodeSubscribe, writeAck, type ConnectOptions, type MqttVersion } from './packets.js'
import { PacketReader, type PacketHandler } from './reader.js'
import { nowNs } from './payload.js'

export interface Endpoint { host: string; port: number; username?: string | undefined; password?: string | undefined }

/** A failure to connect: `kind` tells the command which exit code fits. */
export class BenchConnectError extends Error {
  constructor (message: string, readonly kind: 'unavailable' | 'refused' | 'timeout' | 'protocol') {
    super(message)
  }
}

export type MessageSink = (buf: Buffer, payloadStart: number, end: number, receivedNs: number, topicStart: number, topicEnd: number) => void

const CONNECT_TIMEOUT_MS = 10_000

export class BenchConnection implements PacketHandler {
  readonly socket: net.Socket
  readonly outbox: Outbox
  private readonly reader: PacketReader
  /** QoS 1/2 messages sent and not yet completed. */
  inflight = 0
  private nextId = 0
  private inUse: Uint8Array | null = null // allocated by the first QoS 1/2 send
  private chunkNs = 0
  closed = false
  /** Why the connection ended, when it was not by `close()`. */
  error: Error | null = null
  onMessage: MessageSink | null = null
  onCompleted: () => void = noop
  onDrain: () => void = noop
  onClose: (err: Error | null) => void = noop
  private pending: { resolve: (code: number) => void; packetId: number } | null = null

  private constructor (socket: net.Socket, readonly version: MqttVersion) {
    this.socket = socket
    this.reader = new PacketReader(this, version)
    this.outbox = new Outbox(socket, () => { this.onDrain() })
    socket.on('data', (chunk: Buffer) => {
      this.chunkNs = this.onMessage === null ? 0 : nowNs()
      try {
        this.reader.push(chunk)
      } catch (err) {
        this.fail(err as Error)
      }
    })
    socket.on('error', (err) => { this.fail(err) })
    socket.on('close', () => {
      if (!this.closed) this.fail(new Error('connection closed by the broker'))
    })
  }

  /** Opens the TCP connection, sends CONNECT and waits for a successful CONNACK. */
  static async open (endpoint: Endpoint, o: Omit<ConnectOptions, 'username' | 'password'>): Promise<BenchConnection> {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port, noDelay: true })
    const conn = new BenchConnection(socket, o.version)
    const timer = setTimeout(() => { conn.fail(new BenchConnectError(`no CONNACK from ${endpoint.host}:${endpoint.port} within ${CONNECT_TIMEOUT_MS / 1000}s`, 'timeout')) }, CONNECT_TIMEOUT_MS)
    try {
      const code = await new Promise<number>((resolve, reject) => {
        conn.onClose = (err) => { reject(err ?? new Error('closed')) }
        conn.pending = { resolve, packetId: -1 }
        socket.once('connect', () => {
          socket.write(encodeConnect({ ...o, username: endpoint.username, password: endpoint.password }))
        })
      })
      if (code !== 0) {
        conn.close()
        throw new BenchConnectError(`the broker refused the connection (CONNACK ${code === 5 || code === 0x87 ? 'not authorized' : `0x${code.toString(16)}`})`, 'refused')
      }
      conn.onClose = noop
      return conn
    } catch (err) {
      conn.close()
      const e = err as NodeJS.ErrnoException
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EHOSTUNREACH') {
        throw new BenchConnectError(`cannot connect to ${endpoint.host}:${endpoint.port} (${e.code})`, 'unavailable')
      }
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  /** Subscribes to `filters` at `qos` and waits for the SUBACK (rejects when refused). */
  async subscribe (filters: string[], qos: number): Promise<void> {
    const code = await this.request(0xffff, encodeSubscribe(0xffff, filters.map((topic) => ({ topic, qos })), this.version))
    if (code >= 0x80) throw new BenchConnectError(`the broker refused the subscription to ${filters.join(', ')} (SUBACK 0x${code.toString(16)})`, 'refused')
  }

  /** Sends SUBSCRIBE without waiting (the caller measures from now). Resolves on SUBACK. */
  subscribeNow (filters: string[], qos: number): Promise<number> {
    return this.request(0xffff, encodeSubscribe(0xffff, filters.map((topic) => ({ topic, qos })), this.version))
  }

  private request (packetId: number, packet: Buffer): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.pending = { resolve, packetId }
      this.onClose = (err) => { reject(err ?? new Error('closed')) }
      this.socket.write(packet)
    })
  }

  /** Allocates a packet id for an outgoing QoS 1/2 message (call only while inflight < 65535). */
  takePacketId (): number {
    this.inUse ??= new Uint8Array(65536)
    let id = this.nextId
    do {
      id = id === 65534 ? 1 : id + 1 // 0xffff is kept for SUBSCRIBE
    } while (this.inUse[id] === 1)
    this.inUse[id] = 1
    this.nextId = id
    this.inflight++
    return id
  }

  /** Sends DISCONNECT and closes the socket once written. */
  close (): void {
    if (this.closed) return
    this.closed = true
    if (!this.socket.destroyed && this.socket.writable) {
      this.socket.end(DISCONNECT)
      setTimeout(() => { this.socket.destroy() }, 2000).unref()
    } else {
      this.socket.destroy()
    }
  }

  private fail (err: Error): void {
    if (this.closed) return
    this.closed = true
    this.error = err
    this.socket.destroy()
    this.onClose(err)
  }

  onConnack (code: number): void {
    const p = this.pending
    this.pending = null
    p?.resolve(code)
  }

  onSuback (packetId: number, firstCode: number): void {
    const p = this.pending
    if (p === null || p.packetId !== packetId) return
    this.pending = null
    p.resolve(firstCode)
  }

  onPublish (buf: Buffer, topicStart: number, topicEnd: number, payloadStart: number, end: number, qos: number, packetId: number): void {
    if (qos > 0) {
      const slab = this.outbox.reserve(ACK_SIZE)
      this.outbox.commit(writeAck(slab, this.outbox.offset, qos === 1 ? PacketType.Puback : PacketType.Pubrec, packetId))
    }
    this.onMessage?.(buf, payloadStart, end, this.chunkNs, topicStart, topicEnd)
  }

  onAck (type: number, packetId: number): void {
    switch (type) {
      case PacketType.Puback:
      case PacketType.Pubcomp:
        if (this.inUse === null || this.inUse[packetId] === 0) return
        this.inUse[packetId] = 0
        this.inflight--
        this.onCompleted()
        return
      case PacketType.Pubrec: {
        const slab = this.outbox.reserve(ACK_SIZE)
        this.outbox.commit(writeAck(slab, this.outbox.offset, PacketType.Pubrel, packetId))
        return
      }
      case PacketType.Pubrel: { // [MQTT-4.3.3-11] always answer PUBREL with PUBCOMP
        const slab = this.outbox.reserve(ACK_SIZE)
        this.outbox.commit(writeAck(slab, this.outbox.offset, PacketType.Pubcomp, packetId))
      }
    }
  }

  onOther (type: number, reason: number): void {
    if (type === PacketType.Disconnect) this.fail(new Error(`the broker sent DISCONNECT (0x${reason.toString(16)})`))
  }
}

function noop (): void {}
