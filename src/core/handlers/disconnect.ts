/**
 * DISCONNECT from the client. Reason 0x00 discards the will [MQTT-3.14.4-3]; v5 reason 0x04 keeps
 * it. A v5 DISCONNECT may change the Session Expiry Interval, but not from 0 to non-zero
 * [MQTT-3.14.2-2]. The broker then closes the connection without sending anything [MQTT-3.14.4-1].
 */
import type { DisconnectPacket } from '../../protocol/packets.js'
import { ProtocolError } from '../../protocol/errors.js'
import { validateProperties } from '../../protocol/properties.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import { CloseReason } from '../close-reason.js'
import type { Connection } from '../connection.js'

export function handleDisconnect (conn: Connection, packet: DisconnectPacket): void {
  if (conn.protocolVersion === 5) {
    validateProperties('disconnect', packet.properties)
    const expiry = packet.properties?.sessionExpiryInterval
    if (expiry !== undefined && conn.session !== null) {
      if (conn.sessionExpiryAtConnect === 0 && expiry !== 0) {
        throw ProtocolError.protocol('MQTT-3.14.2-2', 'DISCONNECT sets a Session Expiry Interval after CONNECT gave 0')
      }
      conn.session.expiryInterval = expiry
    }
  }
  if (packet.reasonCode !== ReasonCode.DisconnectWithWill) conn.will = null
  conn.close(CloseReason.ClientDisconnect)
}
