/**
 * SUBSCRIBE: one reason code per filter, in order [MQTT-3.8.4-6], then the retained messages.
 *
 * - Packet id 0 [MQTT-2.2.1-3] and an empty filter list [MQTT-3.8.3-2] are protocol violations.
 * - An invalid filter: v5 answers 0x8F for that filter; v3 closes the connection (the 3.1.1 rule
 *   for malformed packets, and Mosquitto's behaviour).
 * - `$share/<group>/<filter>` joins a share group, for v3.1.1 clients too; No Local on a shared
 *   subscription is a Protocol Error [MQTT-3.8.3-4]; retained messages are not sent to shared
 *   subscriptions (MQTT 5.0 §4.8.2).
 * - Topic rules (src/auth): a filter the client may not read as a whole is refused (v5 0x87, v3
 *   0x80); what a granted filter spans beyond the client's rights is filtered at each delivery.
 * - A new subscription to a filter the session already holds replaces it [MQTT-3.8.4-3].
 * - Retain Handling: 0 send retained messages, 1 only for a new subscription, 2 never
 *   [MQTT-3.3.1-9], [MQTT-3.3.1-10], [MQTT-3.3.1-11]; they go out with RETAIN=1 [MQTT-3.3.1-8] at
 *   min(retained QoS, granted QoS).
 */
import type { QoS, SubscribePacket } from '../../protocol/packets.js'
import { ProtocolError } from '../../protocol/errors.js'
import { validateProperties } from '../../protocol/properties.js'
import { ReasonCode, V3_SUBACK_FAILURE } from '../../protocol/reason-codes.js'
import { parseSharedFilter, validateTopicFilter } from '../../protocol/topic.js'
import { hasForbiddenCharacters } from '../../protocol/utf8.js'
import type { Connection } from '../connection.js'
import type { Engine } from '../engine.js'
import type { Session } from '../session/session.js'
import { type Subscription, makeSubscription } from '../router/subscription.js'

export function handleSubscribe (conn: Connection, packet: SubscribePacket): void {
  const engine = conn.engine
  const config = engine.config
  const session = conn.session
  if (session === null) return
  const v5 = conn.protocolVersion === 5
  const packetId = packet.messageId ?? 0
  if (packetId === 0) throw ProtocolError.protocol('MQTT-2.2.1-3', 'SUBSCRIBE with packet id 0')
  if (packet.subscriptions.length === 0) throw ProtocolError.protocol('MQTT-3.8.3-2', 'SUBSCRIBE without topic filters')
  if (v5) validateProperties('subscribe', packet.properties)
  const subscriptionId = packet.properties?.subscriptionIdentifier ?? 0

  const granted: number[] = []
  const retainedFor: Subscription[] = []
  for (const request of packet.subscriptions) {
    const filter = request.topic
    const shared = parseSharedFilter(filter)
    const topicFilter = shared === null || shared === 'invalid' ? filter : shared.filter
    const invalid = shared === 'invalid' ||
      validateTopicFilter(topicFilter, config.max_topic_length, config.max_topic_levels) !== null ||
      hasForbiddenCharacters(filter)
    if (invalid) {
      if (!v5) throw ProtocolError.malformed('MQTT-4.7.1-1', `invalid topic filter '${filter}'`)
      granted.push(ReasonCode.TopicFilterInvalid)
      continue
    }
    const shareGroup = shared === null ? null : shared.group
    if (shareGroup !== null && request.nl === true) {
      throw ProtocolError.protocol('MQTT-3.8.3-4', 'No Local on a shared subscription')
    }
    if (engine.access.restricted && !engine.access.decide(session, topicFilter, 'read', 'filter').allowed) {
      engine.log.debug({ clientId: conn.clientId, user: conn.username, filter }, 'SUBSCRIBE not authorized')
      granted.push(v5 ? ReasonCode.NotAuthorized : V3_SUBACK_FAILURE)
      continue
    }
    const existed = session.subscriptions.has(filter)
    if (!existed && config.max_subscriptions_per_client > 0 &&
        session.subscriptions.size >= config.max_subscriptions_per_client) {
      granted.push(v5 ? ReasonCode.QuotaExceeded : V3_SUBACK_FAILURE)
      continue
    }
    const qos = (request.qos > 2 ? 2 : request.qos) as QoS
    const sub = makeSubscription(session, {
      filter,
      qos,
      noLocal: request.nl === true,
      retainAsPublished: request.rap === true,
      retainHandling: (request.rh ?? 0) as 0 | 1 | 2,
      subscriptionId,
    })
    const previous = session.subscriptions.get(filter)
    if (previous !== undefined) engine.router.remove(previous)
    session.setSubscription(sub)
    engine.router.add(sub)
    granted.push(qos)
    if (shareGroup === null && (sub.retainHandling === 0 || (sub.retainHandling === 1 && !existed))) {
      retainedFor.push(sub)
    }
  }
  engine.sessions.save(session)
  // In a cluster, a SUBACK that added a filter waits until every node routes it here; the
  // retained messages follow it, as on a standalone broker.
  const settled = engine.cluster?.routesSettled() ?? null
  if (settled === null) {
    conn.send({ cmd: 'suback', messageId: packetId, granted })
    sendRetained(engine, session, retainedFor)
    return
  }
  void conn.sendAck({ cmd: 'suback', messageId: packetId, granted }, settled)?.then(() => {
    if (!conn.closed) sendRetained(engine, session, retainedFor)
  })
}

/** The retained messages matching `subs`, after their SUBACK [MQTT-3.3.1-6]. */
function sendRetained (engine: Engine, session: Session, subs: Subscription[]): void {
  const now = Date.now()
  for (const sub of subs) {
    engine.retained.match(sub.topicFilter, now, (msg) => {
      if (sub.noLocal && msg.origin === session.clientId) return
      if (!engine.canDeliver(session, msg.topic)) return
      const qos = (msg.qos < sub.qos ? msg.qos : sub.qos) as QoS
      session.deliver(msg, qos, true, sub.subscriptionId === 0 ? null : [sub.subscriptionId], now)
    })
  }
}
