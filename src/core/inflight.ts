/**
 * Outbound QoS 1/2 flow of one session: packet identifiers, the inflight window and the queue behind
 * it (MQTT 5.0 §4.3, §4.9).
 *
 * - Window: at most min(client Receive Maximum, max_inflight) PUBLISH/PUBREL unacknowledged
 *   [MQTT-3.3.4-7], and no new one once max_inflight_bytes of payload are in it; further messages wait in the session's queue (a SessionQueue from the Store),
 *   bounded by max_queued_messages and max_queued_bytes (overflow is dropped and counted, per
 *   session and broker-wide: never an unbounded queue; an offline queue lives in the Store).
 * - QoS 1: PUBLISH → PUBACK frees the slot. QoS 2: PUBLISH → PUBREC → we send PUBREL → PUBCOMP frees
 *   it; a PUBREC with a reason code of 0x80 or more ends the flow (MQTT 5.0 §4.3.3). An ack of
 *   the wrong kind for its packet id is reported to the handler, which closes the connection.
 * - Resume: when a session is taken up by a new connection, every unacknowledged PUBLISH is sent
 *   again with DUP=1 and every PUBREL again, in the original order [MQTT-4.4.0-1], [MQTT-3.3.1-1],
 *   as far as the new window allows; the rest follow as it frees, before anything queued.
 * - Offline: entries stay queued / inflight until the session resumes or expires.
 * Packet ids cycle 1..65535 and skip ids still in flight [MQTT-2.2.1-3].
 * - Persistence: for a persistent session every entry of the window is also in the Store
 *   (`putInflight` when it enters the window or moves to 'pubrel', `deleteInflight` when it ends),
 *   so a restart resends it (`restoreInflight`); the queue shift and the put land in one commit.
 */
import type { QoS } from '../protocol/packets.js'
import type { InflightRecord, QueuedDelivery, SessionQueue } from '../store/store.js'
import type { Connection } from './connection.js'
import { type Message, isExpired } from '../protocol/message.js'
import type { Session } from './session/session.js'

export interface OutboundEntry {
  readonly msg: Message
  readonly qos: 1 | 2
  readonly retain: boolean
  readonly subscriptionIds: readonly number[] | null
  packetId: number
  /** 'publish': PUBLISH sent (or to send), awaiting PUBACK/PUBREC; 'pubrel': PUBREL sent, awaiting PUBCOMP. */
  state: 'publish' | 'pubrel'
  /** Resumed with a window too small to resend it yet: it goes out again before anything queued. */
  resend: boolean
}

/**
 * What an acknowledgement did: freed its slot, named no id in flight (ignored, as it may be a
 * duplicate after a resend), or is of the wrong kind for its id (PUBACK for QoS 2, PUBREC or
 * PUBCOMP for QoS 1, PUBCOMP before PUBREC): a protocol error, as Mosquitto treats it.
 */
export type AckOutcome = 'done' | 'unknown' | 'wrong'

const NO_ENTRIES: ReadonlyMap<number, OutboundEntry> = new Map()

export class OutboundFlow {
  /**
   * Unacknowledged entries by packet id, in send order (Map keeps insertion order). Created on
   * the first QoS 1/2 delivery: an idle or QoS 0-only session carries no Map.
   */
  private inflight: Map<number, OutboundEntry> | null = null
  private nextPacketId = 1
  /** Entries of `inflight` waiting to be resent on this connection (`resend`), not on the wire. */
  private unsent = 0
  /** Payload bytes of the entries in `inflight`, bounded by max_inflight_bytes. */
  private inflightBytes = 0
  /** Inflight window for the current connection. */
  window = 65535

  constructor (private readonly session: Session, private readonly queue: SessionQueue) {}

  get inflightCount (): number { return this.inflight === null ? 0 : this.inflight.size }
  /** Entries sent on this connection and not yet acknowledged: what the window counts [MQTT-3.3.4-7]. */
  private get onWire (): number { return this.inflightCount - this.unsent }

  /**
   * Whether the window takes one more message: fewer than `window` on the wire, and fewer than
   * max_inflight_bytes payload bytes in it (the last message sent may go past the byte limit, so a
   * message larger than the limit still goes out, alone).
   */
  private hasRoom (): boolean {
    if (this.onWire >= this.window) return false
    const limit = this.session.engine.config.max_inflight_bytes
    return limit === 0 || this.inflightBytes < limit
  }

  get queuedCount (): number { return this.queue.length }
  get queuedBytes (): number { return this.queue.bytes }

  /** Queues a QoS 1/2 delivery and sends what the window allows. False when the queue was full. */
  enqueue (msg: Message, qos: 1 | 2, retain: boolean, subscriptionIds: readonly number[] | null, now: number): boolean {
    const engine = this.session.engine
    const config = engine.config
    if (this.canSendNow()) {
      // room in the window and nothing waiting: straight out, without a trip through the queue
      // (for a persistent session that trip is an encode and a store write cancelled in the same turn)
      this.send({ msg, qos, retain, subscriptionIds }, this.session.connection as Connection, now)
      return true
    }
    if (this.queuedCount >= config.max_queued_messages ||
        (config.max_queued_bytes > 0 && this.queue.bytes + msg.payload.length > config.max_queued_bytes)) {
      engine.counters.publishDropped++
      engine.counters.queueDropped++
      this.session.queueDropped++
      return false
    }
    this.queue.push({ msg, qos, retain, subscriptionIds })
    this.pump(now)
    return true
  }

  private canSendNow (): boolean {
    const conn = this.session.connection
    return conn !== null && conn.state === 'connected' && this.unsent === 0 && this.queuedCount === 0 && this.hasRoom()
  }

  /** Resends what a resume held back, then sends queued entries, while the window has room. */
  pump (now: number): void {
    const conn = this.session.connection
    if (conn === null || conn.state !== 'connected') return
    if (this.unsent > 0) {
      for (const entry of this.inflightEntries()) {
        if (this.onWire >= this.window) return // resends are in the byte count already: only the number limits them
        if (entry.resend) this.resendEntry(entry, conn, now)
      }
    }
    while (this.queue.length > 0 && this.hasRoom()) {
      const queued = this.queue.shift() as QueuedDelivery
      if (isExpired(queued.msg, now)) { // [MQTT-3.3.2-5]
        this.session.engine.counters.publishDropped++
        continue
      }
      this.send(queued, conn, now)
    }
  }

  /** Puts a delivery into the window and sends it. */
  private send (queued: QueuedDelivery, conn: Connection, now: number): void {
    const inflight = this.inflight ??= new Map()
    const entry: OutboundEntry = { msg: queued.msg, qos: queued.qos, retain: queued.retain, subscriptionIds: queued.subscriptionIds, packetId: this.allocatePacketId(inflight), state: 'publish', resend: false }
    inflight.set(entry.packetId, entry)
    this.inflightBytes += entry.msg.payload.length
    if (!conn.sendPublish(entry.msg, entry.qos as QoS, entry.packetId, entry.retain, false, entry.subscriptionIds, now)) {
      // Too large for this client: discard and behave as if it was delivered [MQTT-3.1.2-25].
      inflight.delete(entry.packetId)
      this.inflightBytes -= entry.msg.payload.length
      this.session.engine.counters.publishDropped++
    } else {
      this.persist(entry)
    }
  }

  /** Writes an entry of the window to the Store (persistent sessions only). */
  private persist (entry: OutboundEntry): void {
    if (this.session.persistent) this.session.engine.store.putInflight(this.session.clientId, entry)
  }

  /** An entry left the window: forget it in the Store (a no-op when it was never written). */
  private forget (packetId: number): void {
    const entry = this.inflight?.get(packetId)
    if (entry === undefined) return
    if (entry.resend) this.unsent--
    this.inflightBytes -= entry.msg.payload.length
    this.inflight?.delete(packetId)
    this.session.engine.store.deleteInflight(this.session.clientId, packetId)
  }

  /**
   * Puts stored inflight entries back (start-up, before any connection), in their order and with
   * their packet ids; `resume()` resends them.
   */
  restoreInflight (records: Iterable<InflightRecord>): void {
    for (const r of records) {
      const entry: OutboundEntry = { msg: r.msg, qos: r.qos, retain: r.retain, subscriptionIds: r.subscriptionIds, packetId: r.packetId, state: r.state, resend: false }
      ;(this.inflight ??= new Map()).set(entry.packetId, entry)
      this.inflightBytes += entry.msg.payload.length
      this.nextPacketId = entry.packetId === 65535 ? 1 : entry.packetId + 1
    }
  }

  private allocatePacketId (inflight: Map<number, OutboundEntry>): number {
    let id = this.nextPacketId
    while (inflight.has(id)) id = id === 65535 ? 1 : id + 1
    this.nextPacketId = id === 65535 ? 1 : id + 1
    return id
  }

  /**
   * PUBACK received: 'done' (the slot is free), 'unknown' (no such id in flight: ignored) or
   * 'wrong' (the id is a QoS 2 delivery: a protocol error for the caller).
   */
  onPuback (packetId: number, now: number): AckOutcome {
    const entry = this.inflight?.get(packetId)
    if (entry === undefined) return 'unknown'
    if (entry.qos !== 1) return 'wrong'
    this.forget(packetId)
    this.pump(now)
    return 'done'
  }

  /**
   * PUBREC received: the entry moves to 'pubrel' (answered by the caller), or ends on a failure code;
   * 'wrong' for a QoS 1 delivery.
   */
  onPubrec (packetId: number, reasonCode: number, now: number): 'pubrel' | 'ended' | 'unknown' | 'wrong' {
    const entry = this.inflight?.get(packetId)
    if (entry === undefined) return 'unknown'
    if (entry.qos !== 2) return 'wrong'
    if (reasonCode >= 0x80) {
      this.forget(packetId)
      this.pump(now)
      return 'ended'
    }
    if (entry.state !== 'pubrel') {
      entry.state = 'pubrel'
      this.persist(entry)
    }
    return 'pubrel'
  }

  /** PUBCOMP received; 'wrong' for a QoS 1 delivery or a QoS 2 one whose PUBREC has not come. */
  onPubcomp (packetId: number, now: number): AckOutcome {
    const entry = this.inflight?.get(packetId)
    if (entry === undefined) return 'unknown'
    if (entry.state !== 'pubrel') return 'wrong'
    this.forget(packetId)
    this.pump(now)
    return 'done'
  }

  /**
   * Re-sends everything unacknowledged on a resumed session, in order, as far as the new
   * connection's window allows (its Receive Maximum may be smaller than the last one's); the rest
   * goes out as acknowledgements free the window, before anything queued.
   */
  resume (now: number): void {
    const conn = this.session.connection
    if (conn === null) return
    this.unsent = 0
    for (const entry of this.inflightEntries()) {
      entry.resend = true
      this.unsent++
    }
    this.pump(now)
  }

  /** Sends an entry again: PUBREL for one past PUBREC, else the PUBLISH with DUP [MQTT-3.3.1-1]. */
  private resendEntry (entry: OutboundEntry, conn: Connection, now: number): void {
    entry.resend = false
    this.unsent--
    if (entry.state === 'pubrel') {
      conn.sendPubrel(entry.packetId)
    } else if (!conn.sendPublish(entry.msg, entry.qos, entry.packetId, entry.retain, true, entry.subscriptionIds, now)) {
      this.forget(entry.packetId)
      this.session.engine.counters.publishDropped++
    }
  }

  /** Entries still unacknowledged, in order (for listings and persistence). */
  inflightEntries (): IterableIterator<OutboundEntry> {
    return (this.inflight ?? NO_ENTRIES).values()
  }

  /** Forgets everything (session discarded). */
  clear (): void {
    this.inflight = null
    this.unsent = 0
    this.inflightBytes = 0
    this.queue.clear()
  }
}
