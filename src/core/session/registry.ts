/**
 * SessionRegistry: client id → Session, and the session lifecycle (MQTT 5.0 §4.1, §3.1.2.4).
 *
 * 1. `attach()` on CONNECT: a live connection holding the client id is closed first with
 *    DISCONNECT 0x8E [MQTT-3.1.4-3]; Clean Start discards any old session [MQTT-3.1.2-4], otherwise
 *    it is resumed [MQTT-3.1.2-5] (session present = 1 [MQTT-3.2.2-2]); a pending delayed will is
 *    cancelled when the session resumes [MQTT-3.1.3-9].
 * 2. `detach()` when the connection closes: a session with expiry 0 ends now ([MQTT-3.1.2-6] in
 *    3.1.1, MQTT 5.0 §3.1.2.11.2); others get a timer (none for "never expires").
 * 3. `discard()`: subscriptions leave the router, queues are dropped, a delayed will fires.
 */
import type { Connection } from '../connection.js'
import type { Engine } from '../engine.js'
import { CloseReason } from '../close-reason.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
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

  /** Binds `conn` to the session of `clientId`, creating or resuming it. */
  attach (conn: Connection, clientId: string, cleanStart: boolean, expiryInterval: number, now: number): { session: Session; present: boolean } {
    let existing = this.sessions.get(clientId)
    if (existing?.connection != null && existing.connection !== conn) {
      this.engine.log.info({ clientId, peer: existing.connection.peer }, 'session taken over')
      existing.connection.close(CloseReason.SessionTakenOver, ReasonCode.SessionTakenOver)
      existing = this.sessions.get(clientId) // closing may have ended a non-persistent session
    }
    let present = false
    let session: Session
    if (existing !== undefined && !cleanStart) {
      session = existing
      present = true
      this.engine.wills.cancel(clientId)
      if (session.expiryTimer !== null) {
        clearTimeout(session.expiryTimer)
        session.expiryTimer = null
      }
    } else {
      if (existing !== undefined) this.discard(existing)
      session = new Session(this.engine, clientId, now)
      this.sessions.set(clientId, session)
    }
    session.connection = conn
    session.expiryInterval = expiryInterval
    session.protocolVersion = conn.protocolVersion
    session.username = conn.username
    session.disconnectedAt = 0
    return { session, present }
  }

  /** The session's connection closed: end the session or start its expiry clock. */
  detach (session: Session, now: number): void {
    session.connection = null
    session.disconnectedAt = now
    if (session.expiryInterval === 0) {
      this.discard(session)
    } else if (session.expiryInterval !== NEVER_EXPIRES) {
      session.expiryTimer = setTimeout(() => {
        session.expiryTimer = null
        this.engine.counters.sessionsExpired++
        this.discard(session)
      }, session.expiryInterval * 1000)
      session.expiryTimer.unref()
    }
  }

  /** Ends a session: unsubscribes everything, drops its queues, fires a delayed will. */
  discard (session: Session): void {
    if (this.sessions.get(session.clientId) !== session) return
    this.sessions.delete(session.clientId)
    if (session.expiryTimer !== null) {
      clearTimeout(session.expiryTimer)
      session.expiryTimer = null
    }
    for (const sub of session.subscriptions.values()) this.engine.router.remove(sub)
    session.subscriptions.clear()
    session.outbound.clear()
    session.inboundQos2.clear()
    this.engine.wills.fireNow(session.clientId)
  }

  /** Stops every expiry timer (broker shutdown). */
  clearTimers (): void {
    for (const session of this.sessions.values()) {
      if (session.expiryTimer !== null) clearTimeout(session.expiryTimer)
      session.expiryTimer = null
    }
  }
}
