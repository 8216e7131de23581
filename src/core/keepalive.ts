/**
 * Keep alive and CONNECT timeout, checked by one broker-wide sweep per second.
 *
 * A connection that has received nothing for one and a half times its keep alive is closed
 * [MQTT-3.1.2-24] (v5: DISCONNECT 0x8D first); a socket that has not completed CONNECT within
 * `connect_timeout` seconds is closed without a word. The sweep is O(connections) per second —
 * ~10 µs per thousand connections — which beats a timer per connection (re-armed on every packet)
 * at the connection counts we target; a bucketed wheel (mosquitto's keepalive.c) is the next step
 * if profiles ever show it.
 */
import { ReasonCode } from '../protocol/reason-codes.js'
import { CloseReason } from './close-reason.js'
import type { Connection } from './connection.js'

/** The keep alive the broker enforces for a client's requested value, given `max_keepalive`. */
export function negotiateKeepalive (requested: number, maxKeepalive: number): { keepalive: number; capped: boolean } {
  if (maxKeepalive < 65535 && (requested === 0 || requested > maxKeepalive)) {
    return { keepalive: maxKeepalive, capped: true }
  }
  return { keepalive: requested, capped: false }
}

/** Closes the connections whose keep alive or CONNECT timeout has run out at `now`. */
export function sweepConnections (connections: Iterable<Connection>, connectTimeoutSeconds: number, now: number): void {
  const connectDeadline = now - connectTimeoutSeconds * 1000
  for (const conn of connections) {
    if (conn.state === 'connected') {
      if (conn.keepalive > 0 && now - conn.lastReceivedAt > conn.keepalive * 1500) {
        conn.close(CloseReason.KeepaliveTimeout, ReasonCode.KeepAliveTimeout)
      }
    } else if (conn.state === 'new' && conn.openedAt < connectDeadline) {
      conn.close(CloseReason.ConnectTimeout)
    }
  }
}
