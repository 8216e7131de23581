/**
 * MQTT 5 PUBLISH properties through the broker: forwarded unchanged, Message Expiry counted down,
 * Topic Aliases both ways, and the properties a client may not send (Subscription Identifier 0,
 * Subscription Identifier in PUBLISH). A payload flagged as UTF-8 that is not: 21-conformance.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { collectUntil, flushed, publishesBeforePong, text } from '../helpers/messages.js'
import { rawClient } from '../helpers/raw-client.js'

const PROPERTIES = {
  payloadFormatIndicator: true,
  contentType: 'application/json; charset=utf-8',
  responseTopic: 'reply/here',
  correlationData: Buffer.from([0, 1, 2, 0xff]),
  userProperties: { zeta: ['1', '2', '3'], alpha: 'a', 'key with spaces': ['x', 'x'] },
}

for (const qos of [0, 1, 2] as const) {
  test(`[MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20] publish properties are forwarded unchanged (QoS ${qos})`, async (t: TestContext) => {
    const { port, url } = await startBroker(t)
    const raw = await rawClient(t, port, 5)
    await raw.connect()
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'props/t', qos: 2 }] })
    await raw.next('suback')
    const pub = await connect(t, url, { protocolVersion: 5 })
    await pub.publishAsync('props/t', '{"a":1}', { qos, properties: PROPERTIES })
    const msg = await raw.next('publish')
    t.assert.equal(text(msg), '{"a":1}')
    t.assert.deepEqual(msg.properties, PROPERTIES)
  })
}

test('[MQTT-3.3.2-18] repeated user property keys keep their order on the wire', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const sub = await rawClient(t, port, 5)
  await sub.connect()
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'up/t', qos: 0 }] })
  await sub.next('suback')
  const pub = await rawClient(t, port, 5)
  await pub.connect()
  pub.send({ cmd: 'publish', topic: 'up/t', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { userProperties: { k: ['3', '1', '2'], j: 'z' } } })
  const msg = await sub.next('publish')
  t.assert.deepEqual(msg.properties?.userProperties, { k: ['3', '1', '2'], j: 'z' })
  t.assert.deepEqual(Object.keys(msg.properties?.userProperties ?? {}), ['k', 'j'])
})

test('[MQTT-3.3.2-6] [MQTT-3.3.2-5] Message Expiry counts down while queued and expired messages are dropped', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const clientId = 'expiry-offline'
  const first = await rawClient(t, port, 5)
  await first.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } })
  first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'exp/t', qos: 1 }] })
  await first.next('suback')
  first.send({ cmd: 'disconnect' })
  await first.closed()
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('exp/t', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } })
  await pub.publishAsync('exp/t', 'long', { qos: 1, properties: { messageExpiryInterval: 10 } })
  await pub.publishAsync('exp/t', 'forever', { qos: 1 })
  // Waiting on wall-clock expiry: the broker has no injectable clock, so the session stays offline
  // for 1.2 s of real time. Ordering does not depend on this timer.
  await delay(1200)
  const second = await rawClient(t, port, 5)
  t.assert.equal((await second.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 0 } })).sessionPresent, true)
  const got = await publishesBeforePong(second)
  t.assert.deepEqual(got.map(text), ['long', 'forever'])
  const left = got[0].properties?.messageExpiryInterval
  t.assert.ok(left !== undefined && left >= 1 && left <= 9, `remaining expiry ${left} should be in 1..9`)
  t.assert.equal(got[1].properties?.messageExpiryInterval, undefined)
})

test('[MQTT-3.3.2-6] a live message carries a Message Expiry Interval no larger than the one published', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('exp/live', { qos: 1 })
  const got = nextMessages(sub, 2)
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('exp/live', 'q0', { qos: 0, properties: { messageExpiryInterval: 30 } })
  await pub.publishAsync('exp/live', 'q1', { qos: 1, properties: { messageExpiryInterval: 30 } })
  for (const m of await got) {
    const left = m.packet.properties?.messageExpiryInterval
    t.assert.ok(left !== undefined && left >= 1 && left <= 30, `${m.payload.toString()}: remaining expiry ${left}`)
  }
})

test('[MQTT-3.3.2-12] a client may define a Topic Alias and then publish with an empty topic', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('alias/#', { qos: 1 })
  const got = nextMessages(sub, 4)
  const raw = await rawClient(t, port, 5)
  const connack = await raw.connect()
  t.assert.equal(connack.properties?.topicAliasMaximum, 10)
  const publish = (topic: string, alias: number, payload: string, messageId: number): void => {
    raw.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, dup: false, retain: false, messageId, properties: { topicAlias: alias } })
  }
  publish('alias/one', 1, 'a', 1)
  publish('', 1, 'b', 2)
  publish('alias/two', 1, 'c', 3) // redefines alias 1
  publish('', 1, 'd', 4)
  const msgs = await got
  t.assert.deepEqual(msgs.map((m) => [m.topic, m.payload.toString()]), [['alias/one', 'a'], ['alias/one', 'b'], ['alias/two', 'c'], ['alias/two', 'd']])
  for (const m of msgs) t.assert.equal(m.packet.properties?.topicAlias, undefined, 'the inbound alias is not forwarded')
})

test('[MQTT-3.3.2-9] a Topic Alias above topic_alias_maximum → DISCONNECT 0x94', async (t: TestContext) => {
  const { port } = await startBroker(t, { topic_alias_maximum: 3 })
  const raw = await rawClient(t, port, 5)
  t.assert.equal((await raw.connect()).properties?.topicAliasMaximum, 3)
  raw.send({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, dup: false, retain: false, messageId: 1, properties: { topicAlias: 4 } })
  t.assert.equal((await raw.next('disconnect')).reasonCode, 0x94)
  await raw.closed()
  t.assert.equal(raw.received.some((p) => p.cmd === 'puback'), false)
})

test('[MQTT-3.3.2-9] topic_alias_maximum: 0 refuses every Topic Alias with DISCONNECT 0x94', async (t: TestContext) => {
  const { port } = await startBroker(t, { topic_alias_maximum: 0 })
  const raw = await rawClient(t, port, 5)
  const connack = await raw.connect()
  t.assert.ok((connack.properties?.topicAliasMaximum ?? 0) === 0)
  raw.send({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { topicAlias: 1 } })
  t.assert.equal((await raw.next('disconnect')).reasonCode, 0x94)
  await raw.closed()
})

test('an empty topic with an undefined Topic Alias → DISCONNECT 0x82', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({ cmd: 'publish', topic: '', payload: Buffer.from('x'), qos: 1, dup: false, retain: false, messageId: 1, properties: { topicAlias: 2 } })
  t.assert.equal((await raw.next('disconnect')).reasonCode, 0x82)
  await raw.closed()
})

test('[MQTT-3.3.2-8] a Topic Alias of 0 → DISCONNECT 0x94', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { topicAlias: 0 } })
  t.assert.equal((await raw.next('disconnect')).reasonCode, 0x94)
  await raw.closed()
})

test('[MQTT-3.3.2-7] client → broker Topic Aliases do not survive the connection', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const clientId = 'alias-reconnect'
  const first = await rawClient(t, port, 5)
  await first.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } })
  first.send({ cmd: 'publish', topic: 'al/t', payload: Buffer.from('a'), qos: 1, dup: false, retain: false, messageId: 1, properties: { topicAlias: 1 } })
  await first.next('puback')
  first.send({ cmd: 'disconnect' })
  await first.closed()
  const second = await rawClient(t, port, 5)
  t.assert.equal((await second.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } })).sessionPresent, true)
  second.send({ cmd: 'publish', topic: '', payload: Buffer.from('b'), qos: 1, dup: false, retain: false, messageId: 2, properties: { topicAlias: 1 } })
  t.assert.equal((await second.next('disconnect')).reasonCode, 0x82)
  await second.closed()
})

test('[MQTT-3.3.2-7] broker → client Topic Aliases are defined afresh on a new connection', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const clientId = 'alias-out-reconnect'
  const opts = { clientId, clean: false, properties: { sessionExpiryInterval: 60, topicAliasMaximum: 5 } }
  const first = await rawClient(t, port, 5)
  await first.connect(opts)
  first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ta/t', qos: 0 }] })
  await first.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('ta/t', '1', { qos: 0 })
  await pub.publishAsync('ta/t', '2', { qos: 0 })
  await flushed(pub)
  t.assert.deepEqual((await publishesBeforePong(first)).map((p) => [p.topic, p.properties?.topicAlias]), [['ta/t', 1], ['', 1]])
  first.send({ cmd: 'disconnect' })
  await first.closed()
  const second = await rawClient(t, port, 5)
  await second.connect(opts)
  await pub.publishAsync('ta/t', '3', { qos: 0 })
  await flushed(pub)
  const [msg] = await publishesBeforePong(second)
  t.assert.deepEqual([msg.topic, msg.properties?.topicAlias, text(msg)], ['ta/t', 1, '3'])
})

test('[MQTT-3.3.2-11] [MQTT-3.1.2-26] broker → client Topic Alias: the second delivery has an empty topic and the alias', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect({ properties: { topicAliasMaximum: 2 } })
  raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ta/#', qos: 1 }] })
  await raw.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  for (const topic of ['ta/one', 'ta/one', 'ta/two', 'ta/three', 'ta/three', 'ta/two']) {
    await pub.publishAsync(topic, topic, { qos: 0 })
  }
  await pub.publishAsync('ta/one', 'q1', { qos: 1 })
  const got = await publishesBeforePong(raw)
  const seen = got.map((p) => [p.topic, p.properties?.topicAlias, text(p)])
  t.assert.deepEqual(seen.slice(0, 2), [['ta/one', 1, 'ta/one'], ['', 1, 'ta/one']])
  t.assert.deepEqual(seen[2], ['ta/two', 2, 'ta/two'])
  // No alias left (maximum 2): ta/three goes with its full topic name each time, never alias 3.
  t.assert.deepEqual(seen.slice(3, 5).map((s) => s[0]), ['ta/three', 'ta/three'])
  t.assert.ok(got.every((p) => (p.properties?.topicAlias ?? 0) <= 2), 'no alias above the client maximum')
  t.assert.deepEqual(seen.slice(5), [['', 2, 'ta/two'], ['', 1, 'q1']])
})

test('broker → client Topic Alias: mqtt.js resolves aliased deliveries back to the topic', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5, properties: { topicAliasMaximum: 5 } })
  await sub.subscribeAsync('ta/#', { qos: 1 })
  const got = nextMessages(sub, 3)
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('ta/x', '1', { qos: 0 })
  await pub.publishAsync('ta/x', '2', { qos: 1 })
  await pub.publishAsync('ta/x', '3', { qos: 2 })
  const msgs = await got
  t.assert.deepEqual(msgs.map((m) => [m.topic, m.payload.toString()]), [['ta/x', '1'], ['ta/x', '2'], ['ta/x', '3']])
})

test('a Subscription Identifier of 0 is a Protocol Error → DISCONNECT 0x82', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({ cmd: 'subscribe', messageId: 1, properties: { subscriptionIdentifier: 0 }, subscriptions: [{ topic: 'a', qos: 0 }] })
  t.assert.equal((await raw.next('disconnect')).reasonCode, 0x82)
  await raw.closed()
  t.assert.equal(raw.received.some((p) => p.cmd === 'suback'), false)
})

test('[MQTT-3.3.4-6] a PUBLISH from a client carrying a Subscription Identifier → DISCONNECT 0x81', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('sid/t', { qos: 1 })
  const got = collectUntil(sub, 'sid/t')
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({ cmd: 'publish', topic: 'sid/t', payload: Buffer.from('x'), qos: 1, dup: false, retain: false, messageId: 1, properties: { subscriptionIdentifier: 5 } })
  t.assert.equal((await raw.next('disconnect')).reasonCode, 0x81)
  await raw.closed()
  t.assert.equal(raw.received.some((p) => p.cmd === 'puback'), false)
  await (await connect(t, url, { protocolVersion: 5 })).publishAsync('sid/t', 'marker', { qos: 1 })
  t.assert.deepEqual((await got).map((m) => m.payload), ['marker'])
})
