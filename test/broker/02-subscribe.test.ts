/**
 * SUBSCRIBE / UNSUBSCRIBE behaviour: wildcard matching, SUBACK codes, replacement, overlapping
 * subscriptions, the v5 subscription options and the per-session subscription limit.
 * "Does not arrive" is asserted with a later marker message on the same path (helpers/messages.ts).
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { collectUntil, publishesBeforePong, text } from '../helpers/messages.js'
import { rawClient } from '../helpers/raw-client.js'

test('wildcards: + matches one level, # any number including the parent (sport/# matches sport)', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const filters = ['sport/#', 'sport/+', '+/tennis/#', '+', '+/+', '#']
  const expected: Record<string, string[]> = {
    'sport/#': ['sport', 'sport/tennis', 'sport/tennis/player1', 'sport/'],
    'sport/+': ['sport/tennis', 'sport/'],
    '+/tennis/#': ['sport/tennis', 'sport/tennis/player1'],
    '+': ['sport', 'sports'],
    '+/+': ['sport/tennis', '/sport', 'sport/'],
    '#': ['sport', 'sport/tennis', 'sport/tennis/player1', 'sports', '/sport', 'sport/'],
  }
  const subs = await Promise.all(filters.map(async (filter) => {
    const c = await connect(t, url)
    await c.subscribeAsync([filter, 'marker'], { qos: 0 })
    return c
  }))
  const pub = await connect(t, url)
  const got = subs.map((c) => collectUntil(c, 'marker'))
  for (const topic of ['sport', 'sport/tennis', 'sport/tennis/player1', 'sports', '/sport', 'sport/', 'marker']) {
    await pub.publishAsync(topic, topic, { qos: 1 })
  }
  const results = await Promise.all(got)
  for (let i = 0; i < filters.length; i++) {
    t.assert.deepEqual(results[i].map((m) => m.topic).filter((x) => x !== 'marker'), expected[filters[i]], `filter ${filters[i]}`)
  }
})

// Clients may not publish under $SYS (the broker's own tree, as in Mosquitto): another $-topic here.
test('[MQTT-4.7.2-1] # and + do not match topics starting with $; $app/# does', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const hash = await connect(t, url)
  await hash.subscribeAsync(['#'], { qos: 0 })
  const plus = await connect(t, url)
  await plus.subscribeAsync(['+/x', 'marker'], { qos: 0 })
  const sys = await connect(t, url)
  await sys.subscribeAsync(['$app/#', 'marker'], { qos: 0 })
  const got = [hash, plus, sys].map((c) => collectUntil(c, 'marker'))
  const pub = await connect(t, url)
  await pub.publishAsync('$app/x', 'sys', { qos: 1 })
  await pub.publishAsync('marker', 'm', { qos: 1 })
  const [h, p, s] = await Promise.all(got)
  t.assert.deepEqual(h.map((m) => m.topic), ['marker'])
  t.assert.deepEqual(p.map((m) => m.topic), ['marker'])
  t.assert.deepEqual(s.map((m) => m.topic), ['$app/x', 'marker'])
})

for (const protocolVersion of [3, 4, 5] as const) {
  test(`[MQTT-3.8.4-6] SUBACK has one code per filter, in order, granting the requested QoS (v${protocolVersion})`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await rawClient(t, port, protocolVersion)
    await raw.connect()
    raw.send({
      cmd: 'subscribe',
      messageId: 11,
      subscriptions: [{ topic: 'a/2', qos: 2 }, { topic: 'a/0', qos: 0 }, { topic: 'a/1', qos: 1 }, { topic: 'a/+/#', qos: 2 }],
    })
    const suback = await raw.next('suback')
    t.assert.equal(suback.messageId, 11)
    t.assert.deepEqual(suback.granted, [2, 0, 1, 2])
  })
}

test('[MQTT-3.8.4-6] [MQTT-4.7.1-1] v5: an invalid filter gets 0x8F while the others in the same SUBSCRIBE succeed', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({
    cmd: 'subscribe',
    messageId: 3,
    subscriptions: [{ topic: 'ok/1', qos: 1 }, { topic: 'a/#/b', qos: 0 }, { topic: 'ok/+', qos: 0 }, { topic: 'x+/y', qos: 0 }],
  })
  t.assert.deepEqual((await raw.next('suback')).granted, [1, 0x8f, 0, 0x8f])
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('ok/1', 'hello', { qos: 1 })
  const msg = await raw.next('publish')
  t.assert.deepEqual([msg.topic, text(msg), msg.qos], ['ok/1', 'hello', 1])
})

test('[MQTT-4.7.1-1] v3.1.1: an invalid filter closes the connection without SUBACK', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  await raw.connect()
  raw.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'ok', qos: 0 }, { topic: 'a/#/b', qos: 0 }] })
  await raw.closed()
  t.assert.equal(raw.received.some((p) => p.cmd === 'suback'), false)
})

for (const protocolVersion of [4, 5] as const) {
  test(`[MQTT-3.8.4-3] a SUBSCRIBE to an existing filter replaces it: new QoS, one copy (v${protocolVersion})`, async (t: TestContext) => {
    const { port, url } = await startBroker(t)
    const raw = await rawClient(t, port, protocolVersion)
    await raw.connect()
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/t', qos: 2 }] })
    t.assert.deepEqual((await raw.next('suback')).granted, [2])
    raw.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'r/t', qos: 0 }] })
    t.assert.deepEqual((await raw.next('suback')).granted, [0])
    const pub = await connect(t, url, { protocolVersion })
    await pub.publishAsync('r/t', 'one', { qos: 2 })
    await pub.publishAsync('r/t', 'two', { qos: 2 })
    const got = await publishesBeforePong(raw)
    t.assert.deepEqual(got.map((p) => [text(p), p.qos]), [['one', 0], ['two', 0]])
  })
}

for (const [plusQos, hashQos] of [[0, 2], [2, 0]] as const) {
  test(`[MQTT-3.3.4-2] v3.1.1: overlapping subscriptions deliver one copy at the highest granted QoS (o/+ ${plusQos}, o/# ${hashQos})`, async (t: TestContext) => {
    const { url } = await startBroker(t)
    const sub = await connect(t, url)
    await sub.subscribeAsync({ 'o/+': { qos: plusQos }, 'o/#': { qos: hashQos }, 'o/x': { qos: 1 } })
    const pub = await connect(t, url)
    const got = collectUntil(sub, 'o/marker')
    await pub.publishAsync('o/x', 'x', { qos: 2 })
    await pub.publishAsync('o/marker', 'm', { qos: 0 })
    const msgs = await got
    t.assert.deepEqual(msgs.map((m) => [m.topic, m.packet.qos]), [['o/x', 2], ['o/marker', 0]])
  })
}

test('[MQTT-3.3.4-2] [MQTT-3.3.4-4] v5: overlapping subscriptions deliver one copy carrying every subscription identifier', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({ cmd: 'subscribe', messageId: 1, properties: { subscriptionIdentifier: 7 }, subscriptions: [{ topic: 'o/+', qos: 1 }] })
  await raw.next('suback')
  raw.send({ cmd: 'subscribe', messageId: 2, properties: { subscriptionIdentifier: 300 }, subscriptions: [{ topic: 'o/#', qos: 0 }] })
  await raw.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('o/x', 'x', { qos: 2 })
  const got = await publishesBeforePong(raw)
  t.assert.equal(got.length, 1)
  t.assert.equal(got[0].qos, 1)
  const ids = got[0].properties?.subscriptionIdentifier
  t.assert.deepEqual(Array.isArray(ids) ? [...ids].sort((a, b) => a - b) : ids, [7, 300])
})

test('[MQTT-3.8.3-3] No Local: the publisher does not get its own message, others do', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const self = await connect(t, url, { protocolVersion: 5 })
  await self.subscribeAsync('nl/t', { qos: 1, nl: true })
  const other = await connect(t, url, { protocolVersion: 5 })
  await other.subscribeAsync('nl/t', { qos: 1 })
  const selfGot = collectUntil(self, 'nl/t')
  const otherGot = nextMessages(other, 2)
  await self.publishAsync('nl/t', 'own', { qos: 1 })
  await other.publishAsync('nl/t', 'marker', { qos: 1 })
  t.assert.deepEqual((await selfGot).map((m) => m.payload), ['marker'])
  t.assert.deepEqual((await otherGot).map((m) => m.payload.toString()), ['own', 'marker'])
})

test('[MQTT-3.3.1-12] [MQTT-3.3.1-13] Retain As Published keeps RETAIN on live messages; without it RETAIN is 0', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const rap = await connect(t, url, { protocolVersion: 5 })
  await rap.subscribeAsync('rap/t', { qos: 1, rap: true })
  const plain = await connect(t, url, { protocolVersion: 5 })
  await plain.subscribeAsync('rap/t', { qos: 1, rap: false })
  const got = [nextMessages(rap, 2), nextMessages(plain, 2)]
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('rap/t', 'retained', { qos: 1, retain: true })
  await pub.publishAsync('rap/t', 'live', { qos: 0, retain: false })
  const [r, p] = await Promise.all(got)
  t.assert.deepEqual(r.map((m) => [m.payload.toString(), m.packet.retain]), [['retained', true], ['live', false]])
  t.assert.deepEqual(p.map((m) => [m.payload.toString(), m.packet.retain]), [['retained', false], ['live', false]])
})

test('v5: the Subscription Identifier is sent back in matching PUBLISH packets, and only there', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('sid/a', { qos: 1, properties: { subscriptionIdentifier: 42 } })
  await sub.subscribeAsync('sid/b', { qos: 0 })
  const got = nextMessages(sub, 3)
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('sid/a', 'q1', { qos: 1 })
  await pub.publishAsync('sid/a', 'q0', { qos: 0 })
  await pub.publishAsync('sid/b', 'none', { qos: 0 })
  const msgs = await got
  t.assert.deepEqual(msgs.map((m) => [m.topic, m.payload.toString(), m.packet.properties?.subscriptionIdentifier]),
    [['sid/a', 'q1', 42], ['sid/a', 'q0', 42], ['sid/b', 'none', undefined]])
})

test('[MQTT-3.8.4-3] v5: a replacing SUBSCRIBE without a Subscription Identifier drops the old one', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({ cmd: 'subscribe', messageId: 1, properties: { subscriptionIdentifier: 5 }, subscriptions: [{ topic: 'sid/t', qos: 1 }] })
  await raw.next('suback')
  raw.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'sid/t', qos: 1 }] })
  await raw.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('sid/t', 'x', { qos: 1 })
  const msg = await raw.next('publish')
  t.assert.equal(msg.properties?.subscriptionIdentifier, undefined)
})

test('[MQTT-3.10.4-2] v3.1.1: UNSUBSCRIBE stops delivery', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const sub = await connect(t, url)
  await sub.subscribeAsync(['u/a', 'u/marker'], { qos: 1 })
  await sub.unsubscribeAsync('u/a')
  const got = collectUntil(sub, 'u/marker')
  const pub = await connect(t, url)
  await pub.publishAsync('u/a', 'gone', { qos: 1 })
  await pub.publishAsync('u/marker', 'm', { qos: 1 })
  t.assert.deepEqual((await got).map((m) => m.topic), ['u/marker'])
})

test('[MQTT-3.11.3-1] v5: UNSUBACK has 0x00 for a removed subscription and 0x11 for none, and delivery stops', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'u/a', qos: 0 }, { topic: 'u/marker', qos: 0 }] })
  await raw.next('suback')
  raw.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['u/a', 'u/never'] })
  const unsuback = await raw.next('unsuback')
  t.assert.equal(unsuback.messageId, 2)
  t.assert.deepEqual(unsuback.granted, [0x00, 0x11])
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('u/a', 'gone', { qos: 1 })
  await pub.publishAsync('u/marker', 'm', { qos: 1 })
  const msg = await raw.next('publish')
  t.assert.equal(msg.topic, 'u/marker')
})

for (const [protocolVersion, refused] of [[5, 0x97], [4, 0x80]] as const) {
  test(`max_subscriptions_per_client: 2 refuses a third filter with 0x${refused.toString(16)} (v${protocolVersion})`, async (t: TestContext) => {
    const { port, url } = await startBroker(t, { max_subscriptions_per_client: 2 })
    const raw = await rawClient(t, port, protocolVersion)
    await raw.connect()
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q/a', qos: 1 }, { topic: 'q/b', qos: 1 }, { topic: 'q/c', qos: 1 }] })
    t.assert.deepEqual((await raw.next('suback')).granted, [1, 1, refused])
    // Re-subscribing to a filter already held does not count against the limit.
    raw.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'q/a', qos: 0 }] })
    t.assert.deepEqual((await raw.next('suback')).granted, [0])
    const pub = await connect(t, url, { protocolVersion })
    await pub.publishAsync('q/c', 'refused', { qos: 1 })
    await pub.publishAsync('q/b', 'marker', { qos: 1 })
    const msg = await raw.next('publish')
    t.assert.deepEqual([msg.topic, text(msg)], ['q/b', 'marker'])
  })
}
