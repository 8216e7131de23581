/**
 * Subscription: one topic filter held by one session, with its MQTT 5 options (MQTT 5.0 §3.8.3.1).
 * The same object is referenced from the session's map and from the router's topic tree.
 */
import type { QoS } from '../../protocol/packets.js'
import { parseSharedFilter } from '../../protocol/topic.js'
import type { SubscriptionRecord } from '../../store/store.js'
import type { Session } from '../session/session.js'

export interface Subscription {
  /** Owner session (the same object for the session's whole life). */
  readonly session: Session
  readonly clientId: string
  /** The filter exactly as subscribed, including a `$share/<group>/` prefix: the session's key. */
  readonly filter: string
  /** The filter matched against topics (without the share prefix). */
  readonly topicFilter: string
  /** Share group name for `$share/<group>/<filter>`, else null. */
  readonly shareGroup: string | null
  /** Maximum QoS granted. */
  qos: QoS
  /** Do not send the subscriber its own messages [MQTT-3.8.3-3]. */
  noLocal: boolean
  /** Keep the RETAIN flag as published when forwarding [MQTT-3.3.1-12]. */
  retainAsPublished: boolean
  /** 0 send retained on subscribe, 1 only if new, 2 never [MQTT-3.3.1-9..11]. */
  retainHandling: 0 | 1 | 2
  /** Subscription Identifier (v5), 0 when none. */
  subscriptionId: number
}

/** Builds the subscription of `session` described by `record` (a validated filter). */
export function makeSubscription (session: Session, record: SubscriptionRecord): Subscription {
  const shared = parseSharedFilter(record.filter)
  const isShared = shared !== null && shared !== 'invalid'
  return {
    session,
    clientId: session.clientId,
    filter: record.filter,
    topicFilter: isShared ? shared.filter : record.filter,
    shareGroup: isShared ? shared.group : null,
    qos: record.qos,
    noLocal: record.noLocal,
    retainAsPublished: record.retainAsPublished,
    retainHandling: record.retainHandling,
    subscriptionId: record.subscriptionId,
  }
}
