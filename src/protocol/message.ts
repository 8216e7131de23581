/**
 * Message: an application message as routed inside the broker, shared (never copied) by every
 * subscriber it is delivered to. Immutable once created.
 *
 * The v5 properties a publisher sets are forwarded unchanged: payload format [MQTT-3.3.2-4],
 * response topic [MQTT-3.3.2-15], correlation data [MQTT-3.3.2-16], user properties in order
 * [MQTT-3.3.2-17], [MQTT-3.3.2-18], content type [MQTT-3.3.2-20]; Topic Alias and Subscription
 * Identifier are per-hop and never stored here. Message Expiry is kept as an absolute deadline and
 * re-expressed as "seconds left" when the message is sent [MQTT-3.3.2-6].
 */
import type { PublishProperties, QoS } from './packets.js'

export interface Message {
  readonly topic: string
  readonly payload: Buffer
  readonly qos: QoS
  readonly retain: boolean
  /** Forwarded v5 properties (no topicAlias, no subscriptionIdentifier, no messageExpiryInterval). */
  readonly properties: PublishProperties | undefined
  /** Absolute expiry time in ms since the epoch, or 0 when the message never expires. */
  readonly expiresAt: number
  /** Client id of the publisher ('' for messages the broker makes: wills, $SYS). */
  readonly origin: string
  /** When the broker received it (ms since the epoch). */
  readonly receivedAt: number
  /**
   * When it arrived, in µs since the epoch (performance clock): set only while a trace is active
   * (Tracer.stampArrival), for the `latency_us` of its deliveries.
   */
  readonly arrivalUs?: number
}

/**
 * Seconds of life left at `now`, rounded up and at least 1 (a message whose onward delivery has
 * started is still sent, e.g. a resend). Only meaningful when expiresAt > 0.
 */
export function secondsLeft (msg: Message, now: number): number {
  const ms = msg.expiresAt - now
  return ms <= 1000 ? 1 : Math.ceil(ms / 1000)
}

/** True when the message carries an expiry that has passed [MQTT-3.3.2-5]. */
export function isExpired (msg: Message, now: number): boolean {
  return msg.expiresAt !== 0 && msg.expiresAt <= now
}

/** Copies the forwardable properties of an inbound PUBLISH, or undefined when none are left. */
export function forwardableProperties (props: PublishProperties | undefined): PublishProperties | undefined {
  if (props === undefined) return undefined
  const { topicAlias: _alias, subscriptionIdentifier: _subId, messageExpiryInterval: _expiry, ...rest } = props
  return Object.keys(rest).length > 0 ? rest : undefined
}
