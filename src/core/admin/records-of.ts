/** Engine objects → the admin API's plain records (sessions, subscriptions, retained messages). */
import type { Connection } from '../connection.js'
import type { Message } from '../../protocol/message.js'
import type { Subscription } from '../router/subscription.js'
import type { Session } from '../session/session.js'
import { PROTOCOL_NAMES } from '../../protocol/packets.js'
import type { ClientDetail, ClientSummary, RetainedSummary, SubscriptionSummary } from './records.js'

/** ISO 8601 of ms since the epoch, or null for 0. */
export function isoOrNull (ms: number): string | null {
  return ms === 0 ? null : new Date(ms).toISOString()
}

export function clientSummary (session: Session): ClientSummary {
  const conn: Connection | null = session.online ? session.connection : null
  return {
    client_id: session.clientId,
    user: session.username ?? null,
    peer: conn?.peer ?? null,
    listener: conn?.info.listener ?? null,
    protocol: PROTOCOL_NAMES[session.protocolVersion],
    state: conn !== null ? 'online' : 'offline',
    connected_at: conn !== null ? new Date(conn.openedAt).toISOString() : null,
    disconnected_at: isoOrNull(session.disconnectedAt),
    keepalive: conn?.keepalive ?? null,
    clean: !session.persistent,
    session_expiry: session.expiryInterval,
    subscriptions: session.subscriptions.size,
    inflight: session.outbound.inflightCount,
    queued: session.outbound.queuedCount,
    queued_bytes: session.outbound.queuedBytes,
    queue_dropped: session.queueDropped,
    output_dropped: session.outputDropped,
    messages_in: conn?.messagesIn ?? 0,
    messages_out: conn?.messagesOut ?? 0,
  }
}

/** The summary with the session's subscriptions, its will and the limits of its connection (null offline). */
export function clientDetail (session: Session): ClientDetail {
  const conn = session.online ? session.connection : null
  const will = conn?.will ?? null
  return {
    ...clientSummary(session),
    subscriptions_list: [...session.subscriptions.values()].map(subscriptionSummary),
    will: will === null ? null : { topic: will.topic, qos: will.qos, retain: will.retain, delay_s: will.delay },
    receive_maximum: conn === null ? null : session.outbound.window,
    maximum_packet_size: conn === null ? null : conn.maxOutgoingPacketSize,
    topic_alias_maximum: conn === null ? null : conn.clientTopicAliasMaximum,
  }
}

export function subscriptionSummary (sub: Subscription): SubscriptionSummary {
  return {
    client_id: sub.clientId,
    filter: sub.filter,
    qos: sub.qos,
    no_local: sub.noLocal,
    retain_as_published: sub.retainAsPublished,
    retain_handling: sub.retainHandling,
    share_group: sub.shareGroup,
    subscription_id: sub.subscriptionId === 0 ? null : sub.subscriptionId,
  }
}

/** Payload bytes as a short printable preview. */
export function payloadPreview (payload: Buffer, max = 40): string {
  const text = payload.subarray(0, max).toString('utf8').replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '.')
  return payload.length > max ? `${text}…` : text
}

export function retainedSummary (msg: Message): RetainedSummary {
  return {
    topic: msg.topic,
    qos: msg.qos,
    size: msg.payload.length,
    preview: payloadPreview(msg.payload),
    received_at: new Date(msg.receivedAt).toISOString(),
    expires_at: isoOrNull(msg.expiresAt),
  }
}
