/**
 * MemoryStore: the Store backend that keeps everything in this process (`store: memory`). Nothing
 * survives a restart; every write is "durable" at once, so `flush()` resolves immediately. Used by
 * tests and by deployments that want no disk.
 */
import type { Message } from '../protocol/message.js'
import { type InflightRecord, type QueuedDelivery, type RecordKind, type SessionQueue, type SessionRecord, type SessionSource, type Store, type StoredRecord, type StoredWill, recordOf } from './store.js'

/** FIFO on an array with a moving head, compacted when the dead prefix dominates. */
/** What one entry counts for in `SessionQueue.bytes` here: payload, topic, and a fixed overhead. */
export function memoryEntryBytes (entry: QueuedDelivery): number {
  return entry.msg.payload.length + entry.msg.topic.length + 32
}

export class MemoryQueue implements SessionQueue {
  private items: (QueuedDelivery | undefined)[] = []
  private head = 0
  private size = 0

  get length (): number {
    return this.items.length - this.head
  }

  get bytes (): number {
    return this.size
  }

  push (entry: QueuedDelivery): void {
    this.items.push(entry)
    this.size += memoryEntryBytes(entry)
  }

  shift (): QueuedDelivery | undefined {
    if (this.head === this.items.length) return undefined
    const entry = this.items[this.head] as QueuedDelivery
    this.items[this.head++] = undefined
    this.size -= memoryEntryBytes(entry)
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return entry
  }

  clear (): void {
    this.items = []
    this.head = 0
    this.size = 0
  }
}

export class MemoryStore implements Store {
  readonly kind = 'memory'
  /** Every write is as durable as this store gets at once: nothing to wait for. */
  readonly changeCount = 0
  readonly error = null
  private readonly retained = new Map<string, Message>()
  private readonly sessions = new Map<string, SessionSource>()
  private readonly queues = new Map<string, MemoryQueue>()
  /** Inflight records by client id, then packet id (Map order: first put first). */
  private readonly inflight = new Map<string, Map<number, InflightRecord>>()
  private readonly incoming = new Map<string, Set<number>>()
  private readonly wills = new Map<string, StoredWill>()
  /** kind → id → value as JSON text (a copy, as a real store would keep). */
  private readonly records = new Map<RecordKind, Map<string, string>>()

  async open (): Promise<void> {}

  async close (): Promise<void> {}

  async * loadRetained (): AsyncIterable<Message> {
    yield * this.retained.values()
  }

  setRetained (msg: Message): void {
    this.retained.set(msg.topic, msg)
  }

  deleteRetained (topic: string): void {
    this.retained.delete(topic)
  }

  async * loadSessions (): AsyncIterable<SessionRecord> {
    for (const source of this.sessions.values()) {
      const { inflight: _i, incomingQos2: _q, ...record } = recordOf(source)
      const out = structuredClone(record) as SessionRecord
      const inflight = this.inflight.get(record.clientId)
      if (inflight !== undefined && inflight.size > 0) out.inflight = [...inflight.values()].map((r) => ({ ...r }))
      const incoming = this.incoming.get(record.clientId)
      if (incoming !== undefined && incoming.size > 0) out.incomingQos2 = [...incoming]
      yield out
    }
  }

  /** A record is copied now; a live session is kept and read when the sessions are loaded. */
  saveSession (source: SessionSource): void {
    if ('toRecord' in source) {
      this.sessions.set(source.clientId, source)
      return
    }
    const { inflight: _i, incomingQos2: _q, ...rest } = source
    this.sessions.set(source.clientId, structuredClone(rest))
  }

  deleteSession (clientId: string): void {
    this.sessions.delete(clientId)
    this.queues.delete(clientId)
    this.inflight.delete(clientId)
    this.incoming.delete(clientId)
  }

  putInflight (clientId: string, record: InflightRecord): void {
    let m = this.inflight.get(clientId)
    if (m === undefined) {
      m = new Map()
      this.inflight.set(clientId, m)
    }
    m.set(record.packetId, { ...record })
  }

  deleteInflight (clientId: string, packetId: number): void {
    this.inflight.get(clientId)?.delete(packetId)
  }

  putIncomingQos2 (clientId: string, packetId: number): void {
    let s = this.incoming.get(clientId)
    if (s === undefined) {
      s = new Set()
      this.incoming.set(clientId, s)
    }
    s.add(packetId)
  }

  deleteIncomingQos2 (clientId: string, packetId: number): void {
    this.incoming.get(clientId)?.delete(packetId)
  }

  queue (clientId: string): SessionQueue {
    let q = this.queues.get(clientId)
    if (q === undefined) {
      q = new MemoryQueue()
      this.queues.set(clientId, q)
    }
    return q
  }

  async loadWills (): Promise<StoredWill[]> {
    return [...this.wills.values()].map((w) => ({ ...w }))
  }

  putWill (will: StoredWill): void {
    this.wills.set(will.clientId, { ...will })
  }

  deleteWill (clientId: string): void {
    this.wills.delete(clientId)
  }

  async loadRecords (kind: RecordKind): Promise<StoredRecord[]> {
    const m = this.records.get(kind)
    if (m === undefined) return []
    return [...m.keys()].sort().map((id) => ({ id, value: JSON.parse(m.get(id) as string) as unknown }))
  }

  putRecord (kind: RecordKind, id: string, value: unknown): void {
    let m = this.records.get(kind)
    if (m === undefined) {
      m = new Map()
      this.records.set(kind, m)
    }
    m.set(id, JSON.stringify(value))
  }

  deleteRecord (kind: RecordKind, id: string): void {
    this.records.get(kind)?.delete(id)
  }

  async flush (): Promise<void> {}
}
