/**
 * Keep alive and CONNECT timeout, checked by one broker-wide sweep per second.
 *
 * A connection that has received nothing for one and a half times its keep alive is closed
 * [MQTT-3.1.2-24] (v5: DISCONNECT 0x8D first); a socket that has not completed CONNECT within
 * `connect_timeout` seconds is closed without a word. A connection whose peer has read none of the
 * output waiting for it for `write_timeout` seconds (a slow consumer, NATS' write deadline) is
 * closed too: a subscriber that stops reading must not pin its buffers for ever. The sweep is O(connections) per second —
 * ~10 µs per thousand connections — which beats a timer per connection (re-armed on every packet)
 * at the connection counts we target; a bucketed wheel (mosquitto's keepalive.c) is the next step
 * if profiles ever show it.
 */
import { ReasonCode } from '../protocol/reason-codes.js'
import { CloseReason } from './close-reason.js'
import type { Connection } from './connection.js'

/**
 * True when bytes have waited for the peer for `timeoutMs` without any of them being taken: a
 * consumer that stopped reading (it may still send, so its keep alive alone does not catch it).
 */
function writeStalled (conn: Connection, timeoutMs: number, now: number): boolean {
  const link = conn.link
  const drained = link.bytesDrained
  if (link.bytesWaiting === 0 || drained !== link.drainedAtCheck) {
    link.drainedAtCheck = drained
    link.stalledSince = 0
    return false
  }
  if (link.stalledSince === 0) link.stalledSince = now
  return now - link.stalledSince >= timeoutMs
}

/** The keep alive the broker enforces for a client's requested value, given `max_keepalive`. */
export function negotiateKeepalive (requested: number, maxKeepalive: number): { keepalive: number; capped: boolean } {
  if (maxKeepalive < 65535 && (requested === 0 || requested > maxKeepalive)) {
    return { keepalive: maxKeepalive, capped: true }
  }
  return { keepalive: requested, capped: false }
}

/** Closes the connections whose keep alive, write timeout or CONNECT timeout has run out at `now`. */
export function sweepConnections (connections: Iterable<Connection>, connectTimeoutSeconds: number, writeTimeoutSeconds: number, now: number): void {
  const connectDeadline = now - connectTimeoutSeconds * 1000
  for (const conn of connections) {
    if (conn.state === 'connected') {
      if (conn.keepalive > 0 && now - conn.lastReceivedAt > conn.keepalive * 1500) {
        conn.close(CloseReason.KeepaliveTimeout, ReasonCode.KeepAliveTimeout)
      } else if (writeTimeoutSeconds > 0 && writeStalled(conn, writeTimeoutSeconds * 1000, now)) {
        conn.engine.log.info({ clientId: conn.clientId, peer: conn.peer, waiting: conn.link.bytesWaiting }, 'connection closed: it has not read its output for write_timeout seconds')
        conn.close(CloseReason.WriteTimeout)
      }
    } else if (conn.state === 'new' && conn.openedAt < connectDeadline) {
      conn.close(CloseReason.ConnectTimeout)
    }
  }
}
