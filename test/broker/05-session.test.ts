/**
 * Sessions (MQTT 3.1.1 §3.1.2.4, MQTT 5.0 §3.1.2.4, §3.1.2.11.2, §4.1): what survives a connection
 * and what does not. The subscriber whose session is under test is a raw client, so that session
 * present, DUP flags and the exact PUBLISH sequence are visible and nothing is acknowledged behind
 * the test's back; publishers are mqtt.js clients whose publishAsync() resolves once the broker has
 * routed the message (PUBACK/PUBCOMP), so "offline" deliveries are ordered without sleeps.
 * Order-based "nothing else arrived" checks rely on the broker delivering one publisher's messages
 * to one subscriber in order.
 */
import { type EventEmitter, once } from 'node:events'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import mqtt from 'mqtt'
import type { IConnackPacket, IPublishPacket } from 'mqtt-packet'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { type RawClient, rawClient } from '../helpers/raw-client.js'

type Version = 4 | 5

interface SessionOpts {
  clientId: string
  clean: boolean
  /** v5 Session Expiry Interval in CONNECT (ignored in v4, where clean=false means "keep"). */
  expiry?: number
  receiveMaximum?: number
}

/** Opens a raw connection for `opts.clientId`; returns the client and its CONNACK. */
async function openSession (t: TestContext, port: number, version: Version, opts: SessionOpts) {
  const raw = await rawClient(t, port, version)
  const properties: Record<string, number> = {}
  if (version === 5 && opts.expiry !== undefined) properties.sessionExpiryInterval = opts.expiry
  if (version === 5 && opts.receiveMaximum !== undefined) properties.receiveMaximum = opts.receiveMaximum
  const connack = await raw.connect({
    clientId: opts.clientId,
    clean: opts.clean,
    ...(version === 5 ? { properties } : {}),
  })
  t.assert.equal(version === 5 ? connack.reasonCode : connack.returnCode, 0, 'CONNACK accepted')
  return { raw, connack }
}

let nextPacketId = 1

async function subscribe (t: TestContext, raw: RawClient, topic: string, qos: 0 | 1 | 2): Promise<void> {
  const messageId = nextPacketId++
  raw.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] })
  const suback = await raw.next('suback')
  t.assert.deepEqual([suback.messageId, suback.granted], [messageId, [qos]], 'SUBACK grants the QoS')
}

/** Sends DISCONNECT and waits for the broker to close the socket. */
async function disconnect (raw: RawClient, properties?: { sessionExpiryInterval: number }): Promise<void> {
  raw.send({ cmd: 'disconnect', ...(properties !== undefined ? { properties } : {}) })
  await raw.closed()
}

/** The next `n` PUBLISH packets as [topic, payload, qos, dup]. */
async function publishes (raw: RawClient, n: number): Promise<Array<[string, string, number, boolean]>> {
  const out: Array<[string, string, number, boolean]> = []
  for (let i = 0; i < n; i++) {
    const p = await raw.next('publish') as IPublishPacket
    out.push([p.topic, p.payload.toString(), p.qos, p.dup])
  }
  return out
}

const uid = (): string => Math.random().toString(16).slice(2, 10)

for (const version of [4, 5] as const) {
  const persistent = { clean: false, ...(version === 5 ? { expiry: 60 } : {}) }
  const presentTag = version === 5 ? '[MQTT-3.2.2-3]' : '[MQTT-3.2.2-2]'

  test(`${presentTag} v${version}: a persistent session keeps its subscription and queues QoS 1/2 while offline; session present = 1`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const clientId = `sess-${uid()}`
    const first = await openSession(t, port, version, { clientId, ...persistent })
    t.assert.equal(first.connack.sessionPresent, false, 'no session the first time')
    await subscribe(t, first.raw, 'sess/#', 2)
    await disconnect(first.raw)

    const pub = await connect(t, url, { protocolVersion: version })
    await pub.publishAsync('sess/a', 'one', { qos: 1 })
    await pub.publishAsync('sess/b', 'two', { qos: 2 })

    const second = await openSession(t, port, version, { clientId, ...persistent })
    t.assert.equal(second.connack.sessionPresent, true, 'session present on resume')
    t.assert.deepEqual(await publishes(second.raw, 2), [['sess/a', 'one', 1, false], ['sess/b', 'two', 2, false]])

    // The subscription is still in place for live traffic too.
    await pub.publishAsync('sess/c', 'three', { qos: 1 })
    t.assert.deepEqual(await publishes(second.raw, 1), [['sess/c', 'three', 1, false]])
  })

  test(`v${version}: QoS 0 messages are not queued for an offline session`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const clientId = `sess-${uid()}`
    const first = await openSession(t, port, version, { clientId, ...persistent })
    await subscribe(t, first.raw, 'q0/#', 2)
    await disconnect(first.raw)

    const pub = await connect(t, url, { protocolVersion: version })
    await pub.publishAsync('q0/x', 'zero', { qos: 0 })
    // The QoS 1 publish after it is both the fence (its PUBACK means the QoS 0 one was routed
    // before it) and the proof that the session was kept.
    await pub.publishAsync('q0/x', 'one', { qos: 1 })

    const second = await openSession(t, port, version, { clientId, ...persistent })
    t.assert.equal(second.connack.sessionPresent, true)
    t.assert.deepEqual(await publishes(second.raw, 1), [['q0/x', 'one', 1, false]], 'the QoS 0 message was dropped, not queued')
  })

  const cleanTag = version === 5 ? '[MQTT-3.1.2-4]' : '[MQTT-3.1.2-6]'
  test(`${cleanTag} v${version}: clean start discards the old session, its queue and its subscriptions`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const clientId = `sess-${uid()}`
    const first = await openSession(t, port, version, { clientId, ...persistent })
    await subscribe(t, first.raw, 'old/#', 1)
    await disconnect(first.raw)
    const pub = await connect(t, url, { protocolVersion: version })
    await pub.publishAsync('old/queued', 'stale', { qos: 1 })

    const second = await openSession(t, port, version, { clientId, clean: true })
    t.assert.equal(second.connack.sessionPresent, false, 'clean start: no session present')
    await subscribe(t, second.raw, 'fence', 1)
    await pub.publishAsync('old/live', 'gone', { qos: 1 })
    await pub.publishAsync('fence', 'fence', { qos: 1 })
    // Neither the queued message nor the live one on the old subscription comes before the fence.
    t.assert.deepEqual(await publishes(second.raw, 1), [['fence', 'fence', 1, false]])
    t.assert.equal(second.raw.received.filter((p) => p.cmd === 'publish').length, 1)
  })

  test(`[MQTT-3.1.4-3] v${version}: a takeover with clean start 0 keeps the session: the new connection gets the unacknowledged and queued messages`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const clientId = `sess-${uid()}`
    // v5: Receive Maximum 1 keeps the second message queued behind the first, unacknowledged one.
    const first = await openSession(t, port, version, { clientId, ...persistent, receiveMaximum: 1 })
    await subscribe(t, first.raw, 'tk/#', 1)
    const pub = await connect(t, url, { protocolVersion: version })
    await pub.publishAsync('tk/1', 'first', { qos: 1 })
    await pub.publishAsync('tk/2', 'second', { qos: 1 })
    // Received but never acknowledged by the first connection.
    t.assert.deepEqual((await publishes(first.raw, 1))[0].slice(0, 2), ['tk/1', 'first'])

    const second = await openSession(t, port, version, { clientId, ...persistent })
    t.assert.equal(second.connack.sessionPresent, true, 'takeover resumes the session')
    if (version === 5) {
      const d = await first.raw.next('disconnect')
      t.assert.equal(d.reasonCode, 0x8e, 'old connection told: session taken over')
    }
    await first.raw.closed()
    const got = await publishes(second.raw, 2)
    t.assert.deepEqual(got.map(([topic, payload, qos]) => [topic, payload, qos]), [['tk/1', 'first', 1], ['tk/2', 'second', 1]])
    t.assert.equal(got[0][3], true, '[MQTT-4.4.0-1] the unacknowledged PUBLISH is resent with DUP=1')
  })
}

test('[MQTT-3.1.2-23] v5: a session with expiry 1 s is gone after 1.5 s, one with expiry 60 s is not', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const short = `short-${uid()}`
  const long = `long-${uid()}`
  for (const [clientId, expiry] of [[short, 1], [long, 60]] as const) {
    const s = await openSession(t, port, 5, { clientId, clean: false, expiry })
    await subscribe(t, s.raw, 'exp/#', 1)
    await disconnect(s.raw)
  }
  // Session expiry is wall-clock time inside the broker (a timer started when the connection
  // closed); there is no event to await for "nothing happened", so this one test waits past it.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const a = await openSession(t, port, 5, { clientId: short, clean: false, expiry: 1 })
  t.assert.equal(a.connack.sessionPresent, false, 'expired session is not resumed')
  const b = await openSession(t, port, 5, { clientId: long, clean: false, expiry: 60 })
  t.assert.equal(b.connack.sessionPresent, true, 'unexpired session is resumed')
})

test('[MQTT-3.14.2-2] v5: DISCONNECT setting a Session Expiry Interval after CONNECT gave 0 is a protocol error', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const clientId = `sess-${uid()}`
  const first = await openSession(t, port, 5, { clientId, clean: true })
  await subscribe(t, first.raw, 'pe/#', 1)
  first.raw.send({ cmd: 'disconnect', properties: { sessionExpiryInterval: 30 } })
  const d = await first.raw.next('disconnect')
  t.assert.equal(d.reasonCode, 0x82, 'DISCONNECT 0x82 Protocol Error')
  await first.raw.closed()
  // The session ended with the connection: the illegal expiry was not applied.
  const second = await openSession(t, port, 5, { clientId, clean: false, expiry: 30 })
  t.assert.equal(second.connack.sessionPresent, false)
})

test('v5: DISCONNECT may lower a non-zero Session Expiry Interval to 0, which ends the session', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const clientId = `sess-${uid()}`
  const first = await openSession(t, port, 5, { clientId, clean: false, expiry: 60 })
  await subscribe(t, first.raw, 'low/#', 1)
  await disconnect(first.raw, { sessionExpiryInterval: 0 })
  t.assert.equal(first.raw.received.some((p) => p.cmd === 'disconnect'), false, 'no DISCONNECT from the broker')
  const second = await openSession(t, port, 5, { clientId, clean: false, expiry: 60 })
  t.assert.equal(second.connack.sessionPresent, false)
})

test('v5: mqtt.js with sessionExpiryInterval receives the messages queued while it was away', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const clientId = `mqttjs-${uid()}`
  const opts = { protocolVersion: 5 as const, clientId, clean: false, properties: { sessionExpiryInterval: 60 } }
  const first = await connect(t, url, opts)
  await first.subscribeAsync('js/#', { qos: 2 })
  await first.endAsync()

  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('js/1', 'a', { qos: 1 })
  await pub.publishAsync('js/2', 'b', { qos: 2 })

  // Queued messages follow the CONNACK immediately: listen before the connection is up.
  const second = mqtt.connect(url, { ...opts, reconnectPeriod: 0 })
  t.after(() => second.endAsync(true))
  const messages = nextMessages(second, 2)
  const [connack] = await once(second as unknown as EventEmitter, 'connect', { signal: AbortSignal.timeout(3000) }) as [IConnackPacket]
  t.assert.equal(connack.sessionPresent, true)
  const got = (await messages).map((m) => [m.topic, m.payload.toString(), m.packet.qos])
  t.assert.deepEqual(got, [['js/1', 'a', 1], ['js/2', 'b', 2]])
})
