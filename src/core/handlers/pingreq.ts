/** PINGREQ → PINGRESP [MQTT-3.12.4-1]. Receiving anything already refreshed the keep alive. */
import type { Connection } from '../connection.js'

export function handlePingreq (conn: Connection): void {
  conn.send({ cmd: 'pingresp' })
}
