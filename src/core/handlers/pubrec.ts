/**
 * PUBREC from a subscriber (QoS 2 step 2): answered with PUBREL [MQTT-4.3.3-4]. A PUBREC for an id
 * we do not have in flight still gets a PUBREL, with 0x92 in v5, so the client's state machine
 * always completes. A PUBREC for a QoS 1 delivery is a protocol error (as Mosquitto treats it).
 * For a persistent session the PUBREL waits until the entry's new state is durable: once the client
 * has its PUBREL it may forget the packet id, so a restart must resend PUBREL, never the PUBLISH
 * (which the client would take for a new message: QoS 2 would deliver twice).
 */
import type { PubrecPacket } from '../../protocol/packets.js'
import { ProtocolError } from '../../protocol/errors.js'
import { validateProperties } from '../../protocol/properties.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import type { Connection } from '../connection.js'

export function handlePubrec (conn: Connection, packet: PubrecPacket): void {
  if (conn.protocolVersion === 5) validateProperties('pubrec', packet.properties)
  const session = conn.session
  if (session === null) return
  const messageId = packet.messageId ?? 0
  const engine = conn.engine
  const mark = engine.durabilityMark()
  const outcome = session.outbound.onPubrec(messageId, packet.reasonCode ?? 0, Date.now())
  if (outcome === 'wrong') throw ProtocolError.protocol('MQTT5 §4.3.3', `PUBREC for a QoS 1 delivery (packet id ${messageId})`)
  if (outcome === 'pubrel') conn.sendPubrel(messageId, ReasonCode.Success, engine.durableSince(mark))
  else if (outcome === 'unknown') {
    conn.sendPubrel(messageId, ReasonCode.PacketIdentifierNotFound)
  }
}
