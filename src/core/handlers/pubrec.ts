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
  // reasonCode 0 given explicitly: mqtt-packet then writes the 2-byte form, which paho-mqtt 1.6
  // (Debian's python3-paho-mqtt) requires of a v5 PUBREL; the 4-byte form makes it crash.
  if (outcome === 'pubrel') conn.send({ cmd: 'pubrel', messageId, reasonCode: ReasonCode.Success })
  else if (outcome === 'unknown') {
    conn.send({ cmd: 'pubrel', messageId, reasonCode: conn.protocolVersion === 5 ? ReasonCode.PacketIdentifierNotFound : undefined })
  }
}
