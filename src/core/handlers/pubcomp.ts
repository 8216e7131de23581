/** PUBCOMP from a subscriber (QoS 2 step 4): frees the inflight slot. Unknown ids are ignored. */
import type { PubcompPacket } from '../../protocol/packets.js'
import { validateProperties } from '../../protocol/properties.js'
import type { Connection } from '../connection.js'

export function handlePubcomp (conn: Connection, packet: PubcompPacket): void {
  if (conn.protocolVersion === 5) validateProperties('pubcomp', packet.properties)
  const session = conn.session
  if (session === null) return
  if (!session.outbound.onPubcomp(packet.messageId ?? 0, Date.now())) {
    conn.engine.log.debug({ clientId: conn.clientId, packetId: packet.messageId }, 'PUBCOMP for unknown packet id')
  }
}
