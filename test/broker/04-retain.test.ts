/**
 * Retained messages: sent on subscribe with RETAIN=1, replaced, cleared by an empty payload, the
 * RETAIN flag of live messages, v5 Retain Handling, message expiry and shared subscriptions.
 * "Not sent" is asserted with a later live marker message on the same subscription.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { collectUntil, publishesBeforePong, text } from '../helpers/messages.js'
import { rawClient } from '../helpers/raw-client.js'

for (const protocolVersion of [4, 5] as const) {
  test(`[MQTT-3.3.1-8] (3.1.1) [MQTT-3.3.1-9] (5.0) a retained message is sent to a new subscriber with RETAIN=1 at min(QoS) (v${protocolVersion})`, async (t: TestContext) => {
    const { url } = await startBroker(t)
    const pub = await connect(t, url, { protocolVersion })
    await pub.publishAsync('ret/a', 'kept', { qos: 1, retain: true })
    await pub.publishAsync('ret/b', 'kept-q2', { qos: 2, retain: true })
    const sub = await connect(t, url, { protocolVersion })
    const got = nextMessages(sub, 2)
    await sub.subscribeAsync('ret/#', { qos: 1 })
    const msgs = (await got).sort((a, b) => a.topic.localeCompare(b.topic))
    t.assert.deepEqual(msgs.map((m) => [m.topic, m.payload.toString(), m.packet.retain, m.packet.qos]),
      [['ret/a', 'kept', true, 1], ['ret/b', 'kept-q2', true, 1]])
  })

  test(`[MQTT-3.3.1-5] (5.0) a retained message replaces the previous one on its topic (v${protocolVersion})`, async (t: TestContext) => {
    const { url } = await startBroker(t)
    const pub = await connect(t, url, { protocolVersion })
    await pub.publishAsync('ret/t', 'v1', { qos: 1, retain: true })
    await pub.publishAsync('ret/t', 'v2', { qos: 1, retain: true })
    const sub = await connect(t, url, { protocolVersion })
    const got = collectUntil(sub, 'ret/marker')
    await sub.subscribeAsync(['ret/t', 'ret/marker'], { qos: 1 })
    await pub.publishAsync('ret/marker', 'm', { qos: 1 })
    t.assert.deepEqual((await got).map((m) => [m.topic, m.payload, m.packet.retain]), [['ret/t', 'v2', true], ['ret/marker', 'm', false]])
  })

  test(`[MQTT-3.3.1-6] [MQTT-3.3.1-7] (5.0) an empty retained payload clears the topic and is forwarded, not stored (v${protocolVersion})`, async (t: TestContext) => {
    const { url } = await startBroker(t)
    const live = await connect(t, url, { protocolVersion })
    await live.subscribeAsync('ret/t', { qos: 1 })
    const liveGot = nextMessages(live, 2)
    const pub = await connect(t, url, { protocolVersion })
    await pub.publishAsync('ret/t', 'value', { qos: 1, retain: true })
    await pub.publishAsync('ret/t', '', { qos: 1, retain: true })
    t.assert.deepEqual((await liveGot).map((m) => m.payload.toString()), ['value', ''])

    const sub = await connect(t, url, { protocolVersion })
    const got = collectUntil(sub, 'ret/marker')
    await sub.subscribeAsync(['ret/t', 'ret/marker'], { qos: 1 })
    await pub.publishAsync('ret/marker', 'm', { qos: 1 })
    t.assert.deepEqual((await got).map((m) => m.topic), ['ret/marker'])
  })

  test(`[MQTT-3.3.1-8] (5.0) a PUBLISH with RETAIN=0 neither stores nor replaces the retained message (v${protocolVersion})`, async (t: TestContext) => {
    const { url } = await startBroker(t)
    const pub = await connect(t, url, { protocolVersion })
    await pub.publishAsync('ret/t', 'kept', { qos: 1, retain: true })
    await pub.publishAsync('ret/t', 'not kept', { qos: 1, retain: false })
    await pub.publishAsync('ret/other', 'not kept either', { qos: 1, retain: false })
    const sub = await connect(t, url, { protocolVersion })
    const got = collectUntil(sub, 'ret/marker')
    await sub.subscribeAsync(['ret/+'], { qos: 1 })
    await pub.publishAsync('ret/marker', 'm', { qos: 1 })
    t.assert.deepEqual((await got).map((m) => [m.topic, m.payload]), [['ret/t', 'kept'], ['ret/marker', 'm']])
  })
}

test('[MQTT-3.3.1-9] (3.1.1) a live message is forwarded with RETAIN=0 to an existing v3.1.1 subscriber', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 4 })
  await sub.subscribeAsync('live/t', { qos: 1 })
  const got = nextMessages(sub, 2)
  const pub = await connect(t, url, { protocolVersion: 4 })
  await pub.publishAsync('live/t', 'q1', { qos: 1, retain: true })
  await pub.publishAsync('live/t', 'q0', { qos: 0, retain: true })
  t.assert.deepEqual((await got).map((m) => [m.payload.toString(), m.packet.retain]), [['q1', false], ['q0', false]])
})

test('[MQTT-3.3.1-12] (5.0) without Retain As Published: live messages are forwarded with RETAIN=0', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('live/t', { qos: 1, rap: false })
  const got = nextMessages(sub, 2)
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('live/t', 'q1', { qos: 1, retain: true })
  await pub.publishAsync('live/t', 'q0', { qos: 0, retain: true })
  t.assert.deepEqual((await got).map((m) => [m.payload.toString(), m.packet.retain]), [['q1', false], ['q0', false]])
})

test('[MQTT-3.3.1-9] [MQTT-3.3.1-10] Retain Handling 0 sends retained messages on every SUBSCRIBE, 1 only on a new subscription', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('rh/t', 'kept', { qos: 1, retain: true })
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  const subscribe = async (messageId: number, topic: string, rh: 0 | 1 | 2): Promise<string[]> => {
    const from = raw.received.length
    raw.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos: 1, rh }] })
    await raw.next('suback')
    return (await publishesBeforePong(raw, from)).map((p) => `${p.topic}=${text(p)}${p.retain ? ' (retained)' : ''}`)
  }
  t.assert.deepEqual(await subscribe(1, 'rh/t', 1), ['rh/t=kept (retained)'], 'rh=1, new subscription')
  t.assert.deepEqual(await subscribe(2, 'rh/t', 1), [], 'rh=1, existing subscription')
  t.assert.deepEqual(await subscribe(3, 'rh/t', 0), ['rh/t=kept (retained)'], 'rh=0, existing subscription')
  t.assert.deepEqual(await subscribe(4, 'rh/+', 0), ['rh/t=kept (retained)'], 'rh=0, new subscription')
})

test('[MQTT-3.3.1-11] Retain Handling 2 never sends retained messages, live ones still arrive', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('rh/t', 'kept', { qos: 1, retain: true })
  const sub = await connect(t, url, { protocolVersion: 5 })
  const got = collectUntil(sub, 'rh/t')
  await sub.subscribeAsync('rh/t', { qos: 1, rh: 2 })
  await pub.publishAsync('rh/t', 'live', { qos: 1 })
  t.assert.deepEqual((await got).map((m) => m.payload), ['live'])
})

test('[MQTT-3.3.2-5] a retained message is not sent after its Message Expiry Interval has passed', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('exp/short', 'short', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } })
  await pub.publishAsync('exp/long', 'long', { qos: 1, retain: true, properties: { messageExpiryInterval: 60 } })
  // Waiting on wall-clock expiry (1 s): the broker has no injectable clock, so this timer is the
  // only way to let the message age. Ordering does not depend on it.
  await delay(1200)
  for (const qos of [0, 1] as const) {
    const sub = await connect(t, url, { protocolVersion: 5 })
    const got = collectUntil(sub, 'exp/marker')
    await sub.subscribeAsync(['exp/+', 'exp/marker'], { qos })
    await pub.publishAsync('exp/marker', 'm', { qos: 1 })
    const msgs = await got
    t.assert.deepEqual(msgs.map((m) => m.topic), ['exp/long', 'exp/marker'], `subscribed at QoS ${qos}`)
    const left = msgs[0].packet.properties?.messageExpiryInterval
    t.assert.ok(left !== undefined && left >= 1 && left <= 59, `remaining expiry ${left} should be in 1..59`)
  }
})

for (const protocolVersion of [4, 5] as const) {
  test(`retained messages are not sent to a shared subscription (MQTT 5.0 §4.8.2) (v${protocolVersion})`, async (t: TestContext) => {
    const { url } = await startBroker(t)
    const pub = await connect(t, url, { protocolVersion })
    await pub.publishAsync('sh/t', 'kept', { qos: 1, retain: true })
    const sub = await connect(t, url, { protocolVersion })
    const got = nextMessages(sub, 1)
    await sub.subscribeAsync('$share/g/sh/t', { qos: 1 })
    await pub.publishAsync('sh/t', 'live', { qos: 1 })
    const [msg] = await got
    t.assert.deepEqual([msg.topic, msg.payload.toString(), msg.packet.retain], ['sh/t', 'live', false])
  })
}

test('v5: retained messages sent on subscribe carry that SUBSCRIBE\'s Subscription Identifier', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('rsid/t', 'kept', { qos: 1, retain: true })
  const sub = await connect(t, url, { protocolVersion: 5 })
  const got = nextMessages(sub, 1)
  await sub.subscribeAsync('rsid/#', { qos: 1, properties: { subscriptionIdentifier: 77 } })
  const [m] = await got
  t.assert.deepEqual([m.topic, m.packet.retain, m.packet.properties?.subscriptionIdentifier], ['rsid/t', true, 77])
})
