/**
 * MemoryStore: the Store backend that keeps everything in this process (`store: memory`). Nothing
 * survives a restart; every write is "durable" at once, so `flush()` resolves immediately. Used by
 * tests and by deployments that want no disk.
 */
import type { Message } from '../core/message.js'
import type { QueuedDelivery, SessionQueue, SessionRecord, Store } from './store.js'

/** FIFO on an array with a moving head, compacted when the dead prefix dominates. */
export class MemoryQueue implements SessionQueue {
  private items: (QueuedDelivery | undefined)[] = []
  private head = 0

  get length (): number {
    return this.items.length - this.head
  }

  push (entry: QueuedDelivery): void {
    this.items.push(entry)
  }

  shift (): QueuedDelivery | undefined {
    if (this.head === this.items.length) return undefined
    const entry = this.items[this.head]
    this.items[this.head++] = undefined
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
  }
}

export class MemoryStore implements Store {
  readonly kind = 'memory'
  /** Every write is as durable as this store gets at once: nothing to wait for. */
  readonly changeCount = 0
  private readonly retained = new Map<string, Message>()
  private readonly sessions = new Map<string, SessionRecord>()
  private readonly queues = new Map<string, MemoryQueue>()

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
    for (const record of this.sessions.values()) yield structuredClone(record)
  }

  saveSession (record: SessionRecord): void {
    this.sessions.set(record.clientId, structuredClone(record))
  }

  deleteSession (clientId: string): void {
    this.sessions.delete(clientId)
    this.queues.delete(clientId)
  }

  queue (clientId: string): SessionQueue {
    let q = this.queues.get(clientId)
    if (q === undefined) {
      q = new MemoryQueue()
      this.queues.set(clientId, q)
    }
    return q
  }

  async flush (): Promise<void> {}
}
