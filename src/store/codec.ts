/**
 * Value codec of the embedded store: Message, QueuedDelivery and SessionRecord to bytes and back.
 *
 * Every value starts with a version byte (CODEC_VERSION) so a later layout can be read beside this
 * one. A message is a small binary frame around a JSON header, then the payload as raw bytes:
 *
 *   message   [1][flags: qos bits 0-1, retain bit 2][header length: u32 BE][header JSON][payload]
 *             header = { t: topic, e: expiresAt, o: origin, r: receivedAt,
 *                        p?: properties without correlationData, c?: correlationData as base64 }
 *   delivery  [1][flags: qos bits 0-1, retain bit 2, has ids bit 3][if ids: count u16 BE, ids u32 BE…]
 *             [message]
 *   session   [1][SessionRecord as JSON, without `inflight` / `incomingQos2`]
 *   inflight  [1][state: 0 publish, 1 pubrel][order: u48 BE][delivery]   (packet id: in the key)
 *   incoming  [1]                                                        (packet id: in the key)
 *
 * Why this mix: the payload is most of the bytes, so it is stored as is (no base64: a third larger
 * and a copy to make on both sides); the rest is small, and JSON keeps it self-describing, so a
 * property MQTT adds later needs no format change. The one Buffer among the forwarded properties,
 * correlation data, travels as base64 in its own header field (no marker object that a user
 * property could imitate). A message fanned out to many persistent sessions is encoded once (cached
 * per Message object: messages are immutable). Decoders check what they read and throw CodecError,
 * which the store reports as a corrupt store naming the key.
 */
import type { Message } from '../protocol/message.js'
import type { PublishProperties, QoS } from '../protocol/packets.js'
import type { InflightRecord, QueuedDelivery, SessionRecord, StoredWill, SubscriptionRecord } from './store.js'

export const CODEC_VERSION = 1

/** A value that does not decode: the bytes are damaged or were not written by this codec. */
export class CodecError extends Error {
  override readonly name = 'CodecError'
}

interface MessageHeader {
  t: string
  e: number
  o: string
  r: number
  p?: Omit<PublishProperties, 'correlationData'>
  c?: string
}

const encoded = new WeakMap<Message, Buffer>()

export function encodeMessage (msg: Message): Buffer {
  let out = encoded.get(msg)
  if (out !== undefined) return out
  const header: MessageHeader = { t: msg.topic, e: msg.expiresAt, o: msg.origin, r: msg.receivedAt }
  if (msg.properties !== undefined) {
    const { correlationData, ...rest } = msg.properties
    header.p = rest
    if (correlationData !== undefined) header.c = correlationData.toString('base64')
  }
  const json = Buffer.from(JSON.stringify(header))
  out = Buffer.allocUnsafe(6 + json.length + msg.payload.length)
  out[0] = CODEC_VERSION
  out[1] = (msg.qos & 3) | (msg.retain ? 4 : 0)
  out.writeUInt32BE(json.length, 2)
  json.copy(out, 6)
  msg.payload.copy(out, 6 + json.length)
  encoded.set(msg, out)
  return out
}

/** Decodes a message; its payload is a view of `buf` (no copy). */
export function decodeMessage (buf: Buffer): Message {
  if (buf.length < 6 || buf[0] !== CODEC_VERSION) throw new CodecError(`not a message of codec version ${CODEC_VERSION}`)
  const qos = buf[1] & 3
  if (qos === 3 || (buf[1] & ~7) !== 0) throw new CodecError('bad message flags')
  const length = buf.readUInt32BE(2)
  if (6 + length > buf.length) throw new CodecError('message header runs past the value')
  const h = parseJson(buf.subarray(6, 6 + length)) as MessageHeader
  if (typeof h !== 'object' || h === null || typeof h.t !== 'string' || typeof h.e !== 'number' ||
      typeof h.o !== 'string' || typeof h.r !== 'number' || (h.p !== undefined && (typeof h.p !== 'object' || h.p === null)) ||
      (h.c !== undefined && typeof h.c !== 'string')) {
    throw new CodecError('bad message header')
  }
  let properties: PublishProperties | undefined
  if (h.p !== undefined || h.c !== undefined) {
    properties = { ...h.p }
    if (h.c !== undefined) properties.correlationData = Buffer.from(h.c, 'base64')
  }
  return {
    topic: h.t,
    payload: buf.subarray(6 + length),
    qos: qos as QoS,
    retain: (buf[1] & 4) !== 0,
    properties,
    expiresAt: h.e,
    origin: h.o,
    receivedAt: h.r,
  }
}

export function encodeDelivery (entry: QueuedDelivery): Buffer {
  const msg = encodeMessage(entry.msg)
  const ids = entry.subscriptionIds
  const head = ids === null ? 2 : 4 + 4 * ids.length
  const out = Buffer.allocUnsafe(head + msg.length)
  out[0] = CODEC_VERSION
  out[1] = entry.qos | (entry.retain ? 4 : 0) | (ids === null ? 0 : 8)
  if (ids !== null) {
    out.writeUInt16BE(ids.length, 2)
    for (let i = 0; i < ids.length; i++) out.writeUInt32BE(ids[i], 4 + 4 * i)
  }
  msg.copy(out, head)
  return out
}

export function decodeDelivery (buf: Buffer): QueuedDelivery {
  if (buf.length < 2 || buf[0] !== CODEC_VERSION) throw new CodecError(`not a queued delivery of codec version ${CODEC_VERSION}`)
  const flags = buf[1]
  const qos = flags & 3
  if ((qos !== 1 && qos !== 2) || (flags & ~15) !== 0) throw new CodecError('bad delivery flags')
  let at = 2
  let subscriptionIds: number[] | null = null
  if ((flags & 8) !== 0) {
    if (buf.length < 4) throw new CodecError('truncated delivery')
    const count = buf.readUInt16BE(2)
    at = 4 + 4 * count
    if (at > buf.length) throw new CodecError('truncated delivery')
    subscriptionIds = []
    for (let i = 0; i < count; i++) subscriptionIds.push(buf.readUInt32BE(4 + 4 * i))
  }
  return { msg: decodeMessage(buf.subarray(at)), qos, retain: (flags & 4) !== 0, subscriptionIds }
}

/** An inflight record; `order` (below 2^48) sorts the records of a session in their first-put order. */
export function encodeInflight (record: InflightRecord, order: number): Buffer {
  const delivery = encodeDelivery(record)
  const out = Buffer.allocUnsafe(8 + delivery.length)
  out[0] = CODEC_VERSION
  out[1] = record.state === 'pubrel' ? 1 : 0
  out.writeUIntBE(order, 2, 6)
  delivery.copy(out, 8)
  return out
}

export function decodeInflight (buf: Buffer, packetId: number): { record: InflightRecord; order: number } {
  if (buf.length < 8 || buf[0] !== CODEC_VERSION || buf[1] > 1) throw new CodecError(`not an inflight record of codec version ${CODEC_VERSION}`)
  const delivery = decodeDelivery(buf.subarray(8))
  return { record: { ...delivery, packetId, state: buf[1] === 1 ? 'pubrel' : 'publish' }, order: buf.readUIntBE(2, 6) }
}

export const INCOMING_QOS2_VALUE = Buffer.from([CODEC_VERSION])

export function encodeSession (record: SessionRecord): Buffer {
  const { inflight: _i, incomingQos2: _q, ...rest } = record
  const json = Buffer.from(JSON.stringify(rest))
  const out = Buffer.allocUnsafe(1 + json.length)
  out[0] = CODEC_VERSION
  json.copy(out, 1)
  return out
}

export function decodeSession (buf: Buffer): SessionRecord {
  if (buf.length < 1 || buf[0] !== CODEC_VERSION) throw new CodecError(`not a session of codec version ${CODEC_VERSION}`)
  const r = parseJson(buf.subarray(1)) as SessionRecord
  if (typeof r !== 'object' || r === null || typeof r.clientId !== 'string' || typeof r.expiryInterval !== 'number' ||
      ![3, 4, 5].includes(r.protocolVersion) || typeof r.disconnectedAt !== 'number' ||
      (r.username !== undefined && typeof r.username !== 'string') ||
      !Array.isArray(r.subscriptions) || !r.subscriptions.every(isSubscription)) {
    throw new CodecError('bad session record')
  }
  return r
}

function isSubscription (s: SubscriptionRecord): boolean {
  return typeof s === 'object' && s !== null && typeof s.filter === 'string' && [0, 1, 2].includes(s.qos) &&
    typeof s.noLocal === 'boolean' && typeof s.retainAsPublished === 'boolean' &&
    [0, 1, 2].includes(s.retainHandling) && typeof s.subscriptionId === 'number'
}

function parseJson (bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch (err) {
    throw new CodecError('value is not valid JSON', { cause: err })
  }
}

/** An operator record (account, rule, setting): plain JSON text. */
export function decodeRecord (buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8')) as unknown
  } catch {
    throw new CodecError('an operator record is not valid JSON')
  }
}

/**
 * A delayed will: version byte, u32 header length, JSON header `{f: fireAt, x: message expiry
 * interval, u?: user name}`, then the message in the message codec.
 */
export function encodeWill (will: StoredWill): Buffer {
  const header = Buffer.from(JSON.stringify({ f: will.fireAt, x: will.messageExpiryInterval, ...(will.username === undefined ? {} : { u: will.username }) }))
  const prefix = Buffer.allocUnsafe(5)
  prefix[0] = CODEC_VERSION
  prefix.writeUInt32BE(header.length, 1)
  return Buffer.concat([prefix, header, encodeMessage(will.msg)])
}

export function decodeWill (clientId: string, buf: Buffer): StoredWill {
  if (buf.length < 5 || buf[0] !== CODEC_VERSION) throw new CodecError(`not a will of codec version ${CODEC_VERSION}`)
  const length = buf.readUInt32BE(1)
  if (5 + length > buf.length) throw new CodecError('will header runs past the value')
  const h = parseJson(buf.subarray(5, 5 + length)) as { f?: unknown; x?: unknown; u?: unknown }
  if (typeof h !== 'object' || h === null || typeof h.f !== 'number' || typeof h.x !== 'number' || (h.u !== undefined && typeof h.u !== 'string')) {
    throw new CodecError('bad will header')
  }
  return {
    clientId,
    fireAt: h.f,
    messageExpiryInterval: h.x,
    ...(h.u === undefined ? {} : { username: h.u as string }),
    msg: decodeMessage(buf.subarray(5 + length)),
  }
}
