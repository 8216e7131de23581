/**
 * Moving a session between nodes of a cluster (the core's half; src/cluster carries the bytes).
 *
 * `handOver()` runs on the node that holds a client id when another node's CONNECT claims it: the
 * live connection is closed (v5 DISCONNECT 0x8E Session taken over [MQTT-3.1.4-3]), and a
 * persistent session that the new connection resumes is given up whole — subscriptions, inflight
 * messages (resent with DUP there), inbound QoS 2 ids, queued messages — and forgotten here
 * (its routes go, its store entries go, no will fires: the client came back [MQTT-3.1.3-9]). With
 * Clean Start the session ends here as it would on one node (the old connection's will is published).
 *
 * `adopt()` runs on the claiming node before the usual attach: the handed session is written to
 * this node's store and restored, so attach resumes it (session present = 1).
 */
import { CloseReason } from '../close-reason.js'
import type { Engine } from '../engine.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import type { InflightRecord, QueuedDelivery, SessionRecord } from '../../store/store.js'

/** A persistent session given up by one node for another. */
export interface HandedSession {
  /** With `inflight` and `incomingQos2` filled. */
  readonly record: SessionRecord
  readonly queued: readonly QueuedDelivery[]
}

export type HandOverAnswer =
  | { readonly found: false }
  | { readonly found: true; readonly session: HandedSession | null }
  /** The session belongs to another user (and takeover across users is off): nothing was touched. */
  | { readonly found: true; readonly refused: true }

export function handOver (engine: Engine, clientId: string, username: string | undefined, cleanStart: boolean): HandOverAnswer {
  let session = engine.sessions.get(clientId)
  if (session === undefined) return { found: false }
  if (session.username !== username && !engine.config.allow_client_id_takeover_across_users) return { found: true, refused: true }
  engine.wills.cancel(clientId) // a new connection for the id cancels a pending delayed will
  const conn = session.connection
  if (conn !== null) {
    engine.log.info({ clientId, peer: conn.peer }, 'session taken over by another node')
    if (!cleanStart && session.persistent) conn.will = null // the session lives on there
    conn.close(CloseReason.SessionTakenOver, ReasonCode.SessionTakenOver)
    session = engine.sessions.get(clientId) // closing ended a non-persistent session
  }
  if (session === undefined) return { found: true, session: null }
  if (cleanStart || !session.persistent) {
    engine.sessions.discard(session)
    return { found: true, session: null }
  }
  const base = session.toRecord()
  const inflight: InflightRecord[] = []
  for (const e of session.outbound.inflightEntries()) {
    inflight.push({ msg: e.msg, qos: e.qos, retain: e.retain, subscriptionIds: e.subscriptionIds, packetId: e.packetId, state: e.state })
  }
  const queued: QueuedDelivery[] = []
  const queue = engine.store.queue(clientId)
  for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) queued.push(entry)
  const record: SessionRecord = {
    ...base,
    disconnectedAt: base.disconnectedAt === 0 ? Date.now() : base.disconnectedAt,
    inflight,
    incomingQos2: session.inboundQos2Ids(),
  }
  engine.sessions.discard(session)
  return { found: true, session: { record, queued } }
}

/** Writes a handed session to this node's store and restores it (offline, ready for attach). */
export function adopt (engine: Engine, handed: HandedSession, now: number): void {
  const { record, queued } = handed
  const store = engine.store
  const existing = engine.sessions.get(record.clientId)
  if (existing !== undefined) engine.sessions.discard(existing)
  store.saveSession(record)
  for (const r of record.inflight ?? []) store.putInflight(record.clientId, r)
  for (const id of record.incomingQos2 ?? []) store.putIncomingQos2(record.clientId, id)
  const queue = store.queue(record.clientId)
  for (const entry of queued) queue.push(entry)
  engine.sessions.restore(record, now)
}
