/**
 * Every packet the broker sends is encoded here: the common acknowledgements by encode-control.ts
 * and PUBLISH without properties by encode-publish.ts (both without intermediate objects), the
 * rest by mqtt-packet's `generate`. Connections, the router (one QoS 0 buffer for many
 * subscribers) and the tracer (packet sizes) use these functions, and no other encoder exists.
 */
import mqttPacket from 'mqtt-packet'
import { encodeControl } from './encode-control.js'
import { encodePublish } from './encode-publish.js'
import { type Message, secondsLeft } from './message.js'
import type { Packet, PublishPacket, PublishProperties } from './packets.js'
import { varintSize } from './varint.js'

// mqtt-packet would otherwise fill a table of 65,536 packet-id Buffers (~6 MB) on its first use;
// the packets that carry ids most are encoded by encode-control.ts anyway.
mqttPacket.writeToStream.cacheNumbers = false

// 3.1 and 3.1.1 encode every server-to-client packet alike
const GENERATE_V5 = { protocolVersion: 5 }
const GENERATE_V4 = { protocolVersion: 4 }

/** Total encoded size of a packet whose Remaining Length is `remaining`: header byte, length, body. */
export function packetSize (remaining: number): number {
  return 1 + varintSize(remaining) + remaining
}

/** The bytes of any packet, for MQTT 5 (`v5`) or 3.1/3.1.1. */
export function encodePacket (packet: Packet, v5: boolean): Buffer {
  return encodeControl(packet, v5) ?? mqttPacket.generate(packet, v5 ? GENERATE_V5 : GENERATE_V4)
}

/** The bytes of a packet with properties or fields the hand-written encoders do not cover. */
export function generatePacket (packet: Packet, v5: boolean): Buffer {
  return mqttPacket.generate(packet, v5 ? GENERATE_V5 : GENERATE_V4)
}

/**
 * Encodes a QoS 0 PUBLISH of `msg` once for every subscriber that needs no per-connection
 * properties (no topic alias, no subscription identifier). v3.1 and v3.1.1 share one encoding;
 * v5 carries the message's properties and its remaining expiry.
 */
export function encodeSharedPublish (msg: Message, v5: boolean, retain: boolean, now: number): Buffer {
  let properties: PublishProperties | undefined
  if (v5) {
    properties = msg.properties
    if (msg.expiresAt !== 0) properties = { ...properties, messageExpiryInterval: secondsLeft(msg, now) }
  }
  if (properties === undefined) return encodePublish(msg.topic, msg.payload, 0, retain, false, 0, v5)
  const packet: PublishPacket = { cmd: 'publish', topic: msg.topic, payload: msg.payload, qos: 0, retain, dup: false, properties }
  return generatePacket(packet, v5)
}
