/**
 * The bytes of a batch of messages forwarded from one node to another (one inbox entry). Each
 * message is the store's message codec (src/store/codec.ts) preceded by the shared groups the
 * receiving node is to give it to:
 *
 *   u16 group count, then per group: u16 length + UTF-8 `<group>` NUL `<filter>`
 *   u32 ms of life left when it was forwarded (0: no expiry)
 *   u32 message length, then the encoded message
 *
 * Message expiry travels as a deadline in Redis time (the sender adds its clock offset from Redis,
 * the receiver subtracts its own), so a message counts down across nodes whatever their clocks say.
 * The offsets are estimates (within half a heartbeat's round trip): the receiver also caps the
 * deadline at its own time plus the life left at forwarding, so no message gains life on the way.
 */
import type { Message } from '../protocol/message.js'
import { decodeMessage, encodeMessage } from '../store/codec.js'

/** One forwarded message as a batch holds it. */
export interface Forwarded {
  readonly msg: Message
  readonly groups: readonly string[] | null
}

/** The encoded entry of `msg`, its expiry moved to Redis time by `offsetMs` (Redis minus local). */
export function encodeForwarded (msg: Message, groups: readonly string[] | null, offsetMs: number, now: number): Buffer {
  const body = encodeMessage(msg.expiresAt === 0 || offsetMs === 0 ? msg : { ...msg, expiresAt: msg.expiresAt + offsetMs })
  const names = groups === null ? [] : groups.map((g) => Buffer.from(g))
  let head = 2
  for (const n of names) head += 2 + n.length
  const out = Buffer.allocUnsafe(head + 8 + body.length)
  out.writeUInt16BE(names.length, 0)
  let at = 2
  for (const n of names) {
    out.writeUInt16BE(n.length, at)
    n.copy(out, at + 2)
    at += 2 + n.length
  }
  out.writeUInt32BE(msg.expiresAt === 0 ? 0 : Math.min(0xFFFFFFFF, Math.max(1, msg.expiresAt - now)), at)
  out.writeUInt32BE(body.length, at + 4)
  body.copy(out, at + 8)
  return out
}

/** Decodes a batch; expiry deadlines come back to local time by `offsetMs`. Throws CodecError/RangeError on damaged bytes. */
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
    const len = buf.readUInt32BE(at + 4)
    at += 8
    if (at + len > buf.length) throw new RangeError('forwarded message runs past its batch')
    let msg = decodeMessage(buf.subarray(at, at + len))
    if (msg.expiresAt !== 0) msg = { ...msg, expiresAt: Math.min(msg.expiresAt - offsetMs, now + left) }
    out.push({ msg, groups })
    at += len
  }
  return out
}
