/**
 * PUBLISH from a client: guard → validate → accept (route) → acknowledge.
 *
 * Validation: QoS 0 with DUP [MQTT-3.3.1-2]; packet id 0 [MQTT-2.2.1-3]; v5 properties; topic alias
 * resolution [MQTT-3.3.2-10..12] with the alias bounded by our Topic Alias Maximum [MQTT-3.3.2-9];
 * no wildcards or empty topic [MQTT-3.3.2-2], [MQTT-4.7.3-1]; the Receive Maximum we announced
 * [MQTT-3.3.4-9] (DISCONNECT 0x93).
 * Refusals are acks, not errors: a topic the client may not publish on (topic rules, or `$SYS`) is
 * answered 0x87 and not routed (v3: acknowledged and dropped, as v3 has no way to say no); no
 * subscribers 0x10 (v5 PUBACK/PUBREC only); QoS 0 refusals are silent drops.
 * A payload flagged as UTF-8 (Payload Format Indicator 1) is forwarded as it is, not checked: the
 * check is the receiver's to make (MQTT 5.0 §3.3.2.3.2), and Mosquitto does not make it either.
 * QoS 2 follows method A of MQTT 5.0 §4.3.3: route on PUBLISH, remember the packet id until PUBREL,
 * and answer a re-sent PUBLISH with that id with PUBREC only — never a second delivery [MQTT-4.3.3-9].
 */
import type { PublishPacket } from '../../protocol/packets.js'
import { ProtocolError } from '../../protocol/errors.js'
import { validateProperties } from '../../protocol/properties.js'
import { ReasonCode, type ReasonCodeValue } from '../../protocol/reason-codes.js'
import { validateTopicName } from '../../protocol/topic.js'
import { CloseReason } from '../close-reason.js'
import type { Connection } from '../connection.js'
import { type Message, forwardableProperties } from '../../protocol/message.js'
import { hasForbiddenCharacters } from '../../protocol/utf8.js'

export function handlePublish (conn: Connection, packet: PublishPacket): void {
  const engine = conn.engine
  const config = engine.config
  const session = conn.session
  if (session === null) return
  engine.counters.publishReceived++
  conn.messagesIn++
  const qos = packet.qos
  const packetId = packet.messageId ?? 0
  if (qos === 0 && packet.dup) throw ProtocolError.malformed('MQTT-3.3.1-2', 'DUP set on a QoS 0 PUBLISH')
  if (qos > 0 && packetId === 0) throw ProtocolError.protocol('MQTT-2.2.1-3', 'QoS > 0 PUBLISH with packet id 0')

  let topic = packet.topic
  const props = packet.properties
  if (conn.protocolVersion === 5 && props !== undefined) {
    validateProperties('publish', props)
    const alias = props.topicAlias
    if (alias !== undefined) {
      if (alias > conn.topicAliasMaximum) {
        throw new ProtocolError(ReasonCode.TopicAliasInvalid, 'MQTT-3.3.2-9', `Topic Alias ${alias} above maximum ${conn.topicAliasMaximum}`)
      }
      if (topic === '') {
        const known = conn.inboundAliases?.get(alias)
        if (known === undefined) throw ProtocolError.protocol('MQTT-3.3.2-12', `Topic Alias ${alias} not defined`)
        topic = known
      } else {
        (conn.inboundAliases ??= new Map()).set(alias, topic)
      }
    }
  }
  // MQTT 5.0 §3.3.2.1: an empty Topic Name without a Topic Alias is a Protocol Error (0x82), not 0x90.
  if (topic === '') throw ProtocolError.protocol('MQTT-4.7.3-1', 'empty topic name and no Topic Alias')
  const topicError = validateTopicName(topic, config.max_topic_length, config.max_topic_levels)
  if (topicError !== null || hasForbiddenCharacters(topic)) {
    throw new ProtocolError(ReasonCode.TopicNameInvalid, 'MQTT-3.3.2-2', `invalid topic name (${topicError ?? 'control character'})`)
  }

  if (qos === 2) {
    if (session.hasInboundQos2(packetId)) {
      // A re-sent QoS 2 PUBLISH we already routed: acknowledge again, deliver nothing [MQTT-4.3.3-9].
      conn.send({ cmd: 'pubrec', messageId: packetId })
      return
    }
    if (conn.protocolVersion === 5 && session.inboundQos2Count >= config.max_inflight) {
      conn.close(CloseReason.ReceiveMaximumExceeded, ReasonCode.ReceiveMaximumExceeded) // [MQTT-3.3.4-9]
      return
    }
  }

  if (!engine.canPublish(session, topic)) {
    engine.log.debug({ clientId: conn.clientId, user: conn.username, topic }, 'PUBLISH not authorized')
    refuse(conn, qos, packetId, ReasonCode.NotAuthorized)
    return
  }

  const payload = packet.payload as Buffer

  const now = Date.now()
  const expiry = props?.messageExpiryInterval
  const msg: Message = {
    topic,
    payload,
    qos,
    retain: packet.retain,
    properties: conn.protocolVersion === 5 ? forwardableProperties(props) : undefined,
    expiresAt: expiry !== undefined && expiry > 0 ? now + expiry * 1000 : 0,
    origin: conn.clientId,
    receivedAt: now,
  }
  if (engine.tracer.active) engine.tracer.stampArrival(msg) // µs arrival, for the latency of its deliveries
  const mark = engine.durabilityMark()
  const delivered = engine.publish(msg, now)
  if (qos === 0) return
  const rc = delivered === 0 && conn.protocolVersion === 5 ? ReasonCode.NoMatchingSubscribers : ReasonCode.Success
  if (qos === 2) {
    session.addInboundQos2(packetId) // recorded before PUBREC leaves [MQTT-4.3.3-9]
    // and stored for a persistent session, so a re-sent PUBLISH after a restart is not routed again
    if (session.persistent) engine.store.putIncomingQos2(session.clientId, packetId)
  }
  // Acknowledged only once the message is durable wherever it was stored (Engine.durableSince).
  conn.sendAck({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: packetId, reasonCode: rc }, engine.durableSince(mark))
}

/** An expected refusal: v5 ack with the reason for QoS 1/2, silence for QoS 0 and v3. */
function refuse (conn: Connection, qos: number, packetId: number, rc: ReasonCodeValue): void {
  conn.engine.counters.publishDropped++
  if (qos === 0) return
  if (conn.protocolVersion !== 5) {
    // v3 has no way to say no: acknowledge so the client does not resend for ever.
    if (qos === 2) conn.session?.addInboundQos2(packetId)
    conn.sendAck({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: packetId }, null)
    return
  }
  conn.sendAck({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: packetId, reasonCode: rc }, null)
}
