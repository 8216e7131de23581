/**
 * UNSUBSCRIBE: removes the session's subscriptions whose filter is exactly the one given
 * [MQTT-3.10.4-1] and always answers UNSUBACK [MQTT-3.10.4-4]; v5 gives a reason per filter
 * (0x00, 0x11 No subscription existed, 0x8F invalid filter) [MQTT-3.11.3-1]. v3 closes on an invalid
 * filter, like SUBSCRIBE.
 */
import type { UnsubscribePacket } from '../../protocol/packets.js'
import { ProtocolError } from '../../protocol/errors.js'
import { validateProperties } from '../../protocol/properties.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import { parseSharedFilter, validateTopicFilter } from '../../protocol/topic.js'
import type { Connection } from '../connection.js'

export function handleUnsubscribe (conn: Connection, packet: UnsubscribePacket): void {
  const engine = conn.engine
  const config = engine.config
  const session = conn.session
  if (session === null) return
  const v5 = conn.protocolVersion === 5
  const packetId = packet.messageId ?? 0
  if (packetId === 0) throw ProtocolError.protocol('MQTT-2.2.1-3', 'UNSUBSCRIBE with packet id 0')
  if (packet.unsubscriptions.length === 0) throw ProtocolError.protocol('MQTT-3.10.3-2', 'UNSUBSCRIBE without topic filters')
  if (v5) validateProperties('unsubscribe', packet.properties)

  const codes: number[] = []
  for (const filter of packet.unsubscriptions) {
    const shared = parseSharedFilter(filter)
    const topicFilter = shared === null || shared === 'invalid' ? filter : shared.filter
    if (shared === 'invalid' || validateTopicFilter(topicFilter, config.max_topic_length, config.max_topic_levels) !== null) {
      if (!v5) throw ProtocolError.malformed('MQTT-4.7.1-1', `invalid topic filter '${filter}'`)
      codes.push(ReasonCode.TopicFilterInvalid)
      continue
    }
    const sub = session.subscriptions.get(filter)
    if (sub === undefined) {
      codes.push(ReasonCode.NoSubscriptionExisted)
      continue
    }
    session.deleteSubscription(filter)
    engine.router.remove(sub)
    codes.push(ReasonCode.Success)
  }
  engine.sessions.save(session)
  conn.send(v5 ? { cmd: 'unsuback', messageId: packetId, granted: codes } : { cmd: 'unsuback', messageId: packetId, granted: [] })
}
