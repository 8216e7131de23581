/**
 * A streaming MQTT decoder for the load generator: frames packets out of socket chunks and hands
 * each to a handler as offsets into the chunk, without building packet objects.
 *
 * Cost per packet: one fixed-header read and a few integer reads; a PUBLISH is not copied (the
 * handler reads its payload in place, before `push` returns). Only a packet split across chunks
 * costs a copy (the tail is kept and joined with the next chunk). Parsing is minimal on purpose:
 * v5 properties are skipped, not validated, and reason codes beyond the first are ignored. A
 * malformed length throws; the connection treats that as fatal.
 */
import { PacketType, type MqttVersion } from './packets.js'

export interface PacketHandler {
  /** CONNACK: return code (v3) or reason code (v5). */
  onConnack (code: number, sessionPresent: boolean): void
  /** SUBACK: the packet id and the first granted QoS or reason code. */
  onSuback (packetId: number, firstCode: number): void
  /**
   * PUBLISH: `buf[topicStart, topicEnd)` is the topic, `buf[payloadStart, end)` the payload; valid
   * only during this call.
   */
  onPublish (buf: Buffer, topicStart: number, topicEnd: number, payloadStart: number, end: number, qos: number, packetId: number, flags: number): void
  /** PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: type and packet id. */
  onAck (type: number, packetId: number): void
  /** PINGRESP, DISCONNECT, AUTH and anything else: the type and, for DISCONNECT, its reason. */
  onOther (type: number, reason: number): void
}

export class MalformedPacketError extends Error {}

export class PacketReader {
  private rest: Buffer | null = null

  constructor (private readonly handler: PacketHandler, private readonly version: MqttVersion) {}

  /** Feeds one chunk; calls the handler for every complete packet. */
  push (chunk: Buffer): void {
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk])
    this.rest = null
    const len = buf.length
    let off = 0
    while (len - off >= 2) {
      let remaining = 0
      let mul = 1
      let i = off + 1
      let complete = false
      for (let k = 0; k < 4 && i < len; k++) {
        const b = buf[i++]
        remaining += (b & 127) * mul
        mul *= 128
        if ((b & 128) === 0) {
          complete = true
          break
        }
        if (k === 3) throw new MalformedPacketError('malformed remaining length')
      }
      if (!complete) break
      const end = i + remaining
      if (end > len) break
      this.dispatch(buf, buf[off], i, end)
      off = end
    }
    if (off < len) this.rest = buf.subarray(off)
  }

  private dispatch (buf: Buffer, first: number, start: number, end: number): void {
    const type = first >> 4
    switch (type) {
      case PacketType.Publish: {
        const qos = (first >> 1) & 3
        const topicStart = start + 2
        const topicEnd = topicStart + buf.readUInt16BE(start)
        let p = topicEnd
        let packetId = 0
        if (qos > 0) {
          packetId = (buf[p] << 8) | buf[p + 1]
          p += 2
        }
        if (this.version === 5) p = skipProperties(buf, p)
        if (p > end) throw new MalformedPacketError('PUBLISH shorter than its headers')
        this.handler.onPublish(buf, topicStart, topicEnd, p, end, qos, packetId, first & 0x0f)
        return
      }
      case PacketType.Puback:
      case PacketType.Pubrec:
      case PacketType.Pubrel:
      case PacketType.Pubcomp:
      case PacketType.Unsuback:
        this.handler.onAck(type, (buf[start] << 8) | buf[start + 1])
        return
      case PacketType.Connack:
        this.handler.onConnack(buf[start + 1], (buf[start] & 1) === 1)
        return
      case PacketType.Suback: {
        const packetId = (buf[start] << 8) | buf[start + 1]
        const p = this.version === 5 ? skipProperties(buf, start + 2) : start + 2
        this.handler.onSuback(packetId, p < end ? buf[p] : 0x80)
        return
      }
      default:
        this.handler.onOther(type, end > start ? buf[start] : 0)
    }
  }
}

/** Skips a v5 property block (length + properties) at `p`; returns the offset after it. */
function skipProperties (buf: Buffer, p: number): number {
  let length = 0
  let mul = 1
  for (let k = 0; k < 4; k++) {
    const b = buf[p++]
    length += (b & 127) * mul
    mul *= 128
    if ((b & 128) === 0) break
  }
  return p + length
}
