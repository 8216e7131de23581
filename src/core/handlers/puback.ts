/** PUBACK from a subscriber: frees the QoS 1 inflight slot (core/inflight.ts). Unknown ids are ignored. */
import type { PubackPacket } from '../../protocol/packets.js'
import { validateProperties } from '../../protocol/properties.js'
import type { Connection } from '../connection.js'

export function handlePuback (conn: Connection, packet: PubackPacket): void {
  if (conn.protocolVersion === 5) validateProperties('puback', packet.properties)
  const session = conn.session
  if (session === null) return
  if (!session.outbound.onPuback(packet.messageId ?? 0, Date.now())) {
    conn.engine.log.debug({ clientId: conn.clientId, packetId: packet.messageId }, 'PUBACK for unknown packet id')
  }
}
