/**
 * AUTH (v5 enhanced authentication). We offer no authentication method, so a CONNECT that names one
 * is refused with 0x8C (handlers/connect.ts) and any AUTH packet afterwards is a Protocol Error
 * (MQTT 5.0 §4.12).
 */
import type { AuthPacket } from '../../protocol/packets.js'
import { ProtocolError } from '../../protocol/errors.js'
import type { Connection } from '../connection.js'

export function handleAuth (conn: Connection, _packet: AuthPacket): void {
  if (conn.protocolVersion !== 5) throw ProtocolError.malformed('MQTT-2.1.2', 'AUTH in MQTT 3')
  throw ProtocolError.protocol('MQTT-4.12.0-1', 'AUTH without an authentication method in CONNECT')
}
