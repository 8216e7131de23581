/**
 * Shared subscriptions (`$share/<group>/<filter>`, MQTT 5.0 §4.8.2, also offered to v3.1.1 clients)
 * and direct messaging (`$direct/<client id>` with `direct_messaging: true`).
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { collectUntil, publishesBeforePong, text, until } from '../helpers/messages.js'
import { rawClient } from '../helpers/raw-client.js'

for (const protocolVersion of [4, 5] as const) {
  test(`$share/g/t/# delivers each message to one member, round-robin (v${protocolVersion})`, async (t: TestContext) => {
    const { url } = await startBroker(t)
    const members = await Promise.all([1, 2].map(async () => {
      const c = await connect(t, url, { protocolVersion })
      await c.subscribeAsync({ '$share/g/t/#': { qos: 1 }, mk: { qos: 1 } })
      return c
    }))
    const got = members.map((c) => collectUntil(c, 'mk'))
    const pub = await connect(t, url, { protocolVersion })
    for (let i = 1; i <= 4; i++) await pub.publishAsync(`t/${i}`, `m${i}`, { qos: 1 })
    await pub.publishAsync('mk', 'marker', { qos: 1 }) // not shared: both members get it, after their share
    const [fromA, fromB] = (await Promise.all(got)).map((msgs) => msgs.filter((m) => m.topic !== 'mk').map((m) => m.payload))
    t.assert.deepEqual([fromA.length, fromB.length], [2, 2], `a got ${fromA}, b got ${fromB}`)
    t.assert.deepEqual([...fromA, ...fromB].sort(), ['m1', 'm2', 'm3', 'm4'])
  })
}

test('a normal and a shared subscriber both receive a message', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const normal = await connect(t, url, { protocolVersion: 5 })
  await normal.subscribeAsync('both/t', { qos: 1 })
  const shared = await connect(t, url, { protocolVersion: 5 })
  await shared.subscribeAsync('$share/grp/both/t', { qos: 1 })
  const got = [nextMessages(normal, 1), nextMessages(shared, 1)]
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('both/t', 'hi', { qos: 1 })
  for (const [m] of await Promise.all(got)) t.assert.deepEqual([m.topic, m.payload.toString()], ['both/t', 'hi'])
})

test('two share groups on the same filter each get one copy', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const g1 = await connect(t, url, { protocolVersion: 5 })
  await g1.subscribeAsync('$share/one/grp/t', { qos: 1 })
  const g2 = await connect(t, url, { protocolVersion: 5 })
  await g2.subscribeAsync('$share/two/grp/t', { qos: 1 })
  const got = [nextMessages(g1, 1), nextMessages(g2, 1)]
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('grp/t', 'hi', { qos: 1 })
  for (const [m] of await Promise.all(got)) t.assert.equal(m.payload.toString(), 'hi')
})

test('an offline member of a share group is skipped while another member is online', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const online = await connect(t, url, { protocolVersion: 5 })
  await online.subscribeAsync('$share/g/off/t', { qos: 1 })
  const persistent = { protocolVersion: 5 as const, clientId: 'share-offline', clean: false, properties: { sessionExpiryInterval: 60 } }
  const away = await connect(t, url, persistent)
  await away.subscribeAsync('$share/g/off/t', { qos: 1 })
  await away.endAsync()
  await until(() => broker.engine.sessions.get('share-offline')?.online === false, 'the member is offline')

  const got = nextMessages(online, 4)
  const pub = await connect(t, url, { protocolVersion: 5 })
  for (let i = 1; i <= 4; i++) await pub.publishAsync('off/t', `m${i}`, { qos: 1 })
  t.assert.deepEqual((await got).map((m) => m.payload.toString()), ['m1', 'm2', 'm3', 'm4'])

  // Nothing was queued for the offline member: after it comes back, a marker is the first message.
  const back = await connect(t, url, persistent)
  const backGot = collectUntil(back, 'off/marker')
  await back.subscribeAsync('off/marker', { qos: 1 })
  await pub.publishAsync('off/marker', 'm', { qos: 1 })
  t.assert.deepEqual((await backGot).map((m) => m.topic), ['off/marker'])
})

test('[MQTT-4.7.2-1] $share/g/# does not receive $-topics', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('$share/g/#', { qos: 1 })
  const got = nextMessages(sub, 1)
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('$app/x', 'dollar', { qos: 1 })
  await pub.publishAsync('plain', 'marker', { qos: 1 })
  t.assert.deepEqual((await got).map((m) => m.topic), ['plain'])
})

test('[MQTT-3.8.3-4] No Local on a shared subscription → DISCONNECT 0x82', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/t', qos: 1, nl: true }] })
  t.assert.equal((await raw.next('disconnect')).reasonCode, 0x82)
  await raw.closed()
  t.assert.equal(raw.received.some((p) => p.cmd === 'suback'), false)
})

test('[MQTT-4.8.2-1] [MQTT-4.8.2-2] v5: malformed share filters get 0x8F', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({
    cmd: 'subscribe',
    messageId: 1,
    subscriptions: [{ topic: '$share//t', qos: 0 }, { topic: '$share/g+/t', qos: 0 }, { topic: '$share/g', qos: 0 }, { topic: '$share/g/t', qos: 0 }],
  })
  t.assert.deepEqual((await raw.next('suback')).granted, [0x8f, 0x8f, 0x8f, 0])
})

for (const protocolVersion of [4, 5] as const) {
  test(`direct_messaging: true delivers $direct/<client id> without a subscription (v${protocolVersion})`, async (t: TestContext) => {
    const { url } = await startBroker(t, { direct_messaging: true })
    const target = await connect(t, url, { protocolVersion, clientId: `target-${protocolVersion}` })
    const other = await connect(t, url, { protocolVersion, clientId: `other-${protocolVersion}` })
    const got = nextMessages(target, 1)
    const otherGot = collectUntil(other, 'dm/marker')
    await other.subscribeAsync('dm/marker', { qos: 1 })
    const pub = await connect(t, url, { protocolVersion })
    await pub.publishAsync(`$direct/target-${protocolVersion}`, 'for you', { qos: 1 })
    await pub.publishAsync('dm/marker', 'm', { qos: 1 })
    const [m] = await got
    t.assert.deepEqual([m.topic, m.payload.toString(), m.packet.qos], [`$direct/target-${protocolVersion}`, 'for you', 1])
    t.assert.deepEqual((await otherGot).map((x) => x.topic), ['dm/marker'])
  })
}

test('direct_messaging: false delivers nothing to $direct/<client id> without a subscription', async (t: TestContext) => {
  const { url } = await startBroker(t, { direct_messaging: false })
  const target = await connect(t, url, { protocolVersion: 5, clientId: 'target' })
  await target.subscribeAsync('dm/marker', { qos: 1 })
  const got = collectUntil(target, 'dm/marker')
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('$direct/target', 'for you', { qos: 1 })
  await pub.publishAsync('dm/marker', 'm', { qos: 1 })
  t.assert.deepEqual((await got).map((m) => m.topic), ['dm/marker'])
})

test('a member that unsubscribes leaves the group: the remaining member gets every message', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const stays = await connect(t, url, { protocolVersion: 5 })
  await stays.subscribeAsync('$share/g/un/t', { qos: 1 })
  const leaves = await connect(t, url, { protocolVersion: 5 })
  await leaves.subscribeAsync(['$share/g/un/t', 'un/marker'], { qos: 1 })
  await leaves.unsubscribeAsync('$share/g/un/t')
  const got = nextMessages(stays, 3)
  const leftGot = collectUntil(leaves, 'un/marker')
  const pub = await connect(t, url, { protocolVersion: 5 })
  for (let i = 1; i <= 3; i++) await pub.publishAsync('un/t', `m${i}`, { qos: 1 })
  await pub.publishAsync('un/marker', 'm', { qos: 1 })
  t.assert.deepEqual((await got).map((m) => m.payload.toString()), ['m1', 'm2', 'm3'])
  t.assert.deepEqual((await leftGot).map((m) => m.topic), ['un/marker'])
})

test('with every member offline, QoS 1 messages are queued for one member each, not for all', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const ids = ['share-q-a', 'share-q-b']
  for (const clientId of ids) {
    const raw = await rawClient(t, port, 5)
    await raw.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } })
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/q/t', qos: 1 }] })
    await raw.next('suback')
    raw.send({ cmd: 'disconnect' })
    await raw.closed()
  }
  const pub = await connect(t, url, { protocolVersion: 5 })
  for (let i = 1; i <= 4; i++) await pub.publishAsync('q/t', `m${i}`, { qos: 1 })
  const received: string[] = []
  for (const clientId of ids) {
    const raw = await rawClient(t, port, 5)
    t.assert.equal((await raw.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } })).sessionPresent, true)
    received.push(...(await publishesBeforePong(raw)).map(text))
  }
  t.assert.deepEqual(received.sort(), ['m1', 'm2', 'm3', 'm4'])
})

test('direct_messaging: a QoS 1 message to an offline persistent session is delivered when it returns', async (t: TestContext) => {
  const { port, url } = await startBroker(t, { direct_messaging: true })
  const clientId = 'direct-offline'
  const first = await rawClient(t, port, 5)
  await first.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } })
  first.send({ cmd: 'disconnect' })
  await first.closed()
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync(`$direct/${clientId}`, 'while away', { qos: 1 })
  const second = await rawClient(t, port, 5)
  await second.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } })
  const msg = await second.next('publish')
  t.assert.deepEqual([msg.topic, text(msg), msg.qos], [`$direct/${clientId}`, 'while away', 1])
})

test('a retained $direct message is delivered but never stored as retained', async (t: TestContext) => {
  const { url, broker } = await startBroker(t, { direct_messaging: true })
  const target = await connect(t, url, { clientId: 'target-r' })
  const got = nextMessages(target, 1)
  const pub = await connect(t, url)
  await pub.publishAsync('$direct/target-r', 'hello', { qos: 1, retain: true })
  t.assert.equal((await got)[0].payload.toString(), 'hello')
  t.assert.equal(broker.engine.retained.size, 0)
})
