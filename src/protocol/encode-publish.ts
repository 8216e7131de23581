/**
 * PUBLISH encoding for the delivery hot path: one allocation, no intermediate objects.
 *
 * mqtt-packet's `generate` is general (every packet type, property validation, several passes and
 * a buffer per field); a delivery without MQTT 5 properties needs none of that. This writes the
 * fixed header, Remaining Length, topic, packet id, an empty property length (v5) and the payload
 * straight into one Buffer. Packets with properties still go through `generate`.
 * Byte layout: MQTT 5.0 §3.3.1–§3.3.3 (3.1.1 §3.3 is the same without the property length).
 */

import { varintSize, writeVarint } from './varint.js'

/**
 * A PUBLISH without properties. `v5` adds the (empty) property length. `packetId` is used for QoS
 * 1/2 only. The topic must already be valid (it is, by the time a message is routed).
 */
export function encodePublish (topic: string, payload: Buffer, qos: number, retain: boolean, dup: boolean, packetId: number, v5: boolean): Buffer {
  const topicLength = Buffer.byteLength(topic, 'utf8')
  const remaining = 2 + topicLength + (qos > 0 ? 2 : 0) + (v5 ? 1 : 0) + payload.length
  const buf = Buffer.allocUnsafe(1 + varintSize(remaining) + remaining)
  buf[0] = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0)
  let off = writeVarint(buf, 1, remaining)
  buf[off++] = topicLength >> 8
  buf[off++] = topicLength & 0xff
  off += buf.write(topic, off, topicLength, 'utf8')
  if (qos > 0) {
    buf[off++] = packetId >> 8
    buf[off++] = packetId & 0xff
  }
  if (v5) buf[off++] = 0
  payload.copy(buf, off)
  return buf
}
