/**
 * PUBACK from a subscriber: frees the QoS 1 inflight slot (core/inflight.ts). Unknown ids are
 * ignored; a PUBACK for a QoS 2 delivery is a protocol error (MQTT 5.0 §4.3.2, as Mosquitto).
 */
import type { PubackPacket } from '../../protocol/packets.js'
import { ProtocolError } from '../../protocol/errors.js'
import { validateProperties } from '../../protocol/properties.js'
import type { Connection } from '../connection.js'

export function handlePuback (conn: Connection, packet: PubackPacket): void {
  if (conn.protocolVersion === 5) validateProperties('puback', packet.properties)
  const session = conn.session
  if (session === null) return
  const outcome = session.outbound.onPuback(packet.messageId ?? 0, Date.now())
  if (outcome === 'wrong') throw ProtocolError.protocol('MQTT5 §4.3.2', `PUBACK for a QoS 2 delivery (packet id ${packet.messageId})`)
  if (outcome === 'unknown') {
    conn.engine.log.debug({ clientId: conn.clientId, packetId: packet.messageId }, 'PUBACK for unknown packet id')
  }
}
