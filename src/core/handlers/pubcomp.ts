/**
 * PUBCOMP from a subscriber (QoS 2 step 4): frees the inflight slot. Unknown ids are ignored; a
 * PUBCOMP for a QoS 1 delivery, or before its PUBREC, is a protocol error (§4.3.3, as Mosquitto).
 */
import type { PubcompPacket } from '../../protocol/packets.js'
import { ProtocolError } from '../../protocol/errors.js'
import { validateProperties } from '../../protocol/properties.js'
import type { Connection } from '../connection.js'

export function handlePubcomp (conn: Connection, packet: PubcompPacket): void {
  if (conn.protocolVersion === 5) validateProperties('pubcomp', packet.properties)
  const session = conn.session
  if (session === null) return
  const outcome = session.outbound.onPubcomp(packet.messageId ?? 0, Date.now())
  if (outcome === 'wrong') throw ProtocolError.protocol('MQTT5 §4.3.3', `PUBCOMP for a QoS 1 delivery or before PUBREC (packet id ${packet.messageId})`)
  if (outcome === 'unknown') {
    conn.engine.log.debug({ clientId: conn.clientId, packetId: packet.messageId }, 'PUBCOMP for unknown packet id')
  }
}
