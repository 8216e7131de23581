/**
 * Retained messages (MQTT 5.0 §3.3.1.3): one message per topic, kept in a TopicIndex so that a new
 * subscription finds the retained messages matching its filter without scanning them all.
 *
 * A retained PUBLISH replaces the topic's message; one with an empty payload deletes it
 * [MQTT-3.3.1-6], [MQTT-3.3.1-7] (and is itself never stored). Expired messages are dropped when
 * met [MQTT-3.3.2-5].
 */
import { TopicIndex } from './router/topic-index.js'
import { type Message, isExpired } from './message.js'

export class RetainedMessages {
  private readonly index = new TopicIndex<Message>()

  /** Number of retained messages. */
  get size (): number {
    return this.index.size
  }

  /** Stores, replaces or (empty payload) clears the retained message of `msg.topic`. */
  set (msg: Message): void {
    if (msg.payload.length === 0) this.index.delete(msg.topic)
    else this.index.set(msg.topic, msg)
  }

  get (topic: string): Message | undefined {
    return this.index.get(topic)
  }

  delete (topic: string): boolean {
    return this.index.delete(topic)
  }

  /** Calls `visit` for each live retained message matching `filter`; expired ones are removed. */
  match (filter: string, now: number, visit: (msg: Message) => void): void {
    const expired: string[] = []
    this.index.match(filter, (topic, msg) => {
      if (isExpired(msg, now)) expired.push(topic)
      else visit(msg)
    })
    for (const topic of expired) this.index.delete(topic)
  }

  /** Every retained message (listings). */
  entries (): IterableIterator<[topic: string, msg: Message]> {
    return this.index.entries()
  }
}
