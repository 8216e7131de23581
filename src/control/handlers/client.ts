/** `client.list`, `client.show`, `client.kick` and `subscription.list`. */
import { CloseReason } from '../../core/close-reason.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import { validateTopicName } from '../../protocol/topic.js'
import { ControlError, type ControlServer } from '../server.js'
import { ControlErrorCode, type ClientDetail, type SubscriptionSummary } from '../schema.js'
import type { BrokerView } from './context.js'
import { clientSummary, subscriptionSummary } from './format.js'

export function registerClientHandlers (server: ControlServer, broker: BrokerView): void {
  const engine = broker.engine

  server.handle('client.list', ({ state = 'all' }) => {
    const items = []
    for (const session of engine.sessions.values()) {
      if (state === 'online' && !session.online) continue
      if (state === 'offline' && session.online) continue
      items.push(clientSummary(session))
    }
    return { items, total: items.length }
  })

  server.handle('client.show', ({ client_id: clientId }) => {
    const session = engine.sessions.get(clientId)
    if (session === undefined) throw new ControlError(ControlErrorCode.NotFound, `no session for client id '${clientId}'`)
    const conn = session.online ? session.connection : null
    const will = conn?.will ?? null
    const detail: ClientDetail = {
      ...clientSummary(session),
      subscriptions_list: [...session.subscriptions.values()].map(subscriptionSummary),
      will: will === null ? null : { topic: will.topic, qos: will.qos, retain: will.retain, delay_s: will.delay },
      receive_maximum: conn === null ? null : session.outbound.window,
      maximum_packet_size: conn === null ? null : conn.maxOutgoingPacketSize,
      topic_alias_maximum: conn === null ? null : conn.clientTopicAliasMaximum,
    }
    return detail
  })

  server.handle('client.kick', ({ client_id: clientId, discard_session: discard = false }) => {
    const session = engine.sessions.get(clientId)
    if (session === undefined) throw new ControlError(ControlErrorCode.NotFound, `no session for client id '${clientId}'`)
    const conn = session.online ? session.connection : null
    if (discard) session.expiryInterval = 0 // the session then ends with its connection
    conn?.close(CloseReason.AdministrativeAction, ReasonCode.AdministrativeAction)
    if (discard && conn === null) engine.sessions.discard(session)
    return { client_id: clientId, kicked: conn !== null, session_discarded: discard }
  })

  server.handle('subscription.list', ({ client_id: clientId, match }) => {
    let items: SubscriptionSummary[]
    if (match !== undefined) {
      if (validateTopicName(match, engine.config.max_topic_length, engine.config.max_topic_levels) !== null) {
        throw new ControlError(ControlErrorCode.Invalid, `'${match}' is not a valid topic name (no wildcards)`)
      }
      items = engine.router.subscribersOf(match).map(subscriptionSummary)
      if (clientId !== undefined) items = items.filter((s) => s.client_id === clientId)
    } else if (clientId !== undefined) {
      const session = engine.sessions.get(clientId)
      if (session === undefined) throw new ControlError(ControlErrorCode.NotFound, `no session for client id '${clientId}'`)
      items = [...session.subscriptions.values()].map(subscriptionSummary)
    } else {
      items = []
      for (const session of engine.sessions.values()) {
        for (const sub of session.subscriptions.values()) items.push(subscriptionSummary(sub))
      }
    }
    return { items, total: items.length }
  })
}
