/**
 * Will messages (MQTT 5.0 §3.1.2.5, §3.1.3.2).
 *
 * A connection's will is taken from its CONNECT and published when the connection closes without a
 * normal DISCONNECT [MQTT-3.1.2-8], [MQTT-3.1.2-10]. With a v5 Will Delay Interval, publication
 * waits for the delay or the end of the session, whichever comes first, and is cancelled when the
 * client reconnects to the session in the meantime [MQTT-3.1.3-9]. The Message Expiry Interval of a
 * will counts from its publication. A will is published with the rights of the user who set it.
 * Delayed wills are kept in the Store until they fire or are cancelled, and `restore()` brings them
 * back at start-up: one whose time came while the broker was down is published at once.
 */
import type { PublishProperties, QoS } from '../protocol/packets.js'
import type { Engine } from './engine.js'
import type { Message } from '../protocol/message.js'
import type { StoredWill } from '../store/store.js'
import { type LongTimer, setLongTimeout } from './timers.js'

export interface WillMessage {
  readonly topic: string
  readonly payload: Buffer
  readonly qos: QoS
  readonly retain: boolean
  /** Forwardable properties (no Will Delay, no Message Expiry). */
  readonly properties: PublishProperties | undefined
  /** Seconds; 0 = never expires. */
  readonly messageExpiryInterval: number
  /** Seconds to wait before publishing (v5 Will Delay Interval). */
  readonly delay: number
  /** The user of the connection that set it: the will is published with that user's rights. */
  readonly username: string | undefined
}

/** Delayed wills by client id, each with its timer. */
export class WillScheduler {
  private readonly pending = new Map<string, { will: WillMessage; timer: LongTimer }>()

  constructor (private readonly engine: Engine) {}

  get pendingCount (): number {
    return this.pending.size
  }

  /** Publishes `will` now, or after `delaySeconds` unless cancelled first (stored meanwhile). */
  schedule (clientId: string, will: WillMessage, delaySeconds: number, now = Date.now()): void {
    this.cancel(clientId)
    if (delaySeconds <= 0) {
      this.publish(clientId, will)
      return
    }
    const fireAt = now + delaySeconds * 1000
    this.engine.store.putWill(toStored(clientId, will, fireAt))
    this.arm(clientId, will, fireAt - now)
  }

  /** Client ids with a will waiting. */
  pendingClientIds (): string[] {
    return [...this.pending.keys()]
  }

  /** Brings back the delayed wills kept in the Store (start-up, after the sessions are restored). */
  async restore (now = Date.now()): Promise<void> {
    for (const stored of await this.engine.store.loadWills()) {
      const will = fromStored(stored)
      // due, or its session ended while the broker was down (the end of the session fires it too)
      if (stored.fireAt <= now || this.engine.sessions.get(stored.clientId) === undefined) {
        this.engine.store.deleteWill(stored.clientId)
        this.publish(stored.clientId, will)
      } else {
        this.arm(stored.clientId, will, stored.fireAt - now)
      }
    }
  }

  /** The client came back before the delay ran out: the will is not sent [MQTT-3.1.3-9]. */
  cancel (clientId: string): void {
    const entry = this.pending.get(clientId)
    if (entry === undefined) return
    entry.timer.cancel()
    this.pending.delete(clientId)
    this.engine.store.deleteWill(clientId)
  }

  /** The session ended before the delay ran out: publish now. */
  fireNow (clientId: string): void {
    const entry = this.pending.get(clientId)
    if (entry === undefined) return
    entry.timer.cancel()
    this.pending.delete(clientId)
    this.engine.store.deleteWill(clientId)
    this.publish(clientId, entry.will)
  }

  private arm (clientId: string, will: WillMessage, ms: number): void {
    const timer = setLongTimeout(() => {
      this.pending.delete(clientId)
      this.engine.store.deleteWill(clientId)
      this.publish(clientId, will)
    }, ms)
    this.pending.set(clientId, { will, timer })
  }

  /** Stops every timer without publishing (broker shutdown: the stored wills wait for the next start). */
  clear (): void {
    for (const { timer } of this.pending.values()) timer.cancel()
    this.pending.clear()
  }

  private publish (clientId: string, will: WillMessage): void {
    // checked at CONNECT, and again now: the rules may have changed since
    if (!this.engine.access.decide({ username: will.username, clientId }, will.topic, 'write', 'topic').allowed) {
      this.engine.log.info({ clientId, topic: will.topic }, 'will not published: the topic rules no longer allow it')
      return
    }
    const now = Date.now()
    const msg: Message = {
      topic: will.topic,
      payload: will.payload,
      qos: will.qos,
      retain: will.retain,
      properties: will.properties,
      expiresAt: will.messageExpiryInterval > 0 ? now + will.messageExpiryInterval * 1000 : 0,
      origin: clientId,
      receivedAt: now,
    }
    this.engine.log.debug({ clientId, topic: will.topic, qos: will.qos }, 'publishing will')
    this.engine.publish(msg, now)
  }
}

function toStored (clientId: string, will: WillMessage, fireAt: number): StoredWill {
  return {
    clientId,
    ...(will.username === undefined ? {} : { username: will.username }),
    fireAt,
    messageExpiryInterval: will.messageExpiryInterval,
    msg: { topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain, properties: will.properties, expiresAt: 0, origin: clientId, receivedAt: fireAt },
  }
}

function fromStored (stored: StoredWill): WillMessage {
  const m = stored.msg
  return {
    topic: m.topic,
    payload: m.payload,
    qos: m.qos,
    retain: m.retain,
    properties: m.properties,
    messageExpiryInterval: stored.messageExpiryInterval,
    delay: 0,
    username: stored.username,
  }
}
