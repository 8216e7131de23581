/**
 * Connection events in the log, at info: one line when a CONNECT is accepted (client id, user name,
 * peer address, listener, protocol version, clean start, session present) and one when that
 * connection closes (its CloseReason, the DISCONNECT reason code the broker sent if any, and how
 * long it was open). Refused CONNECTs are logged by the CONNECT handler. Per connection, never per
 * message; the fields are only built when info is enabled (`log_level: warn` costs one check).
 */
import { PROTOCOL_NAMES } from '../protocol/packets.js'
import type { ReasonCodeValue } from '../protocol/reason-codes.js'
import type { Connection } from './connection.js'

export function logConnected (conn: Connection, cleanStart: boolean, sessionPresent: boolean): void {
  const log = conn.engine.log
  if (!log.isLevelEnabled('info')) return
  log.info({
    ...identity(conn),
    protocol: PROTOCOL_NAMES[conn.protocolVersion],
    clean_start: cleanStart,
    session_present: sessionPresent,
    keepalive: conn.keepalive,
  }, 'client connected')
}

/** After `conn`, which had been accepted, closed for `conn.closeReason`; `rc` is the DISCONNECT reason code sent, if any. */
export function logDisconnected (conn: Connection, rc: ReasonCodeValue | undefined): void {
  const log = conn.engine.log
  if (!log.isLevelEnabled('info')) return
  log.info({
    ...identity(conn),
    reason: conn.closeReason,
    ...(rc === undefined ? {} : { reason_code: rc }),
    duration_ms: Date.now() - conn.openedAt,
  }, 'client disconnected')
}

/** Who and where from: the fields both lines start with. */
function identity (conn: Connection): { clientId: string; user: string | null; peer: string; listener: string } {
  return { clientId: conn.clientId, user: conn.username ?? null, peer: conn.peer, listener: conn.info.listener }
}
