/**
 * CONNECT → CONNACK, as a list of small named steps (aedes' connectActions, mosquitto's
 * read_and_verify_* functions). Each step either returns normally or refuses: a refusal is a
 * CONNACK with an error code (v3: the closest return code) followed by a close [MQTT-3.2.2-5];
 * a ProtocolError before CONNACK becomes CONNACK with its reason in v5 and a bare close in v3.
 *
 * 1. checkProtocol     name/level pairs: MQIsdp+3, MQTT+4, MQTT+5 [MQTT-3.1.2-2]
 * 2. checkFlags        properties, Authentication Data without a method (§3.1.2.11.10), will
 *                      QoS/topic [MQTT-3.1.2-12], [MQTT-3.1.2-14], password without user name in
 *                      3.1.1 [MQTT-3.1.2-22]
 * 3. resolveClientId   empty id: assigned (v5 Assigned Client Identifier, 3.1.1 with clean session)
 *                      or refused [MQTT-3.1.3-8]
 * 4. checkAccess       authentication method (none offered: 0x8C), configured redirect
 *                      (0x9C/0x9D + Server Reference)
 * 5. authenticate      IP rules, TLS identity, anonymous access, user name and password
 *                      (src/auth/authenticate.ts; asynchronous only when a bcrypt hash is compared,
 *                      on a worker thread: later packets wait in the connection's backlog); after
 *                      failed logins 0x9F (back-off), with the check queue full 0x89; each
 *                      failure is counted by its reason (Counters.authFailures)
 * 6. negotiate         keep alive vs max_keepalive (v5 Server Keep Alive), Receive Maximum,
 *                      Topic Alias Maximum, Request Problem Information (Maximum Packet Size
 *                      is read in checkFlags: no CONNACK may exceed it [MQTT-3.1.2-24])
 * 7. attach            in a cluster, claim the client id first: another node holding it closes
 *                      its connection and hands its session over (core/session/handover.ts);
 *                      take over / resume / create the session (core/session/registry.ts); a
 *                      client id whose session belongs to another user is refused (0x87) unless
 *                      `allow_client_id_takeover_across_users`, so nobody reads another's queue
 * 8. connack           session present (never in 3.1, which has no such flag), v5 capabilities,
 *                      built before attach so that one too large for the client closes the
 *                      connection with no session touched; then resend of unacknowledged
 *                      messages [MQTT-4.4.0-1]
 */
import type { ConnackPacket, ConnectPacket, ProtocolVersion } from '../../protocol/packets.js'
import { ProtocolError } from '../../protocol/errors.js'
import { validateProperties } from '../../protocol/properties.js'
import { ReasonCode, type ReasonCodeValue, allowedIn, toV3ConnackCode } from '../../protocol/reason-codes.js'
import { validateTopicName } from '../../protocol/topic.js'
import { hasForbiddenCharacters } from '../../protocol/utf8.js'
import { CloseReason } from '../close-reason.js'
import type { Connection } from '../connection.js'
import { logConnected } from '../connection-log.js'
import { negotiateKeepalive } from '../keepalive.js'
import { forwardableProperties } from '../../protocol/message.js'
import { NEVER_EXPIRES } from '../session/session.js'
import { adopt } from '../session/handover.js'
import { type AuthOutcome, authenticate } from '../../auth/authenticate.js'

/** The CONNACK reason of each authentication refusal (v3: toV3ConnackCode gives 4, 5, 3 and 3). */
const AUTH_REFUSALS: Record<Extract<AuthOutcome, { ok: false }>['refusal'], ReasonCodeValue> = {
  bad_credentials: ReasonCode.BadUserNameOrPassword,
  not_authorized: ReasonCode.NotAuthorized,
  rate_limited: ReasonCode.ConnectionRateExceeded,
  busy: ReasonCode.ServerBusy,
}

/** An expected refusal of a CONNECT: becomes a CONNACK with `reason`. */
class ConnectRefusal {
  constructor (readonly reason: ReasonCodeValue, readonly detail: string, readonly properties?: ConnackPacket['properties']) {}
}

export function handleConnect (conn: Connection, packet: ConnectPacket): Promise<void> | undefined {
  conn.state = 'connecting'
  let clientId: string
  let assigned: boolean
  let outcome: AuthOutcome | Promise<AuthOutcome>
  try {
    checkProtocol(conn, packet)
    checkFlags(conn, packet)
    ;({ clientId, assigned } = resolveClientId(conn, packet))
    checkAccess(conn, packet)
    outcome = authenticateClient(conn, packet)
  } catch (err) {
    settleRefusal(conn, err)
    return undefined
  }
  if (!(outcome instanceof Promise)) return finish(conn, packet, clientId, assigned, outcome)
  return outcome.then((result) => {
    if (conn.closed) return // it went away (or timed out) while its password was checked
    return finish(conn, packet, clientId, assigned, result)
  })
}

/**
 * Steps after authentication: refusal, or negotiate → attach → CONNACK. In a cluster the client id
 * is claimed first (asynchronous: later packets wait in the backlog); a session another node held
 * comes over with it.
 */
function finish (conn: Connection, packet: ConnectPacket, clientId: string, assigned: boolean, outcome: AuthOutcome): Promise<void> | undefined {
  try {
    if (!outcome.ok) {
      conn.engine.counters.authFailures[outcome.failure]++
      throw new ConnectRefusal(AUTH_REFUSALS[outcome.refusal], outcome.detail)
    }
    conn.username = outcome.username
    const will = packet.will
    if (will !== undefined && !conn.engine.access.decide({ username: conn.username, clientId }, will.topic, 'write', 'topic').allowed) {
      throw new ConnectRefusal(ReasonCode.NotAuthorized, `not allowed to publish the will on '${will.topic}'`)
    }
    if (outcome.username !== undefined) conn.engine.access.recordLogin(outcome.username)
    const serverKeepAlive = negotiate(conn, packet)
    const cluster = conn.engine.cluster
    if (cluster === null) {
      accept(conn, packet, clientId, assigned, serverKeepAlive)
      return undefined
    }
    return cluster.claimClient(clientId, conn.username, packet.clean !== false).then((claim) => {
      if (conn.closed) return
      try {
        if (claim.kind === 'refused') {
          throw new ConnectRefusal(ReasonCode.NotAuthorized, `client id '${clientId}' belongs to a session of another user (on node ${claim.from})`)
        }
        if (claim.kind === 'moved' && claim.session !== null) adopt(conn.engine, claim.session, Date.now())
        accept(conn, packet, clientId, assigned, serverKeepAlive)
      } catch (err) {
        settleRefusal(conn, err)
      }
    })
  } catch (err) {
    settleRefusal(conn, err)
    return undefined
  }
}

/** An expected refusal becomes a CONNACK; anything else goes on to dispatch's error handling. */
function settleRefusal (conn: Connection, err: unknown): void {
  if (err instanceof ConnectRefusal) {
    refuse(conn, err.reason, err.detail, err.properties)
    return
  }
  if (err instanceof ProtocolError && conn.protocolVersion === 5 && allowedIn[err.reason]?.includes('connack')) {
    refuse(conn, err.reason, err.message)
    return
  }
  throw err
}

function checkProtocol (conn: Connection, packet: ConnectPacket): void {
  const version = packet.protocolVersion ?? 4
  const pairOk = packet.protocolId === 'MQIsdp' ? version === 3 : version === 4 || version === 5
  conn.setProtocolVersion(version as ProtocolVersion)
  if (!pairOk) {
    // Answer in the v3 form, which every client understands [MQTT-3.1.2-2].
    conn.setProtocolVersion(4)
    throw new ConnectRefusal(ReasonCode.UnsupportedProtocolVersion, `protocol ${packet.protocolId} level ${version}`)
  }
}

function checkFlags (conn: Connection, packet: ConnectPacket): void {
  const v5 = conn.protocolVersion === 5
  if (v5) {
    const props = packet.properties
    validateProperties('connect', props)
    if (props?.authenticationData !== undefined && props.authenticationMethod === undefined) {
      throw ProtocolError.protocol('MQTT5 §3.1.2.11.10', 'Authentication Data without Authentication Method')
    }
    // Read now, so that even a refusal's CONNACK respects it [MQTT-3.1.2-24].
    if (props?.maximumPacketSize !== undefined) conn.maxOutgoingPacketSize = props.maximumPacketSize
  }
  const will = packet.will
  if (will !== undefined) {
    if ((will.qos ?? 0) > 2) throw ProtocolError.malformed('MQTT-3.1.2-12', 'will QoS 3')
    if (v5) validateProperties('will', will.properties)
    const config = conn.engine.config
    if (validateTopicName(will.topic, config.max_topic_length, config.max_topic_levels) !== null || hasForbiddenCharacters(will.topic)) {
      throw new ProtocolError(ReasonCode.TopicNameInvalid, 'MQTT-3.1.3-11', 'invalid will topic')
    }
  }
  if (!v5 && packet.password !== undefined && packet.username === undefined) {
    throw ProtocolError.protocol('MQTT-3.1.2-22', 'password without user name')
  }
}

function resolveClientId (conn: Connection, packet: ConnectPacket): { clientId: string; assigned: boolean } {
  const clientId = packet.clientId
  if (clientId.length > 0) {
    if (hasForbiddenCharacters(clientId)) {
      throw new ConnectRefusal(ReasonCode.ClientIdentifierNotValid, 'client id with control characters')
    }
    return { clientId, assigned: false }
  }
  if (conn.protocolVersion === 3) throw new ConnectRefusal(ReasonCode.ClientIdentifierNotValid, 'empty client id in MQTT 3.1')
  if (conn.protocolVersion === 4 && !packet.clean) {
    throw new ConnectRefusal(ReasonCode.ClientIdentifierNotValid, 'empty client id without clean session [MQTT-3.1.3-8]')
  }
  return { clientId: conn.engine.assignClientId(), assigned: true } // [MQTT-3.1.3-6]
}

function checkAccess (conn: Connection, packet: ConnectPacket): void {
  const config = conn.engine.config
  if (packet.properties?.authenticationMethod !== undefined) {
    throw new ConnectRefusal(ReasonCode.BadAuthenticationMethod, `authentication method ${packet.properties.authenticationMethod} not supported`)
  }
  if (config.redirect !== undefined) {
    const reason = config.redirect.permanent ? ReasonCode.ServerMoved : ReasonCode.UseAnotherServer
    throw new ConnectRefusal(reason, `redirected to ${config.redirect.server_reference}`, { serverReference: config.redirect.server_reference })
  }
}

function authenticateClient (conn: Connection, packet: ConnectPacket): AuthOutcome | Promise<AuthOutcome> {
  const engine = conn.engine
  const info = conn.info
  return authenticate(engine.access, engine.passwords, engine.config.allow_anonymous, {
    address: info.remoteAddress,
    username: packet.username,
    password: packet.password === undefined ? undefined : Buffer.isBuffer(packet.password) ? packet.password : Buffer.from(packet.password),
    ...(info.identityFromCertificate === true ? { certificateUsername: certificateUsername(conn) } : {}),
  })
}

/** The verified client certificate's CN, or null. */
function certificateUsername (conn: Connection): string | null {
  const cert = conn.info.peerCertificate
  return cert?.authorized === true && cert.subjectCN !== undefined && cert.subjectCN !== '' ? cert.subjectCN : null
}

/** Applies the client's v5 limits and the keep alive; returns the Server Keep Alive to announce, if any. */
function negotiate (conn: Connection, packet: ConnectPacket): number | undefined {
  const config = conn.engine.config
  const { keepalive, capped } = negotiateKeepalive(packet.keepalive ?? 0, config.max_keepalive)
  if (capped && conn.protocolVersion !== 5) {
    // v3 cannot be told another keep alive (Mosquitto refuses the same way).
    throw new ConnectRefusal(ReasonCode.ClientIdentifierNotValid, `keep alive ${packet.keepalive} above max_keepalive`)
  }
  conn.keepalive = keepalive
  const props = packet.properties
  if (props !== undefined) {
    if (props.topicAliasMaximum !== undefined) conn.clientTopicAliasMaximum = props.topicAliasMaximum
    if (props.requestProblemInformation === false) conn.requestProblemInformation = false
  }
  return capped ? keepalive : undefined
}

function accept (conn: Connection, packet: ConnectPacket, clientId: string, assigned: boolean, serverKeepAlive: number | undefined): void {
  const engine = conn.engine
  const config = engine.config
  const v5 = conn.protocolVersion === 5
  const props = packet.properties
  const cleanStart = packet.clean !== false
  const expiry = v5 ? (props?.sessionExpiryInterval ?? 0) : (cleanStart ? 0 : NEVER_EXPIRES)
  const holder = engine.sessions.get(clientId)
  if (holder !== undefined && holder.username !== conn.username && !config.allow_client_id_takeover_across_users) {
    throw new ConnectRefusal(ReasonCode.NotAuthorized, `client id '${clientId}' belongs to a session of another user`)
  }
  const connack: ConnackPacket = { cmd: 'connack', sessionPresent: false, reasonCode: 0, returnCode: 0 }
  if (v5) {
    connack.properties = {
      receiveMaximum: config.max_inflight,
      maximumPacketSize: conn.maxIncomingPacketSize,
      topicAliasMaximum: conn.topicAliasMaximum,
      ...(assigned ? { assignedClientIdentifier: clientId } : {}),
      ...(serverKeepAlive !== undefined ? { serverKeepAlive } : {}),
    }
  }
  if (!fitsClient(conn, connack)) return // before the session is touched: nothing was taken over
  conn.clientId = clientId
  conn.sessionExpiryAtConnect = expiry
  const now = Date.now()
  const { session, present } = engine.sessions.attach(conn, clientId, cleanStart, expiry, now)
  conn.session = session
  session.outbound.window = Math.min(props?.receiveMaximum ?? 65535, config.max_inflight)
  const will = packet.will
  if (will !== undefined) {
    // Will Delay Interval is a will property only: it must not reach subscribers in the PUBLISH.
    const { willDelayInterval: _delay, ...willProps } = will.properties ?? {}
    conn.will = {
      topic: will.topic,
      payload: Buffer.isBuffer(will.payload) ? will.payload : Buffer.from(will.payload),
      qos: will.qos ?? 0,
      retain: will.retain === true,
      properties: v5 ? forwardableProperties(willProps) : undefined,
      messageExpiryInterval: will.properties?.messageExpiryInterval ?? 0,
      delay: Math.min(will.properties?.willDelayInterval ?? 0, expiry),
      username: conn.username,
    }
  }
  conn.state = 'connected'
  // MQTT 3.1 has no Session Present flag: its byte stays 0 (only 3.1.1 and 5 set it).
  connack.sessionPresent = present && conn.protocolVersion !== 3
  // A session that came from another node brought its subscriptions: as for a SUBACK, its CONNACK
  // waits until every node routes them here.
  const settled = present && session.subscriptions.size > 0 ? engine.cluster?.routesSettled() ?? null : null
  if (settled === null) {
    conn.send(connack)
    logConnected(conn, cleanStart, present)
    if (present) session.outbound.resume(now)
    return
  }
  void conn.sendAck(connack, settled)?.then(() => {
    if (conn.closed) return
    logConnected(conn, cleanStart, present)
    if (present) session.outbound.resume(Date.now())
  })
}

function refuse (conn: Connection, reason: ReasonCodeValue, detail: string, properties?: ConnackPacket['properties']): void {
  const engine = conn.engine
  // refusals a flood repeats without a password check are debug lines: the back-off logs its steps
  const quiet = reason === ReasonCode.ConnectionRateExceeded || reason === ReasonCode.ServerBusy
  engine.log[quiet ? 'debug' : 'info']({ peer: conn.peer, clientId: conn.clientId, reason, detail }, 'connection refused')
  const connack: ConnackPacket = conn.protocolVersion === 5
    ? { cmd: 'connack', sessionPresent: false, reasonCode: reason, properties }
    : { cmd: 'connack', sessionPresent: false, returnCode: toV3ConnackCode(reason) } // [MQTT-3.2.2-4]
  if (!fitsClient(conn, connack)) return
  conn.send(connack)
  conn.close(CloseReason.ConnectRefused)
}

/**
 * Whether `connack` fits the client's Maximum Packet Size (read in checkFlags); if not, the
 * connection is closed without it, as no packet may exceed that limit [MQTT-3.1.2-24].
 */
function fitsClient (conn: Connection, connack: ConnackPacket): boolean {
  const limit = conn.maxOutgoingPacketSize
  const size = conn.encode(connack).length
  if (size <= limit) return true
  conn.engine.log.info({ peer: conn.peer, clientId: conn.clientId, size, limit }, 'connection closed: CONNACK larger than the client\'s Maximum Packet Size')
  conn.close(CloseReason.ClientPacketLimit)
  return false
}
