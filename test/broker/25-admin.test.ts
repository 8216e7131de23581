/**
 * The core admin API (src/core/admin/) on a real broker with mqtt.js clients: listing, showing and
 * kicking clients, listing subscriptions (by client, by matching topic), listing and clearing
 * retained messages, and reset, which must leave the Store as empty of the selected kinds as the
 * engine (the store-level part is the code a stopped broker's reset runs).
 */
import { test, type TestContext } from 'node:test'
import type { IDisconnectPacket, MqttClient } from 'mqtt'
import { Admin } from '../../src/core/admin/admin.js'
import { AdminError, type AdminErrorKind } from '../../src/core/admin/admin-error.js'
import { readStoredState, storedPlan } from '../../src/core/admin/stored-state.js'
import { connect, startBroker } from '../helpers/broker.js'
import { flushed, until } from '../helpers/messages.js'

const persistent = (clientId: string): Record<string, unknown> => ({ clientId, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 } })

function nextDisconnect (client: MqttClient): Promise<IDisconnectPacket> {
  return new Promise((resolve) => { client.once('disconnect', resolve) })
}

function adminError (kind: AdminErrorKind): (err: unknown) => boolean {
  return (err) => err instanceof AdminError && err.kind === kind
}

test('admin: list clients by state, show one with its subscriptions and will, unknown ids are not_found', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const admin = new Admin(broker.engine)
  const online = await connect(t, url, { clientId: 'on', protocolVersion: 5, will: { topic: 'w/on', payload: Buffer.from('gone'), qos: 1, retain: false } })
  await online.subscribeAsync('a/+', { qos: 1 })
  const leaving = await connect(t, url, persistent('off'))
  await leaving.endAsync()
  await until(() => broker.engine.sessions.get('off')?.online === false, 'the session of off is offline')

  t.assert.deepEqual(admin.listClients().map((c) => [c.client_id, c.state]).sort(), [['off', 'offline'], ['on', 'online']])
  t.assert.deepEqual(admin.listClients('online').map((c) => c.client_id), ['on'])
  t.assert.deepEqual(admin.listClients('offline').map((c) => c.client_id), ['off'])

  const detail = admin.showClient('on')
  t.assert.equal(detail.protocol, '5.0')
  t.assert.deepEqual(detail.subscriptions_list.map((s) => [s.filter, s.qos]), [['a/+', 1]])
  t.assert.deepEqual(detail.will, { topic: 'w/on', qos: 1, retain: false, delay_s: 0 })
  t.assert.equal(typeof detail.receive_maximum, 'number')
  const offline = admin.showClient('off')
  t.assert.deepEqual([offline.state, offline.will, offline.receive_maximum, offline.session_expiry], ['offline', null, null, 3600])

  t.assert.throws(() => admin.showClient('nobody'), adminError('not_found'))
  t.assert.throws(() => admin.kickClient('nobody'), adminError('not_found'))
  t.assert.throws(() => admin.listSubscriptions({ clientId: 'nobody' }), adminError('not_found'))
})

test('admin: kick sends DISCONNECT 0x98 and keeps a persistent session; discarding ends an offline one', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const admin = new Admin(broker.engine)
  const client = await connect(t, url, persistent('kept'))
  const disconnect = nextDisconnect(client)
  t.assert.deepEqual(admin.kickClient('kept'), { client_id: 'kept', kicked: true, session_discarded: false })
  const packet = await disconnect
  t.assert.equal(packet.reasonCode, 0x98)
  await until(() => broker.engine.sessions.get('kept')?.online === false, 'the kicked session is offline')

  t.assert.deepEqual(admin.kickClient('kept', true), { client_id: 'kept', kicked: false, session_discarded: true })
  t.assert.equal(broker.engine.sessions.get('kept'), undefined)
  t.assert.deepEqual(storedPlan(await readStoredState(broker.engine.store, { sessions: true })).sessions, 0)
})

test('admin: subscriptions of everyone, of one client, and those a topic matches; a wildcard topic is invalid', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const admin = new Admin(broker.engine)
  const a = await connect(t, url, { clientId: 'a', protocolVersion: 5 })
  const b = await connect(t, url, { clientId: 'b', protocolVersion: 5 })
  await a.subscribeAsync(['s/+', 'x/y'], { qos: 1 })
  await b.subscribeAsync('$share/g/s/#', { qos: 0 })

  const pairs = (subs: Array<{ client_id: string, filter: string }>): string[][] => subs.map((s) => [s.client_id, s.filter]).sort()
  t.assert.deepEqual(pairs(admin.listSubscriptions()), [['a', 's/+'], ['a', 'x/y'], ['b', '$share/g/s/#']])
  t.assert.deepEqual(pairs(admin.listSubscriptions({ clientId: 'a' })), [['a', 's/+'], ['a', 'x/y']])
  t.assert.deepEqual(pairs(admin.listSubscriptions({ match: 's/1' })), [['a', 's/+'], ['b', '$share/g/s/#']])
  t.assert.deepEqual(pairs(admin.listSubscriptions({ match: 's/1', clientId: 'b' })), [['b', '$share/g/s/#']])
  t.assert.equal(admin.listSubscriptions({ match: 's/1', clientId: 'b' })[0].share_group, 'g')
  t.assert.throws(() => admin.listSubscriptions({ match: 's/#' }), adminError('invalid'))
})

test('admin: retained messages listed by filter and topic, cleared (or only counted) from memory and Store', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const admin = new Admin(broker.engine)
  const pub = await connect(t, url, { protocolVersion: 5 })
  for (const topic of ['r/b', 'r/a', 'q/c']) await pub.publishAsync(topic, `v-${topic}`, { qos: 1, retain: true })

  t.assert.deepEqual(admin.listRetained('r/#').map((m) => [m.topic, m.preview, m.qos]), [['r/a', 'v-r/a', 1], ['r/b', 'v-r/b', 1]])
  t.assert.deepEqual(admin.listRetained().filter((m) => !m.topic.startsWith('$')).map((m) => m.topic), ['q/c', 'r/a', 'r/b'])
  t.assert.throws(() => admin.listRetained('r/#/x'), adminError('invalid'))
  t.assert.throws(() => admin.clearRetained('r/#/x'), adminError('invalid'))

  t.assert.deepEqual(admin.clearRetained('r/#', true), { filter: 'r/#', matched: 2, cleared: 0 })
  t.assert.equal(admin.listRetained('r/#').length, 2)
  t.assert.deepEqual(admin.clearRetained('r/#'), { filter: 'r/#', matched: 2, cleared: 2 })
  t.assert.deepEqual(admin.listRetained('#').filter((m) => !m.topic.startsWith('$')).map((m) => m.topic), ['q/c'])
  await broker.engine.store.flush()
  t.assert.deepEqual((await readStoredState(broker.engine.store, { retained: true })).retained, ['q/c'])
})

test('admin: reset plans, then clears sessions (0x98, no will), retained, accounts, rules and settings in memory and Store', async (t: TestContext) => {
  const { broker, url } = await startBroker(t, { sys_interval: 1 })
  const engine = broker.engine
  const admin = new Admin(engine)
  await until(() => admin.listRetained('$SYS/#').length > 0, 'the $SYS tree is published', 5000)
  const watcher = await connect(t, url, { clientId: 'watcher', protocolVersion: 5 })
  await watcher.subscribeAsync('will/#', { qos: 1 })
  const willed = await connect(t, url, { ...persistent('willed'), will: { topic: 'will/willed', payload: Buffer.from('x'), qos: 1, retain: false } })
  await willed.subscribeAsync('t/#', { qos: 1 })
  await willed.publishAsync('t/kept', 'x', { qos: 1, retain: true })
  await flushed(willed)
  await engine.access.setAccount('alice', '$2b$04$' + 'a'.repeat(53))
  await engine.access.addTopicRule({ subject: 'pattern', user: null, topic: '#', access: 'readwrite', effect: 'allow' })
  engine.store.putRecord('setting', 'max_inflight', 10)

  const all = { sessions: true, retained: true, accounts: true, acl: true, settings: true }
  const dry = await admin.reset(all, true)
  t.assert.deepEqual(dry, { plan: { sessions: 2, retained: 1, accounts: 1, topic_rules: 1, ip_rules: 0, wills: 0, settings: 1 }, done: false })
  t.assert.equal(engine.sessions.size, 2, 'a dry run changes nothing')

  let willsSeen = 0
  watcher.on('message', () => { willsSeen++ })
  const disconnect = nextDisconnect(willed)
  t.assert.deepEqual(await admin.reset(all), { ...dry, done: true })
  t.assert.equal((await disconnect).reasonCode, 0x98)
  t.assert.deepEqual([engine.sessions.size, engine.access.accountCount, engine.access.listTopicRules().length], [0, 0, 0])
  t.assert.deepEqual(admin.listRetained().filter((m) => !m.topic.startsWith('$SYS/')), [])
  t.assert.ok(admin.listRetained('$SYS/#').length > 0, 'the $SYS values stay')
  t.assert.deepEqual(storedPlan(await readStoredState(engine.store, all)),
    { sessions: 0, retained: 0, accounts: 0, topic_rules: 0, ip_rules: 0, wills: 0, settings: 0 })

  const again = await connect(t, url, { clientId: 'again', protocolVersion: 5 })
  await flushed(again)
  t.assert.equal(willsSeen, 0, 'no will was published')
})
