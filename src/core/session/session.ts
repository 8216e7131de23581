/**
 * Session: the state of one client id that outlives its network connections (MQTT 5.0 §4.1):
 * subscriptions, the outbound QoS 1/2 flow (inflight + queue), the packet ids of inbound QoS 2
 * messages awaiting PUBREL, and the expiry interval. A Connection attaches to it after CONNECT and
 * detaches when it closes; a session with expiry 0 is discarded at that point, others wait for
 * their expiry (core/session/registry.ts).
 *
 * `deliverRouted()` / `deliver()` are the end of the routing hot path: the router hands every match
 * to its session, which decides (write now, inflight window, queue, drop); synchronous, no
 * allocation for QoS 0 beyond the encoded packet.
 */
import type { AclCache } from '../../auth/access-control.js'
import { encodeSharedPublish } from '../../protocol/encode.js'
import type { ProtocolVersion, QoS } from '../../protocol/packets.js'
import type { Connection } from '../connection.js'
import type { Engine } from '../engine.js'
import { OutboundFlow } from '../inflight.js'
import type { LongTimer } from '../timers.js'
import type { Message } from '../../protocol/message.js'
import type { Subscription } from '../router/subscription.js'
import type { SessionQueue, SessionRecord } from '../../store/store.js'

/** Session Expiry Interval meaning "never expires" (MQTT 5.0 §3.1.2.11.2). */
export const NEVER_EXPIRES = 0xffffffff

const NO_SUBSCRIPTIONS: ReadonlyMap<string, Subscription> = new Map()

export class Session {
  connection: Connection | null = null
  /** Subscriptions by filter as subscribed (including any `$share/<group>/` prefix); a Map from the first. */
  private ownSubscriptions: Map<string, Subscription> | null = null
  readonly outbound: OutboundFlow
  /**
   * Packet ids of QoS 2 PUBLISH received, PUBREC sent, PUBREL not yet received [MQTT-4.3.3-9];
   * created on the first one (most sessions never receive QoS 2).
   */
  private inboundQos2: Set<number> | null = null
  /** Seconds the session survives its connection; NEVER_EXPIRES for ever; 0 ends with the connection. */
  expiryInterval = 0
  expiryTimer: LongTimer | null = null
  protocolVersion: ProtocolVersion = 4
  username: string | undefined
  /** Topic decisions for this session's user and client id (made on first use while topic rules exist). */
  acl: AclCache | null = null
  readonly createdAt: number
  /** QoS 1/2 deliveries dropped because this session's queue was full. */
  queueDropped = 0
  /** QoS 0 messages dropped because max_outgoing_bytes were waiting for this session's connection. */
  outputDropped = 0
  /** When the last connection closed (ms since the epoch), 0 while connected. */
  disconnectedAt = 0

  // Scratch fields of the router, so overlapping subscriptions merge without allocating a map per
  // message: valid only while `routeStamp` equals the router's current stamp.
  routeStamp = 0
  routeQos: QoS = 0
  routeRetain = false
  routeSubIds: number[] | null = null

  constructor (readonly engine: Engine, readonly clientId: string, now: number, queue: SessionQueue) {
    this.createdAt = now
    this.outbound = new OutboundFlow(this, queue)
  }

  /** The session as the Store keeps it. */
  toRecord (): SessionRecord {
    const subscriptions = []
    for (const s of this.subscriptions.values()) {
      subscriptions.push({
        filter: s.filter,
        qos: s.qos,
        noLocal: s.noLocal,
        retainAsPublished: s.retainAsPublished,
        retainHandling: s.retainHandling,
        subscriptionId: s.subscriptionId
      })
    }
    return {
      clientId: this.clientId,
      expiryInterval: this.expiryInterval,
      protocolVersion: this.protocolVersion,
      ...(this.username === undefined ? {} : { username: this.username }),
      disconnectedAt: this.disconnectedAt,
      subscriptions,
    }
  }

  /** Subscriptions by filter as subscribed (including any `$share/<group>/` prefix). */
  get subscriptions (): ReadonlyMap<string, Subscription> {
    return this.ownSubscriptions ?? NO_SUBSCRIPTIONS
  }

  setSubscription (sub: Subscription): void {
    (this.ownSubscriptions ??= new Map()).set(sub.filter, sub)
  }

  deleteSubscription (filter: string): void {
    this.ownSubscriptions?.delete(filter)
  }

  clearSubscriptions (): void {
    this.ownSubscriptions = null
  }

  hasInboundQos2 (packetId: number): boolean {
    return this.inboundQos2 !== null && this.inboundQos2.has(packetId)
  }

  addInboundQos2 (packetId: number): void {
    (this.inboundQos2 ??= new Set()).add(packetId)
  }

  /** False when the id was not awaiting PUBREL. */
  deleteInboundQos2 (packetId: number): boolean {
    return this.inboundQos2 !== null && this.inboundQos2.delete(packetId)
  }

  get inboundQos2Count (): number {
    return this.inboundQos2 === null ? 0 : this.inboundQos2.size
  }

  /** The inbound QoS 2 packet ids awaiting PUBREL. */
  inboundQos2Ids (): number[] {
    return this.inboundQos2 === null ? [] : [...this.inboundQos2]
  }

  clearInboundQos2 (): void {
    this.inboundQos2 = null
  }

  get online (): boolean {
    return this.connection !== null && this.connection.state === 'connected'
  }

  /** Whether this session should outlive its connection. */
  get persistent (): boolean {
    return this.expiryInterval > 0
  }

  /**
   * Delivers one message to this session at `qos`. QoS 0 goes straight to an online connection
   * (and is not kept for offline sessions); QoS 1/2 go through the outbound flow.
   * Returns false when the message was dropped.
   */
  deliver (msg: Message, qos: QoS, retain: boolean, subscriptionIds: readonly number[] | null, now: number): boolean {
    if (qos === 0) {
      const conn = this.connection
      if (conn === null || conn.state !== 'connected') return false
      if (!conn.sendPublish(msg, 0, 0, retain, false, subscriptionIds, now)) {
        this.engine.counters.publishDropped++
        return false
      }
      return true
    }
    return this.outbound.enqueue(msg, qos, retain, subscriptionIds, now)
  }

  /**
   * Delivers one routed copy of `msg` (Router.route). A QoS 0 copy without subscription
   * identifiers, to a connection that takes shared encodings, is the buffer encoded once per route
   * for its protocol version and RETAIN flag (`shared`, filled at first use); anything else goes
   * through deliver(). Returns false when the copy was dropped.
   */
  deliverRouted (msg: Message, qos: QoS, retain: boolean, subscriptionIds: readonly number[] | null, now: number, shared: SharedEncodings): boolean {
    const conn = this.connection
    if (qos !== 0 || subscriptionIds !== null || conn === null || conn.state !== 'connected' || !conn.acceptsSharedEncoding) {
      return this.deliver(msg, qos, retain, subscriptionIds, now)
    }
    const v5 = conn.protocolVersion === 5
    const slot = (v5 ? 2 : 0) + (retain ? 1 : 0)
    const buf = shared[slot] ??= encodeSharedPublish(msg, v5, retain, now)
    if (conn.writeShared(buf, msg)) return true
    this.engine.counters.publishDropped++
    return false
  }
}

/**
 * The QoS 0 encodings of one routed message, by slot (v3 | v5) × (RETAIN 0 | 1): filled by the
 * sessions that use them, cleared by the router after each message.
 */
export type SharedEncodings = Array<Buffer | undefined>
