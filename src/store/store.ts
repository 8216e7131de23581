/**
 * Store: where broker state rests between its uses, behind one interface that every backend
 * implements (memory now; the embedded database and Redis later) and one conformance suite that
 * every backend passes (test/store/conformance.ts).
 *
 * The engine keeps its working state in memory (sessions, trie, retained index) and tells the
 * store about every change of durable state, as mosquitto's persistence events do:
 * retained set/delete, session save/delete (with its subscriptions), and the queue of QoS 1/2
 * messages waiting for a session (`SessionQueue`, synchronous so the routing path never awaits).
 * At start-up the broker reads everything back with the `load*` methods. `flush()` is the
 * durability barrier: it resolves when every change made so far is safe, and a QoS 1/2 ack that
 * depends on a change waits for it (a no-op promise for the memory backend).
 */
import type { Message } from '../protocol/message.js'
import type { QoS } from '../protocol/packets.js'

/** A subscription at rest. */
export interface SubscriptionRecord {
  filter: string
  qos: QoS
  noLocal: boolean
  retainAsPublished: boolean
  retainHandling: 0 | 1 | 2
  subscriptionId: number
}

/** A persistent session at rest (non-persistent sessions are never stored). */
export interface SessionRecord {
  clientId: string
  /** Seconds; 0xFFFFFFFF = never expires. */
  expiryInterval: number
  protocolVersion: 3 | 4 | 5
  username?: string
  /** ms since the epoch when its last connection closed; 0 while connected. */
  disconnectedAt: number
  subscriptions: SubscriptionRecord[]
  /**
   * Filled by `loadSessions()` only (ignored by `saveSession()`): the outbound QoS 1/2 messages sent
   * and not yet acknowledged, in the order they first entered the window (`putInflight`)…
   */
  inflight?: InflightRecord[]
  /** …and the packet ids of inbound QoS 2 messages answered with PUBREC, awaiting PUBREL (`putIncomingQos2`). */
  incomingQos2?: number[]
}

/**
 * What `saveSession` takes: a record, or a live session that produces its record when the store
 * writes it. A backend that batches writes asks a live one once per write, however many changes
 * (10k SUBSCRIBEs in a burst) were saved meanwhile: saving costs O(1) per change, not the record's size.
 */
export type SessionSource = SessionRecord | { readonly clientId: string; toRecord (): SessionRecord }

/** The record of `source` now. */
export function recordOf (source: SessionSource): SessionRecord {
  return 'toRecord' in source ? source.toRecord() : source
}

/** One QoS 1/2 message waiting for a session, with the per-delivery details. */
export interface QueuedDelivery {
  readonly msg: Message
  readonly qos: 1 | 2
  readonly retain: boolean
  readonly subscriptionIds: readonly number[] | null
}

/** One outbound QoS 1/2 message in a session's inflight window, at rest. */
export interface InflightRecord extends QueuedDelivery {
  readonly packetId: number
  /** 'publish': awaiting PUBACK/PUBREC; 'pubrel': PUBREL sent, awaiting PUBCOMP. */
  readonly state: 'publish' | 'pubrel'
}

/** A will waiting for its Will Delay Interval, at rest (MQTT 5.0 §3.1.3.2.2). */
export interface StoredWill {
  clientId: string
  /** The user of the connection that set it (its rights apply when it is published). */
  username?: string
  /** ms since the epoch when it is due. */
  fireAt: number
  /** Seconds, counted from publication; 0 = never expires. */
  messageExpiryInterval: number
  /** Topic, payload, QoS, retain and properties (its expiresAt and receivedAt are not used). */
  msg: Message
}

/** The FIFO of deliveries waiting for one session's inflight window or its reconnection. */
export interface SessionQueue {
  readonly length: number
  /** Bytes the entries take, as this backend holds them (payload, topic and headers); bounds `max_queued_bytes`. */
  readonly bytes: number
  push (entry: QueuedDelivery): void
  /** Removes and returns the oldest entry, or undefined when empty. */
  shift (): QueuedDelivery | undefined
  clear (): void
}

/**
 * Kinds of small records that operators change and the broker reads whole at start-up: accounts,
 * topic rules, IP rules (src/auth) and settings saved with `config set --persist`. Values are JSON.
 */
export type RecordKind = 'account' | 'topic_rule' | 'ip_rule' | 'setting'

export interface StoredRecord {
  readonly id: string
  readonly value: unknown
}

export interface Store {
  /** Backend name, for logs and `mqttctl state`. */
  readonly kind: string
  open (): Promise<void>
  close (): Promise<void>

  loadRetained (): AsyncIterable<Message>
  setRetained (msg: Message): void
  deleteRetained (topic: string): void

  loadSessions (): AsyncIterable<SessionRecord>
  saveSession (source: SessionSource): void
  deleteSession (clientId: string): void
  /** The queue of `clientId` (created empty when absent); deleted with the session. */
  queue (clientId: string): SessionQueue
  /**
   * Records (or updates, keeping its place in the order) the inflight message `record.packetId` of
   * `clientId`; deleted with the session. Deleting an id that is not recorded is a no-op.
   */
  putInflight (clientId: string, record: InflightRecord): void
  deleteInflight (clientId: string, packetId: number): void
  /** Records an inbound QoS 2 packet id awaiting PUBREL; deleted with the session. */
  putIncomingQos2 (clientId: string, packetId: number): void
  deleteIncomingQos2 (clientId: string, packetId: number): void

  loadWills (): Promise<StoredWill[]>
  /** Records (or replaces) the delayed will of `will.clientId`; deleted when it fires or is cancelled. */
  putWill (will: StoredWill): void
  deleteWill (clientId: string): void

  /** Every record of `kind`, ordered by id (string order). */
  loadRecords (kind: RecordKind): Promise<StoredRecord[]>
  /** Creates or replaces record `id` of `kind`; `value` must survive JSON.stringify/parse unchanged. */
  putRecord (kind: RecordKind, id: string, value: unknown): void
  deleteRecord (kind: RecordKind, id: string): void

  /** Resolves when every change made so far is durable. */
  flush (): Promise<void>

  /**
   * Grows with every change that needs `flush()` to become durable; a backend whose writes are
   * durable at once (memory) keeps it at 0. Lets a QoS 1/2 ack wait only when its message was stored.
   */
  readonly changeCount: number

  /** Why the store cannot write now (every flush() rejects meanwhile); null while it can. */
  readonly error: string | null
}
