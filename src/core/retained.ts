/**
 * Retained messages (MQTT 5.0 §3.3.1.3): one message per topic, kept in a TopicIndex so that a new
 * subscription finds the retained messages matching its filter without scanning them all.
 *
 * A retained PUBLISH replaces the topic's message; one with an empty payload deletes it
 * [MQTT-3.3.1-6], [MQTT-3.3.1-7] (and is itself never stored). Expired messages are dropped when
 * met [MQTT-3.3.2-5].
 */
import type { Store } from '../store/store.js'
import { TopicIndex } from './router/topic-index.js'
import { type Message, isExpired } from '../protocol/message.js'

export class RetainedMessages {
  private readonly index = new TopicIndex<Message>()

  constructor (private readonly store: Store) {}

  /** Number of retained messages. */
  get size (): number {
    return this.index.size
  }

  /** Stores, replaces or (empty payload) clears the retained message of `msg.topic`. */
  set (msg: Message): void {
    // $SYS values are rebuilt by the broker every sys_interval: kept in memory, never stored.
    const durable = !msg.topic.startsWith('$SYS/')
    if (msg.payload.length === 0) {
      if (this.index.delete(msg.topic) && durable) this.store.deleteRetained(msg.topic)
    } else {
      this.index.set(msg.topic, msg)
      if (durable) this.store.setRetained(msg)
    }
  }

  /** Re-inserts a message read from the Store at start-up (expired ones are deleted there). */
  restore (msg: Message, now: number): void {
    if (isExpired(msg, now)) this.store.deleteRetained(msg.topic)
    else this.index.set(msg.topic, msg)
  }

  get (topic: string): Message | undefined {
    return this.index.get(topic)
  }

  delete (topic: string): boolean {
    if (!this.index.delete(topic)) return false
    this.store.deleteRetained(topic)
    return true
  }

  /** Calls `visit` for each live retained message matching `filter`; expired ones are removed. */
  match (filter: string, now: number, visit: (msg: Message) => void): void {
    const expired: string[] = []
    this.index.match(filter, (topic, msg) => {
      if (isExpired(msg, now)) expired.push(topic)
      else visit(msg)
    })
    for (const topic of expired) this.delete(topic)
  }

  /** Every retained message (listings). */
  entries (): IterableIterator<[topic: string, msg: Message]> {
    return this.index.entries()
  }
}
