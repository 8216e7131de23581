/**
 * dispatch: packet → handler, and the ONE place where errors become reason codes and closes
 * (mosquitto's read_handle.c).
 *
 * - Before CONNECT only CONNECT is accepted [MQTT-3.1.0-1]; a second CONNECT is a protocol
 *   violation [MQTT-3.1.0-2], closed without DISCONNECT (see `secondConnect`); packets only a
 *   server sends (CONNACK, SUBACK, UNSUBACK, PINGRESP) are protocol violations too.
 * - A ProtocolError closes the connection, v5 with DISCONNECT(reason) first; any other error is a
 *   broker bug: logged, the connection closed with 0x80, the broker keeps running.
 * Handlers are synchronous except where they must wait (CONNECT); dispatch returns their promise so
 * the connection holds later packets until it settles, and never rejects.
 */
import type { Packet } from '../protocol/packets.js'
import { ProtocolError } from '../protocol/errors.js'
import { ReasonCode } from '../protocol/reason-codes.js'
import { CloseReason } from './close-reason.js'
import type { Connection } from './connection.js'
import { handleAuth } from './handlers/auth.js'
import { handleConnect } from './handlers/connect.js'
import { handleDisconnect } from './handlers/disconnect.js'
import { handlePingreq } from './handlers/pingreq.js'
import { handlePuback } from './handlers/puback.js'
import { handlePubcomp } from './handlers/pubcomp.js'
import { handlePublish } from './handlers/publish.js'
import { handlePubrec } from './handlers/pubrec.js'
import { handlePubrel } from './handlers/pubrel.js'
import { handleSubscribe } from './handlers/subscribe.js'
import { handleUnsubscribe } from './handlers/unsubscribe.js'

export function dispatch (conn: Connection, packet: Packet): Promise<void> | undefined {
  try {
    const pending = route(conn, packet)
    return pending === undefined ? undefined : pending.catch((err: unknown) => { fail(conn, err) })
  } catch (err) {
    fail(conn, err)
    return undefined
  }
}

function route (conn: Connection, packet: Packet): Promise<void> | undefined {
  if (conn.state === 'new') {
    if (packet.cmd !== 'connect') throw ProtocolError.protocol('MQTT-3.1.0-1', `${packet.cmd} before CONNECT`)
    return handleConnect(conn, packet)
  }
  if (conn.state !== 'connected') return undefined
  switch (packet.cmd) {
    case 'publish': handlePublish(conn, packet); return undefined
    case 'puback': handlePuback(conn, packet); return undefined
    case 'pubrec': handlePubrec(conn, packet); return undefined
    case 'pubrel': handlePubrel(conn, packet); return undefined
    case 'pubcomp': handlePubcomp(conn, packet); return undefined
    case 'subscribe': handleSubscribe(conn, packet); return undefined
    case 'unsubscribe': handleUnsubscribe(conn, packet); return undefined
    case 'pingreq': handlePingreq(conn); return undefined
    case 'disconnect': handleDisconnect(conn, packet); return undefined
    case 'auth': handleAuth(conn, packet); return undefined
    case 'connect': secondConnect(conn); return undefined
    default: throw ProtocolError.protocol('MQTT-2.1.2', `${packet.cmd} is only sent by servers`)
  }
}

/**
 * [MQTT-3.1.0-2] A second CONNECT is a Protocol Error: the connection is closed WITHOUT a DISCONNECT
 * (the specification allows either, §4.13), as Mosquitto does. A client that is still reading the
 * socket from another thread (Paho's interoperability client_test5 test_basic does) can otherwise
 * split the DISCONNECT between two readers and wait forever on half a packet.
 */
function secondConnect (conn: Connection): void {
  conn.engine.counters.protocolErrors++
  conn.engine.log.debug({ clientId: conn.clientId, peer: conn.peer, err: 'second CONNECT [MQTT-3.1.0-2]' }, 'protocol violation, closing')
  conn.close(CloseReason.ProtocolViolation)
}

function fail (conn: Connection, err: unknown): void {
  const engine = conn.engine
  if (err instanceof ProtocolError) {
    engine.counters.protocolErrors++
    engine.log.debug({ clientId: conn.clientId, peer: conn.peer, err: err.message }, 'protocol violation, closing')
    conn.close(CloseReason.ProtocolViolation, err.reason)
    return
  }
  engine.log.error({ clientId: conn.clientId, peer: conn.peer, err }, 'handler failed')
  conn.close(CloseReason.InternalError, ReasonCode.UnspecifiedError)
}
