/**
 * Hand-rolled MQTT encoders for the load generator (3.1.1 and 5.0), no mqtt-packet on this path.
 *
 * The hot packets are written straight into a caller's buffer: a PUBLISH is a per-publisher
 * template (fixed header, topic, packet-id slot, payload) copied and patched per message; the four
 * QoS acks are 4 bytes each (in v5 a 2-byte remaining length means "reason 0, no properties",
 * [MQTT-3.4.2.1]). The rare packets (CONNECT, SUBSCRIBE, DISCONNECT, PINGREQ) return a fresh
 * Buffer. Client ids, topics and credentials are assumed valid UTF-8 without U+0000.
 */

export const PacketType = {
  Connect: 1,
  Connack: 2,
  Publish: 3,
  Puback: 4,
  Pubrec: 5,
  Pubrel: 6,
  Pubcomp: 7,
  Subscribe: 8,
  Suback: 9,
  Unsubscribe: 10,
  Unsuback: 11,
  Pingreq: 12,
  Pingresp: 13,
  Disconnect: 14,
} as const

export type MqttVersion = 4 | 5

export { varintSize, writeVarint } from '../protocol/varint.js'
export { ACK_SIZE, writeAck } from '../protocol/encode-control.js'
import { varintSize, writeVarint } from '../protocol/varint.js'

export interface ConnectOptions {
  clientId: string
  version: MqttVersion
  keepalive: number
  clean: boolean
  /** MQTT 5 Session Expiry Interval in seconds (omitted when undefined). */
  sessionExpiry?: number | undefined
  username?: string | undefined
  password?: string | undefined
}

/** A CONNECT packet. */
export function encodeConnect (o: ConnectOptions): Buffer {
  const id = Buffer.from(o.clientId)
  const user = o.username === undefined ? null : Buffer.from(o.username)
  const pass = o.password === undefined ? null : Buffer.from(o.password)
  let body = 10 + 2 + id.length // "MQTT" name (6) + level + flags + keepalive, then client id
  const expiry = o.version === 5 && o.sessionExpiry !== undefined
  if (o.version === 5) body += expiry ? 6 : 1 // property length, then Session Expiry Interval (0x11, 4 bytes)
  if (user !== null) body += 2 + user.length
  if (pass !== null) body += 2 + pass.length
  const buf = Buffer.allocUnsafe(1 + varintSize(body) + body)
  buf[0] = 0x10
  let off = writeVarint(buf, 1, body)
  off = buf.writeUInt16BE(4, off)
  off += buf.write('MQTT', off, 'latin1')
  buf[off++] = o.version
  buf[off++] = (user !== null ? 0x80 : 0) | (pass !== null ? 0x40 : 0) | (o.clean ? 0x02 : 0)
  off = buf.writeUInt16BE(o.keepalive, off)
  if (expiry) {
    buf[off++] = 5
    buf[off++] = 0x11
    off = buf.writeUInt32BE(o.sessionExpiry as number, off)
  } else if (o.version === 5) {
    buf[off++] = 0
  }
  off = writeString(buf, off, id)
  if (user !== null) off = writeString(buf, off, user)
  if (pass !== null) writeString(buf, off, pass)
  return buf
}

/** A SUBSCRIBE packet with one or more filters. */
export function encodeSubscribe (packetId: number, filters: ReadonlyArray<{ topic: string; qos: number }>, version: MqttVersion): Buffer {
  const topics = filters.map((f) => Buffer.from(f.topic))
  let body = 2 + (version === 5 ? 1 : 0)
  for (const t of topics) body += 2 + t.length + 1
  const buf = Buffer.allocUnsafe(1 + varintSize(body) + body)
  buf[0] = 0x82 // [MQTT-3.8.1-1]
  let off = writeVarint(buf, 1, body)
  off = buf.writeUInt16BE(packetId, off)
  if (version === 5) buf[off++] = 0
  topics.forEach((t, i) => {
    off = writeString(buf, off, t)
    buf[off++] = filters[i].qos
  })
  return buf
}

/** DISCONNECT (normal, no properties) and PINGREQ. */
export const DISCONNECT = Buffer.from([0xe0, 0])
export const PINGREQ = Buffer.from([0xc0, 0])

/**
 * A PUBLISH of one publisher: everything but the packet id and the payload's stamp is encoded once.
 * `writeTo` copies it into the caller's buffer and patches the packet id; the caller then stamps
 * the payload at `offset + payloadOffset`.
 */
export class PublishTemplate {
  readonly bytes: Buffer
  /** Offset of the packet id in `bytes` (-1 at QoS 0). */
  readonly packetIdOffset: number
  /** Offset of the payload in `bytes`. */
  readonly payloadOffset: number

  constructor (topic: string, qos: number, payload: Buffer, version: MqttVersion, retain = false) {
    const t = Buffer.from(topic)
    const body = 2 + t.length + (qos > 0 ? 2 : 0) + (version === 5 ? 1 : 0) + payload.length
    this.bytes = Buffer.alloc(1 + varintSize(body) + body)
    this.bytes[0] = 0x30 | (qos << 1) | (retain ? 1 : 0)
    let off = writeVarint(this.bytes, 1, body)
    off = writeString(this.bytes, off, t)
    this.packetIdOffset = qos > 0 ? off : -1
    if (qos > 0) off += 2
    if (version === 5) this.bytes[off++] = 0
    this.payloadOffset = off
    payload.copy(this.bytes, off)
  }

  get size (): number {
    return this.bytes.length
  }

  /** Copies the packet to `buf` at `off` with `packetId`; returns the offset after it. */
  writeTo (buf: Buffer, off: number, packetId: number): number {
    this.bytes.copy(buf, off)
    if (this.packetIdOffset >= 0) {
      buf[off + this.packetIdOffset] = packetId >>> 8
      buf[off + this.packetIdOffset + 1] = packetId & 0xff
    }
    return off + this.bytes.length
  }
}

function writeString (buf: Buffer, off: number, s: Buffer): number {
  const at = buf.writeUInt16BE(s.length, off)
  s.copy(buf, at)
  return at + s.length
}
