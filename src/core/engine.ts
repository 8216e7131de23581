/**
 * Engine: the MQTT engine's shared state and the few operations that span its parts. One per
 * broker; every Connection holds a reference to it.
 *
 * It owns the session registry, the router, retained messages, delayed wills, the counters and the
 * set of open connections, and runs the one-per-second sweep (keep alive, write timeout, and the
 * store's health, logged when it changes). Listeners (src/broker.ts)
 * hand it accepted streams through `accept()`; handlers publish through `publish()`.
 */
import type { Duplex } from 'node:stream'
import { randomBytes } from 'node:crypto'
import { AccessControl, AclCache } from '../auth/access-control.js'
import { PasswordChecks } from '../auth/password-checks.js'
import { isSysTopic } from '../auth/topic-rules.js'
import type { Config } from '../config/types.js'
import type { Logger } from '../log.js'
import { Counters } from '../metrics/counters.js'
import { ReasonCode } from '../protocol/reason-codes.js'
import type { Store } from '../store/store.js'
import type { ConnectionInfo } from '../transport/listener.js'
import { Admission } from './admission.js'
import { CloseReason } from './close-reason.js'
import { Connection } from './connection.js'
import { sweepConnections } from './keepalive.js'
import type { Message } from '../protocol/message.js'
import type { Session } from './session/session.js'
import { RetainedMessages } from './retained.js'
import { Router } from './router/router.js'
import { SessionRegistry } from './session/registry.js'
import { NO_TRACE, type TraceHooks } from './trace-hooks.js'
import type { ClusterPort } from './cluster-port.js'
import { WillScheduler } from './will.js'

export class Engine {
  readonly counters = new Counters()
  /** Live tracing; hot paths check `tracer.active` (false when no trace runs) before any hook. */
  readonly tracer: TraceHooks
  readonly sessions: SessionRegistry
  readonly router: Router
  readonly retained: RetainedMessages
  readonly wills: WillScheduler
  /** Accounts, IP rules and topic rules (src/auth), loaded from the Store by `restore()`. */
  readonly access: AccessControl
  /** Password checks: off the event loop, bounded, with back-off and a cache of recent logins. */
  readonly passwords: PasswordChecks
  readonly connections = new Set<Connection>()
  /** Refusal episodes (max_connections, descriptors), logged once each. */
  readonly admission: Admission
  readonly startedAt = Date.now()
  /** The cluster this broker is a node of (src/cluster sets it before restore); null when standalone. */
  cluster: ClusterPort | null = null
  /** durableSince's last combined promise, and the two flushes it waits for. */
  private durableStore: Promise<void> | null = null
  private durableCluster: Promise<void> | null = null
  private durableBoth: Promise<void> | null = null
  private sweepTimer: NodeJS.Timeout | null = null
  /** The store's error at the last sweep: its changes are logged once each, not per failed write. */
  private storeError: string | null = null
  private stopping = false

  constructor (readonly config: Config, readonly log: Logger, readonly store: Store, tracer: TraceHooks = NO_TRACE) {
    this.tracer = tracer
    this.retained = new RetainedMessages(store)
    this.sessions = new SessionRegistry(this)
    this.router = new Router(this)
    this.wills = new WillScheduler(this)
    this.access = new AccessControl(store)
    this.passwords = new PasswordChecks(config, log)
    this.access.onAccountChange = (username) => { this.passwords.cache.forget(username) }
    this.admission = new Admission(this.counters, log)
  }

  /** Reads the state kept in the Store back into memory (before any listener accepts). */
  async restore (): Promise<void> {
    await this.access.load()
    const now = Date.now()
    for await (const msg of this.store.loadRetained()) this.retained.restore(msg, now)
    for await (const record of this.store.loadSessions()) this.sessions.restore(record, now)
    await this.wills.restore()
  }

  /** Starts the keep alive / CONNECT timeout sweep. */
  start (): void {
    this.sweepTimer = setInterval(() => {
      sweepConnections(this.connections, this.config.connect_timeout, this.config.write_timeout, Date.now())
      this.watchStore()
    }, 1000)
    this.sweepTimer.unref()
  }

  /** Logs when the store stops being able to write, and when it can again. */
  private watchStore (): void {
    const error = this.store.error
    if (error === this.storeError) return
    if (error !== null) {
      this.log.error({ store: this.store.kind, reason: error }, 'the store cannot write: QoS 1/2 messages are not acknowledged as stored (v5: 0x97) until it can; it retries every second')
    } else {
      this.log.info({ store: this.store.kind, unstored: this.counters.publishUnstored }, 'the store writes again')
    }
    this.storeError = error
  }

  /**
   * Takes a freshly accepted stream; refuses it (closed at once) when stopping or when
   * max_connections is reached (by default derived from the descriptor limit: config/defaults.ts).
   */
  accept (stream: Duplex, info: ConnectionInfo): Connection | null {
    if (this.stopping) {
      this.counters.connectionsRefused++
      stream.destroy()
      return null
    }
    const limit = this.config.max_connections
    if (limit > 0 && this.connections.size >= limit) {
      this.admission.refusedAtLimit(limit)
      stream.destroy()
      return null
    }
    this.admission.admitted()
    this.counters.connectionsAccepted++
    const conn = new Connection(this, stream, info)
    this.connections.add(conn)
    if (this.connections.size > this.counters.connectionsMaximum) this.counters.connectionsMaximum = this.connections.size
    return conn
  }

  /**
   * Durability of acknowledgements, decided here only. A handler takes a mark before its packet
   * changes durable state (a persistent session's queue or inflight entry, the retained store, an
   * inbound QoS 2 id); `durableSince(mark)` is then the group commit that carries those changes,
   * which the acknowledgement waits for (Connection.sendAck), or null when nothing was stored.
   * One commit serves every packet of the tick.
   */
  durabilityMark (): number {
    const cluster = this.cluster
    return cluster === null ? this.store.changeCount : this.store.changeCount + cluster.changeCount
  }

  /** In a cluster, the copies handed to other nodes count too (ClusterPort.flush: in Redis). */
  durableSince (mark: number): Promise<void> | null {
    const cluster = this.cluster
    if (cluster === null) return this.store.changeCount !== mark ? this.store.flush() : null
    if (this.store.changeCount + cluster.changeCount === mark) return null
    // one promise for the packets of a tick whose changes the same flushes carry
    const storeFlush = this.store.changeCount === 0 ? DURABLE_AT_ONCE : this.store.flush() // 0: a store durable at once (memory)
    const clusterFlush = cluster.flush()
    if (storeFlush !== this.durableStore || clusterFlush !== this.durableCluster) {
      this.durableStore = storeFlush
      this.durableCluster = clusterFlush
      this.durableBoth = Promise.all([storeFlush, clusterFlush]).then(noop)
    }
    return this.durableBoth as Promise<void>
  }

  /**
   * Publishes an application message: updates the retained store when RETAIN is set
   * [MQTT-3.3.1-5] and routes it. Returns the number of sessions it was delivered to.
   */
  publish (msg: Message, now: number): number {
    // A direct message is for one session only: never kept as retained for later subscribers.
    if (msg.retain && !this.router.isDirect(msg.topic)) this.retained.set(msg)
    return this.router.route(msg, now)
  }

  /**
   * Delivers a message that another node of the cluster published (and already kept as retained,
   * if it was): to this node's matching sessions only, never forwarded again, and to one member of
   * each shared group in `groups` (`<group>` NUL `<filter>`). Returns the number of sessions it was
   * delivered to.
   */
  deliverFromNode (msg: Message, now: number, groups: readonly string[] | null = null): number {
    return this.router.routeFromNode(msg, now, groups)
  }

  /**
   * May the client of `session` receive a message on `topic`? Always while no topic rule exists;
   * otherwise the rules decide, cached per session (the check every delivery path makes: routing,
   * shared groups, direct messages, retained messages on subscribe).
   */
  canDeliver (session: Session, topic: string): boolean {
    if (!this.access.restricted) return true
    session.acl ??= new AclCache()
    return this.access.allows(session, session.acl, topic, 'read')
  }

  /**
   * May the client of `session` publish on `topic`? Never under `$SYS` (the rules' decision says so
   * too, so only the open case tests it here); otherwise as `canDeliver`.
   */
  canPublish (session: Session, topic: string): boolean {
    if (this.access.restricted) {
      session.acl ??= new AclCache()
      return this.access.allows(session, session.acl, topic, 'write')
    }
    return topic.charCodeAt(0) !== 36 /* $ */ || !isSysTopic(topic)
  }

  /** Bookkeeping after a connection closed (called once, by Connection.close). */
  connectionClosed (conn: Connection): void {
    this.connections.delete(conn)
    const session = conn.session
    if (session === null || session.connection !== conn) return
    const will = conn.will
    conn.will = null
    const now = Date.now()
    if (will !== null && conn.closeReason !== CloseReason.ServerShutdown) {
      // Delay is capped by the session's own life [MQTT-3.1.3-9]: the session end fires it anyway.
      this.wills.schedule(session.clientId, will, will.delay)
    }
    this.sessions.detach(session, now)
  }

  /** A fresh client identifier for a CONNECT with an empty one [MQTT-3.1.3-6]. */
  assignClientId (): string {
    let id: string
    do id = `auto-${randomBytes(12).toString('hex')}`
    while (this.sessions.get(id) !== undefined)
    return id
  }

  /**
   * Graceful stop: every v5 client gets DISCONNECT 0x8B, every socket is closed, timers stop.
   * Resolves when all sockets have closed (or after `timeoutMs`).
   */
  async shutdown (timeoutMs = 5000): Promise<void> {
    this.stopping = true
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer)
    const streams = [...this.connections].map((c) => c.link.stream)
    for (const conn of [...this.connections]) conn.close(CloseReason.ServerShutdown, ReasonCode.ServerShuttingDown)
    this.wills.clear()
    this.sessions.clearTimers()
    void this.passwords.close()
    await Promise.race([
      Promise.all(streams.map((s) => s.destroyed ? undefined : new Promise((resolve) => s.once('close', resolve)))),
      new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ])
  }
}

function noop (): void {}

const DURABLE_AT_ONCE: Promise<void> = Promise.resolve()
