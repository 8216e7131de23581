/**
 * PUBREL from a publisher (QoS 2 step 3): releases the packet id and ALWAYS answers PUBCOMP
 * [MQTT-4.3.3-11] — with 0x92 in v5 when the id was unknown — never a disconnect (aedes#634).
 */
import type { PubrelPacket } from '../../protocol/packets.js'
import { validateProperties } from '../../protocol/properties.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import type { Connection } from '../connection.js'

export function handlePubrel (conn: Connection, packet: PubrelPacket): void {
  if (conn.protocolVersion === 5) validateProperties('pubrel', packet.properties)
  const session = conn.session
  if (session === null) return
  const messageId = packet.messageId ?? 0
  const known = session.deleteInboundQos2(messageId)
  if (known) conn.engine.store.deleteIncomingQos2(session.clientId, messageId) // a no-op when never stored
  conn.send({
    cmd: 'pubcomp',
    messageId,
    reasonCode: !known && conn.protocolVersion === 5 ? ReasonCode.PacketIdentifierNotFound : undefined,
  })
}
