/**
 * Hand-written encoders for the small packets the broker answers with most: PUBACK, PUBREC, PUBREL,
 * PUBCOMP, PINGRESP, a v3 CONNACK, a v5 DISCONNECT and a SUBACK / UNSUBACK without properties. Each
 * is one small allocation, in the shortest form the specification allows, which is what Mosquitto
 * writes (mqtt-packet writes an empty Property Length after every v5 reason code).
 *
 * Why not `generate`: it builds every packet through an accumulator of per-field Buffers with debug
 * hooks, and on first use it fills a table of 65,536 two-byte Buffers for packet ids (about 6 MB of
 * heap, for the life of the process). `encodeControl` returns null for what it does not handle
 * (packets with properties, a v5 CONNACK, AUTH): those still go through `generate`,
 * with that table switched off (`connection.ts`).
 * Byte layouts: MQTT 5.0 §3.2, §3.4–§3.7, §3.9, §3.11, §3.13 (3.1.1 is the same without reason
 * codes and property lengths).
 */
import type { Packet } from './packets.js'
import { varintSize, writeVarint } from './varint.js'

/** Packet type of each acknowledgement. */
const ACK_TYPE = { puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7 } as const

/** Size of an acknowledgement in its short form (packet id only). */
export const ACK_SIZE = 4

/**
 * Writes PUBACK (type 4), PUBREC (5), PUBREL (6) or PUBCOMP (7) in its short form at `off`;
 * returns the offset after it. Shared with the load generator (bench/packets.ts).
 */
export function writeAck (buf: Buffer, off: number, type: number, packetId: number): number {
  buf[off] = type === ACK_TYPE.pubrel ? 0x62 : type << 4 // [MQTT-3.6.1-1] PUBREL flags are 0010
  buf[off + 1] = 2
  buf[off + 2] = packetId >>> 8
  buf[off + 3] = packetId & 0xff
  return off + ACK_SIZE
}

const PINGRESP = Buffer.from([0xd0, 0x00])

/**
 * PUBACK, PUBREC, PUBREL or PUBCOMP without properties, in its shortest form (MQTT 5.0 §3.4.2.1,
 * §3.4.2.2.1), as Mosquitto writes it: Success (or no code given) is the packet id alone
 * (remaining length 2); in v5 another reason is the packet id and the reason code (3), without a
 * Property Length.
 */
export function encodeAck (cmd: keyof typeof ACK_TYPE, packetId: number, reasonCode: number | undefined, v5: boolean): Buffer {
  const withReason = v5 && reasonCode !== undefined && reasonCode !== 0
  const buf = Buffer.allocUnsafe(withReason ? ACK_SIZE + 1 : ACK_SIZE)
  writeAck(buf, 0, ACK_TYPE[cmd], packetId)
  if (withReason) {
    buf[1] = 3
    buf[4] = reasonCode
  }
  return buf
}

const DISCONNECT_NORMAL = Buffer.from([0xe0, 0x00])

/**
 * A v5 DISCONNECT without properties in its shortest form (MQTT 5.0 §3.14.2.1): nothing for Normal
 * disconnection (remaining length 0), otherwise the reason code alone (1).
 */
export function encodeDisconnect (reasonCode: number): Buffer {
  return reasonCode === 0 ? DISCONNECT_NORMAL : Buffer.from([0xe0, 0x01, reasonCode])
}

/** SUBACK or UNSUBACK without properties: packet id, (v5) an empty property length, the codes. */
function encodeSubscriptionAck (header: number, packetId: number, codes: readonly number[], v5: boolean): Buffer {
  const remaining = 2 + (v5 ? 1 : 0) + codes.length
  const buf = Buffer.allocUnsafe(1 + varintSize(remaining) + remaining)
  buf[0] = header
  let off = writeVarint(buf, 1, remaining)
  buf[off++] = packetId >> 8
  buf[off++] = packetId & 0xff
  if (v5) buf[off++] = 0
  for (let i = 0; i < codes.length; i++) buf[off++] = codes[i]
  return buf
}

/** The packet encoded by hand, or null when it needs mqtt-packet's general encoder. */
export function encodeControl (packet: Packet, v5: boolean): Buffer | null {
  switch (packet.cmd) {
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      if (v5 && packet.properties !== undefined) return null
      return encodeAck(packet.cmd, packet.messageId ?? 0, packet.reasonCode, v5)
    case 'pingresp':
      return PINGRESP
    case 'disconnect':
      if (!v5 || packet.properties !== undefined) return null
      return encodeDisconnect(packet.reasonCode ?? 0)
    case 'connack':
      if (v5) return null
      return Buffer.from([0x20, 0x02, packet.sessionPresent ? 1 : 0, packet.returnCode ?? 0])
    case 'suback':
      if (v5 && packet.properties !== undefined) return null
      return encodeSubscriptionAck(0x90, packet.messageId ?? 0, packet.granted as number[], v5)
    case 'unsuback':
      if (v5 && packet.properties !== undefined) return null
      // v3 UNSUBACK carries no codes [MQTT-3.11.3]; mqtt-packet writes none for v4
      return encodeSubscriptionAck(0xb0, packet.messageId ?? 0, v5 ? (packet.granted as number[]) : [], v5)
    default:
      return null
  }
}
