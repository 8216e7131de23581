/**
 * PUBREC from a subscriber (QoS 2 step 2): answered with PUBREL [MQTT-4.3.3-4]. A PUBREC for an id
 * we do not have in flight still gets a PUBREL, with 0x92 in v5, so the client's state machine
 * always completes.
 */
import type { PubrecPacket } from '../../protocol/packets.js'
import { validateProperties } from '../../protocol/properties.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import type { Connection } from '../connection.js'

export function handlePubrec (conn: Connection, packet: PubrecPacket): void {
  if (conn.protocolVersion === 5) validateProperties('pubrec', packet.properties)
  const session = conn.session
  if (session === null) return
  const messageId = packet.messageId ?? 0
  const outcome = session.outbound.onPubrec(messageId, packet.reasonCode ?? 0, Date.now())
  if (outcome === 'pubrel') conn.sendPubrel(messageId)
  else if (outcome === 'unknown') {
    conn.sendPubrel(messageId, ReasonCode.PacketIdentifierNotFound)
  }
}
