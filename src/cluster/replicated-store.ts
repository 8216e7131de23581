/**
 * ReplicatedStore: the Store the engine is given on a cluster node. It passes everything to the
 * node's own store and also hands the cluster-wide state, retained messages and the records
 * `account`, `topic_rule`, `ip_rule` (not `setting`, which stays per node), to the StateWriter
 * (cluster/state-writer.ts), which writes them to Redis per tick. `changeCount` and `flush()`
 * count those Redis writes too, so whatever waits for the store (a QoS 1/2 retained PUBLISH's
 * acknowledgement, an `mqttctl account` reply) waits until the change is in Redis.
 *
 * Changes that other nodes made are applied `locally()`: to this node's store and memory only.
 * Two writes stay local on their own: an account record whose `updated_at` did not move (only
 * its last login changed: a login is noted where it happened, never a cluster-wide write), and
 * nothing at all until the writer is attached (before the node joined). A rule record under an id
 * this node has not seen goes as a creation, which Redis refuses when another node took the id
 * meanwhile (cluster/shared-state.ts then adds the rule again under a new id).
 */
import type { Message } from '../protocol/message.js'
import type { InflightRecord, RecordKind, SessionQueue, SessionRecord, SessionSource, Store, StoredRecord, StoredWill } from '../store/store.js'
import type { SharedRecordKind } from '../auth/access-control.js'

/** Where the cluster-wide changes go (cluster/state-writer.ts). */
export interface StateSink {
  retainedSet (msg: Message): void
  /** `ifExpired`: delete it in Redis only if the message there has expired (an expiry, not a clear). */
  retainedDeleted (topic: string, ifExpired: boolean): void
  /** `created`: a rule id this node has not seen before (Redis must not overwrite another rule with it). */
  recordPut (kind: SharedRecordKind, id: string, json: string, created: boolean): void
  recordDeleted (kind: SharedRecordKind, id: string): void
  /** Grows with every change queued for Redis. */
  readonly changeCount: number
  /** Resolves once every change queued so far is in Redis. */
  settled (): Promise<void>
}

export function isSharedKind (kind: RecordKind): kind is SharedRecordKind {
  return kind !== 'setting'
}

export class ReplicatedStore implements Store {
  private sink: StateSink | null = null
  private local = false
  /** Expiry deadlines (local time) of the retained messages that have one: tells an expiry from a clear. */
  private readonly expiries = new Map<string, number>()
  /** The hash and `updated_at` of each account as Redis has it: a put that keeps both changed the last login only. */
  private readonly accountStamps = new Map<string, string>()
  /** The rule records (`<kind> <id>`) this node knows: a put of another one creates a rule. */
  private readonly ruleIds = new Set<string>()

  constructor (readonly inner: Store) {}

  get kind (): string {
    return this.inner.kind
  }

  get error (): string | null {
    return this.inner.error
  }

  get changeCount (): number {
    return this.sink === null ? this.inner.changeCount : this.inner.changeCount + this.sink.changeCount
  }

  /** Starts handing cluster-wide changes to `sink` (null: stops, e.g. when leaving). */
  attach (sink: StateSink | null): void {
    this.sink = sink
  }

  /** Runs `apply` with every write going to this node's store only (a change another node made). */
  locally (apply: () => void): void {
    this.local = true
    try {
      apply()
    } finally {
      this.local = false
    }
  }

  /** Forgets which accounts and rules Redis holds (before seeding it: every record goes, as new). */
  forgetShared (): void {
    this.accountStamps.clear()
    this.ruleIds.clear()
  }

  private replicating (): StateSink | null {
    return this.local ? null : this.sink
  }

  open (): Promise<void> {
    return this.inner.open()
  }

  close (): Promise<void> {
    return this.inner.close()
  }

  loadRetained (): AsyncIterable<Message> {
    return this.inner.loadRetained()
  }

  setRetained (msg: Message): void {
    this.inner.setRetained(msg)
    if (msg.expiresAt !== 0) this.expiries.set(msg.topic, msg.expiresAt)
    else this.expiries.delete(msg.topic)
    this.replicating()?.retainedSet(msg)
  }

  deleteRetained (topic: string): void {
    this.inner.deleteRetained(topic)
    const expiresAt = this.expiries.get(topic)
    this.expiries.delete(topic)
    this.replicating()?.retainedDeleted(topic, expiresAt !== undefined && expiresAt <= Date.now())
  }

  loadRecords (kind: RecordKind): Promise<StoredRecord[]> {
    return this.inner.loadRecords(kind)
  }

  putRecord (kind: RecordKind, id: string, value: unknown): void {
    this.inner.putRecord(kind, id, value)
    if (!isSharedKind(kind)) return
    let created = false
    if (kind === 'account') {
      const stamp = accountStamp(value)
      if (this.accountStamps.get(id) === stamp) return // the last login only
      this.accountStamps.set(id, stamp)
    } else {
      const rule = `${kind} ${id}`
      created = !this.ruleIds.has(rule)
      this.ruleIds.add(rule)
    }
    this.replicating()?.recordPut(kind, id, JSON.stringify(value), created)
  }

  deleteRecord (kind: RecordKind, id: string): void {
    this.inner.deleteRecord(kind, id)
    if (!isSharedKind(kind)) return
    if (kind === 'account') this.accountStamps.delete(id)
    else this.ruleIds.delete(`${kind} ${id}`)
    this.replicating()?.recordDeleted(kind, id)
  }

  flush (): Promise<void> {
    const sink = this.sink
    if (sink === null) return this.inner.flush()
    return Promise.all([this.inner.flush(), sink.settled()]).then(noop)
  }

  // --- per-node state: passed through ------------------------------------------------------

  loadSessions (): AsyncIterable<SessionRecord> {
    return this.inner.loadSessions()
  }

  saveSession (source: SessionSource): void {
    this.inner.saveSession(source)
  }

  deleteSession (clientId: string): void {
    this.inner.deleteSession(clientId)
  }

  queue (clientId: string): SessionQueue {
    return this.inner.queue(clientId)
  }

  putInflight (clientId: string, record: InflightRecord): void {
    this.inner.putInflight(clientId, record)
  }

  deleteInflight (clientId: string, packetId: number): void {
    this.inner.deleteInflight(clientId, packetId)
  }

  putIncomingQos2 (clientId: string, packetId: number): void {
    this.inner.putIncomingQos2(clientId, packetId)
  }

  deleteIncomingQos2 (clientId: string, packetId: number): void {
    this.inner.deleteIncomingQos2(clientId, packetId)
  }

  loadWills (): Promise<StoredWill[]> {
    return this.inner.loadWills()
  }

  putWill (will: StoredWill): void {
    this.inner.putWill(will)
  }

  deleteWill (clientId: string): void {
    this.inner.deleteWill(clientId)
  }
}

/** What tells one version of an account record from another, its last login aside. */
function accountStamp (value: unknown): string {
  const { hash, updated_at: updatedAt } = value as { hash?: unknown; updated_at?: unknown }
  return `${String(updatedAt)} ${String(hash)}`
}

function noop (): void {}
