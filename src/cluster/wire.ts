/**
 * The bytes of a batch of messages forwarded from one node to another (one inbox entry): the
 * messages one after the other, each a small per-node head and a body that is encoded once per
 * message however many nodes it goes to. Binary, no JSON on the way unless the message carries v5
 * properties (the fan-in path encodes a topic, a payload and a few numbers).
 *
 *   head: u16 group count, per group u16 length + UTF-8 `<group>` NUL `<filter>`;
 *         u32 ms of life left when it was forwarded (0: no expiry)
 *   body: u32 length of the rest; u8 flags (bits 0-1 QoS, 2 retain, 3 properties);
 *         u16 length + topic; u16 length + origin client id; f64 expiry deadline (Redis time, 0:
 *         none); f64 received at (ms since the epoch); [u32 length + properties as JSON, the
 *         correlation data in base64]; the payload (the rest)
 *
 * Message expiry travels as a deadline in Redis time (the sender adds its clock offset from Redis,
 * the receiver subtracts its own), so a message counts down across nodes whatever their clocks say.
 * The offsets are estimates (within half a heartbeat's round trip): the receiver also caps the
 * deadline at its own time plus the life left at forwarding, so no message gains life on the way.
 */
import type { Message } from '../protocol/message.js'
import type { PublishProperties, QoS } from '../protocol/packets.js'

/** One forwarded message as a batch holds it. */
export interface Forwarded {
  readonly msg: Message
  readonly groups: readonly string[] | null
}

const FLAG_RETAIN = 4
const FLAG_PROPERTIES = 8
const NO_GROUPS = Buffer.from([0, 0])
/** The head of most messages (no share group, no expiry): one Buffer for all (a batch copies it). */
const PLAIN_HEAD = Buffer.alloc(6)

/** The body of each message, for the clock offset it was encoded with (a message is immutable). */
const bodies = new WeakMap<Message, { offsetMs: number; body: Buffer }>()

/** The per-node head of `msg` (its share groups, its life left at `now`). */
export function encodeHead (msg: Message, groups: readonly string[] | null, now: number): Buffer {
  const left = msg.expiresAt === 0 ? 0 : Math.min(0xFFFFFFFF, Math.max(1, msg.expiresAt - now))
  if (groups === null || groups.length === 0) {
    if (left === 0) return PLAIN_HEAD
    const out = Buffer.allocUnsafe(6)
    NO_GROUPS.copy(out, 0)
    out.writeUInt32BE(left, 2)
    return out
  }
  const names = groups.map((g) => Buffer.from(g))
  let size = 6
  for (const n of names) size += 2 + n.length
  const out = Buffer.allocUnsafe(size)
  out.writeUInt16BE(names.length, 0)
  let at = 2
  for (const n of names) {
    out.writeUInt16BE(n.length, at)
    n.copy(out, at + 2)
    at += 2 + n.length
  }
  out.writeUInt32BE(left, at)
  return out
}

/** The body of `msg`, its expiry moved to Redis time by `offsetMs` (Redis minus local); cached per message. */
export function encodeBody (msg: Message, offsetMs: number): Buffer {
  const cached = bodies.get(msg)
  if (cached !== undefined && cached.offsetMs === offsetMs) return cached.body
  const props = msg.properties === undefined ? null : Buffer.from(JSON.stringify(propertiesJson(msg.properties)))
  const topicLength = Buffer.byteLength(msg.topic)
  const originLength = Buffer.byteLength(msg.origin)
  const size = 4 + 1 + 2 + topicLength + 2 + originLength + 16 + (props === null ? 0 : 4 + props.length) + msg.payload.length
  const out = Buffer.allocUnsafe(size)
  out.writeUInt32BE(size - 4, 0)
  out[4] = msg.qos | (msg.retain ? FLAG_RETAIN : 0) | (props === null ? 0 : FLAG_PROPERTIES)
  let at = 5
  out.writeUInt16BE(topicLength, at)
  at += 2 + out.write(msg.topic, at + 2)
  out.writeUInt16BE(originLength, at)
  at += 2 + out.write(msg.origin, at + 2)
  out.writeDoubleBE(msg.expiresAt === 0 ? 0 : msg.expiresAt + offsetMs, at)
  out.writeDoubleBE(msg.receivedAt, at + 8)
  at += 16
  if (props !== null) {
    out.writeUInt32BE(props.length, at)
    props.copy(out, at + 4)
    at += 4 + props.length
  }
  msg.payload.copy(out, at)
  bodies.set(msg, { offsetMs, body: out })
  return out
}

/**
 * Decodes a batch; expiry deadlines come back to local time by `offsetMs`, capped at `now` plus
 * the life left at forwarding. Payloads are views of `buf` (no copy). Throws RangeError on damaged bytes.
 */
export function decodeBatch (buf: Buffer, offsetMs: number, now: number): Forwarded[] {
  const out: Forwarded[] = []
  let at = 0
  while (at < buf.length) {
    const count = buf.readUInt16BE(at)
    at += 2
    let groups: string[] | null = null
    for (let i = 0; i < count; i++) {
      const len = buf.readUInt16BE(at)
      ;(groups ??= []).push(buf.toString('utf8', at + 2, at + 2 + len))
      at += 2 + len
    }
    const left = buf.readUInt32BE(at)
    const end = at + 8 + buf.readUInt32BE(at + 4)
    if (end > buf.length) throw new RangeError('forwarded message runs past its batch')
    at += 8
    const flags = buf[at] as number
    if ((flags & 3) === 3 || (flags & ~15) !== 0) throw new RangeError('bad forwarded message flags')
    at += 1
    const topicEnd = at + 2 + buf.readUInt16BE(at)
    const topic = buf.toString('utf8', at + 2, topicEnd)
    at = topicEnd
    const originEnd = at + 2 + buf.readUInt16BE(at)
    const origin = buf.toString('utf8', at + 2, originEnd)
    at = originEnd
    const deadline = buf.readDoubleBE(at)
    const receivedAt = buf.readDoubleBE(at + 8)
    at += 16
    let properties: PublishProperties | undefined
    if ((flags & FLAG_PROPERTIES) !== 0) {
      const len = buf.readUInt32BE(at)
      properties = propertiesFrom(JSON.parse(buf.toString('utf8', at + 4, at + 4 + len)) as PropertiesJson)
      at += 4 + len
    }
    if (at > end) throw new RangeError('forwarded message header runs past its body')
    const msg: Message = {
      topic,
      payload: buf.subarray(at, end),
      qos: (flags & 3) as QoS,
      retain: (flags & FLAG_RETAIN) !== 0,
      properties,
      expiresAt: deadline === 0 ? 0 : Math.min(deadline - offsetMs, now + left),
      origin,
      receivedAt,
    }
    out.push({ msg, groups })
    at = end
  }
  return out
}

type PropertiesJson = Omit<PublishProperties, 'correlationData'> & { correlationData?: string }

function propertiesJson (props: PublishProperties): PropertiesJson {
  const { correlationData, ...rest } = props
  return correlationData === undefined ? rest : { ...rest, correlationData: correlationData.toString('base64') }
}

function propertiesFrom (json: PropertiesJson): PublishProperties {
  const { correlationData, ...rest } = json
  return correlationData === undefined ? rest : { ...rest, correlationData: Buffer.from(correlationData, 'base64') }
}
