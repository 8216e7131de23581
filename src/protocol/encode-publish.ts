/**
 * PUBLISH encoding for the delivery hot path: no intermediate objects, and either one allocation
 * (`encodePublish`) or none (`writePublish` into a buffer the caller provides, e.g. a
 * connection's output chunk, core/output.ts).
 *
 * mqtt-packet's `generate` is general (every packet type, property validation, several passes and
 * a buffer per field); a delivery without MQTT 5 properties needs none of that. This writes the
 * fixed header, Remaining Length, topic, packet id, an empty property length (v5) and the payload.
 * Packets with properties still go through `generate`.
 * Byte layout: MQTT 5.0 §3.3.1–§3.3.3 (3.1.1 §3.3 is the same without the property length).
 */

import { varintSize, writeVarint } from './varint.js'

function remainingLength (topicLength: number, payloadLength: number, qos: number, v5: boolean): number {
  return 2 + topicLength + (qos > 0 ? 2 : 0) + (v5 ? 1 : 0) + payloadLength
}

/** Encoded size of a PUBLISH without properties; `topicLength` in UTF-8 bytes. */
export function publishSize (topicLength: number, payloadLength: number, qos: number, v5: boolean): number {
  const remaining = remainingLength(topicLength, payloadLength, qos, v5)
  return 1 + varintSize(remaining) + remaining
}

/**
 * Writes a PUBLISH without properties at `off` (publishSize bytes). `packetId` is used for QoS 1/2
 * only. The topic must already be valid (it is, by the time a message is routed).
 */
export function writePublish (buf: Buffer, off: number, topic: string, topicLength: number, payload: Buffer,
  qos: number, retain: boolean, dup: boolean, packetId: number, v5: boolean): void {
  const remaining = remainingLength(topicLength, payload.length, qos, v5)
  buf[off] = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0)
  off = writeVarint(buf, off + 1, remaining)
  buf[off++] = topicLength >> 8
  buf[off++] = topicLength & 0xff
  if (topicLength === topic.length) {
    // ASCII (every UTF-16 unit one byte): copied here, which the JIT compiles far faster than it
    // does Buffer#write and its helpers; a fresh broker's first big delivery is mostly compile time
    for (let i = 0; i < topicLength; i++) buf[off + i] = topic.charCodeAt(i)
    off += topicLength
  } else {
    off += buf.write(topic, off, topicLength, 'utf8')
  }
  if (qos > 0) {
    buf[off++] = packetId >> 8
    buf[off++] = packetId & 0xff
  }
  if (v5) buf[off++] = 0
  buf.set(payload, off) // TypedArray#set: a builtin, unlike Buffer#copy's JavaScript
}

/** A PUBLISH without properties in a Buffer of its own. */
export function encodePublish (topic: string, payload: Buffer, qos: number, retain: boolean, dup: boolean, packetId: number, v5: boolean): Buffer {
  const topicLength = Buffer.byteLength(topic, 'utf8')
  const size = publishSize(topicLength, payload.length, qos, v5)
  const buf = Buffer.allocUnsafe(size)
  writePublish(buf, 0, topic, topicLength, payload, qos, retain, dup, packetId, v5)
  return buf
}
