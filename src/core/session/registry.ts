/**
 * SessionRegistry: client id → Session, and the session lifecycle (MQTT 5.0 §4.1, §3.1.2.4).
 *
 * 1. `attach()` on CONNECT: a live connection holding the client id is closed first with
 *    DISCONNECT 0x8E [MQTT-3.1.4-3]; Clean Start discards any old session [MQTT-3.1.2-4], otherwise
 *    it is resumed [MQTT-3.1.2-5] (session present = 1 [MQTT-3.2.2-2]). A pending delayed will is
 *    cancelled by any new connection for the client id [MQTT-3.1.3-9]; a connection taken over
 *    leaves its will unpublished when its session is resumed, and published when it ends (as
 *    Mosquitto decides).
 * 2. `detach()` when the connection closes: a session with expiry 0 ends now ([MQTT-3.1.2-6] in
 *    3.1.1, MQTT 5.0 §3.1.2.11.2); others get a timer (none for "never expires").
 * 3. `discard()`: subscriptions leave the router, queues are dropped, a delayed will fires.
 * 4. `restore()` at start-up: a stored session comes back offline, with its subscriptions, its
 *    inflight messages, its inbound QoS 2 packet ids and the rest of its expiry interval.
 * Persistent sessions are written to the Store at each change (`save()`); the queue of a
 * persistent session is the Store's, that of a session ending with its connection a MemoryQueue.
 */
import type { Connection } from '../connection.js'
import type { Engine } from '../engine.js'
import { CloseReason } from '../close-reason.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import { MemoryQueue } from '../../store/memory.js'
import type { SessionRecord } from '../../store/store.js'
import { makeSubscription } from '../router/subscription.js'
import { setLongTimeout } from '../timers.js'
import { NEVER_EXPIRES, Session } from './session.js'

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>()

  constructor (private readonly engine: Engine) {}

  get size (): number {
    return this.sessions.size
  }

  get (clientId: string): Session | undefined {
    return this.sessions.get(clientId)
  }

  values (): IterableIterator<Session> {
    return this.sessions.values()
  }

  /** Sums over every session in one pass, for `state` and `$SYS`. */
  totals (): { online: number; inflight: number; queued: number; queuedBytes: number } {
    let online = 0
    let inflight = 0
    let queued = 0
    let queuedBytes = 0
    for (const session of this.sessions.values()) {
      if (session.online) online++
      inflight += session.outbound.inflightCount
      queued += session.outbound.queuedCount
      queuedBytes += session.outbound.queuedBytes
    }
    return { online, inflight, queued, queuedBytes }
  }

  /** Binds `conn` to the session of `clientId`, creating or resuming it. */
  attach (conn: Connection, clientId: string, cleanStart: boolean, expiryInterval: number, now: number): { session: Session; present: boolean } {
    // A will still waiting for its delay is cancelled by any new connection, even one that starts
    // clean: the client came back [MQTT-3.1.3-9].
    this.engine.wills.cancel(clientId)
    let existing = this.sessions.get(clientId)
    if (existing?.connection != null && existing.connection !== conn) {
      this.engine.log.info({ clientId, peer: existing.connection.peer }, 'session taken over')
      // The old connection's will: dropped when its session lives on in the new connection; published
      // when the session ends with it (Clean Start, or a session that ends with its connection).
      if (!cleanStart && existing.persistent) existing.connection.will = null
      existing.connection.close(CloseReason.SessionTakenOver, ReasonCode.SessionTakenOver)
      existing = this.sessions.get(clientId) // closing may have ended a non-persistent session
    }
    let present = false
    let session: Session
    if (existing !== undefined && !cleanStart) {
      session = existing
      present = true
      session.expiryTimer?.cancel()
      session.expiryTimer = null
    } else {
      if (existing !== undefined) this.discard(existing)
      const queue = expiryInterval > 0 ? this.engine.store.queue(clientId) : new MemoryQueue()
      session = new Session(this.engine, clientId, now, queue)
      this.sessions.set(clientId, session)
    }
    session.connection = conn
    session.expiryInterval = expiryInterval
    session.protocolVersion = conn.protocolVersion
    if (session.username !== conn.username) session.acl = null // decisions were for another user
    session.username = conn.username
    session.disconnectedAt = 0
    this.save(session)
    return { session, present }
  }

  /** Writes a persistent session (and its subscriptions) to the Store. */
  save (session: Session): void {
    if (session.persistent) this.engine.store.saveSession(session)
  }

  /** Brings back a stored session, offline, at start-up. Expired ones are deleted instead. */
  restore (record: SessionRecord, now: number): void {
    const store = this.engine.store
    // disconnectedAt 0: it was connected when the broker stopped (a crash), so its clock starts now
    const disconnectedAt = record.disconnectedAt === 0 ? now : record.disconnectedAt
    const left = record.expiryInterval === NEVER_EXPIRES ? Infinity : record.expiryInterval * 1000 - (now - disconnectedAt)
    if (left <= 0 || record.expiryInterval === 0) {
      store.deleteSession(record.clientId)
      return
    }
    const session = new Session(this.engine, record.clientId, now, store.queue(record.clientId))
    session.expiryInterval = record.expiryInterval
    session.protocolVersion = record.protocolVersion
    session.username = record.username
    session.disconnectedAt = disconnectedAt
    // unacknowledged deliveries, resent with DUP on resume, and inbound QoS 2 ids awaiting PUBREL
    if (record.inflight !== undefined) session.outbound.restoreInflight(record.inflight)
    for (const id of record.incomingQos2 ?? []) session.addInboundQos2(id)
    for (const sub of record.subscriptions) {
      const subscription = makeSubscription(session, sub)
      session.setSubscription(subscription)
      this.engine.router.add(subscription)
    }
    this.sessions.set(record.clientId, session)
    if (left !== Infinity) this.startExpiry(session, left)
  }

  /** The session's connection closed: end the session or start its expiry clock. */
  detach (session: Session, now: number): void {
    session.connection = null
    session.disconnectedAt = now
    if (session.expiryInterval === 0) {
      this.discard(session)
      return
    }
    this.save(session)
    if (session.expiryInterval !== NEVER_EXPIRES) this.startExpiry(session, session.expiryInterval * 1000)
  }

  private startExpiry (session: Session, ms: number): void {
    session.expiryTimer = setLongTimeout(() => {
      session.expiryTimer = null
      this.engine.counters.sessionsExpired++
      this.discard(session)
    }, ms)
  }

  /** Ends a session: unsubscribes everything, drops its queues, fires a delayed will. */
  discard (session: Session): void {
    if (this.sessions.get(session.clientId) !== session) return
    this.sessions.delete(session.clientId)
    session.expiryTimer?.cancel()
    session.expiryTimer = null
    for (const sub of session.subscriptions.values()) this.engine.router.remove(sub)
    session.clearSubscriptions()
    session.outbound.clear()
    session.clearInboundQos2()
    this.engine.store.deleteSession(session.clientId)
    this.engine.wills.fireNow(session.clientId)
    this.engine.cluster?.releaseClient(session.clientId)
  }

  /** Forgets a session without its will (another node of the cluster holds the client id now). */
  forget (session: Session): void {
    this.engine.wills.cancel(session.clientId)
    this.discard(session)
  }

  /** Stops every expiry timer (broker shutdown). */
  clearTimers (): void {
    for (const session of this.sessions.values()) {
      session.expiryTimer?.cancel()
      session.expiryTimer = null
    }
  }
}
