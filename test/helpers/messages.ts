/**
 * Waiting helpers for routing tests: "what arrived before the marker" for mqtt.js and raw clients,
 * so that a test can assert a message did NOT arrive without sleeping.
 *
 * The marker travels the same path as the message under test (same broker → subscriber socket),
 * so anything the broker sent before it has arrived when the marker does.
 */
import type { IPublishPacket, MqttClient } from 'mqtt'
import type { Packet } from 'mqtt-packet'
import type { RawClient } from './raw-client.js'

export interface Received { topic: string; payload: string; packet: IPublishPacket }

/**
 * Resolves with every message `client` receives from now on up to and including the first one on
 * `markerTopic` (payloads as strings), or rejects after `timeoutMs`.
 */
export function collectUntil (client: MqttClient, markerTopic: string, timeoutMs = 3000): Promise<Received[]> {
  return new Promise((resolve, reject) => {
    const got: Received[] = []
    const timer = setTimeout(() => {
      client.off('message', onMessage)
      reject(new Error(`timed out waiting for marker '${markerTopic}', got [${got.map((m) => m.topic).join(', ')}]`))
    }, timeoutMs)
    function onMessage (topic: string, payload: Buffer, packet: IPublishPacket): void {
      got.push({ topic, payload: payload.toString(), packet })
      if (topic === markerTopic) {
        clearTimeout(timer)
        client.off('message', onMessage)
        resolve(got)
      }
    }
    client.on('message', onMessage)
  })
}

export type RawPublish = Extract<Packet, { cmd: 'publish' }>

/**
 * Sends PINGREQ and waits for PINGRESP; returns the PUBLISH packets received since index `from`
 * of `raw.received`. The broker answers PINGREQ after everything it has already written to this
 * socket, so the result is "every PUBLISH the broker had sent by now".
 */
export async function publishesBeforePong (raw: RawClient, from = 0): Promise<RawPublish[]> {
  raw.send({ cmd: 'pingreq' })
  await raw.next('pingresp')
  return raw.received.slice(from).filter((p): p is RawPublish => p.cmd === 'publish')
}

/** Polls `predicate` every few milliseconds until it holds (rejects after `timeoutMs`). */
export async function until (predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Payload of a raw PUBLISH as a string. */
export function text (p: RawPublish): string {
  return Buffer.isBuffer(p.payload) ? p.payload.toString() : String(p.payload)
}

/**
 * Resolves once the broker has handled everything `client` sent before: a QoS 0 `publishAsync`
 * resolves when mqtt.js has written it, not when the broker has routed it, so tests that then look
 * at a subscriber's socket first send this QoS 1 PUBLISH (to a `$` topic no wildcard matches) and
 * wait for its PUBACK, which the broker sends after the earlier packets of the same connection.
 */
export async function flushed (client: MqttClient): Promise<void> {
  await client.publishAsync('$flush', '', { qos: 1 })
}
