import { type EventEmitter, once } from 'node:events'
import { test } from 'node:test'
import mqtt from 'mqtt'
import type { TestContext } from 'node:test'
import { MemoryStore } from '../../src/store/memory.js'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { until } from '../helpers/messages.js'

test('state kept in the Store comes back in a new broker: session, subscriptions, queue, retained', async (t: TestContext) => {
  const store = new MemoryStore()
  const first = await startBroker(t, {}, store)
  const sub = await connect(t, first.url, { protocolVersion: 5, clientId: 'keeper', clean: false, properties: { sessionExpiryInterval: 300 } })
  await sub.subscribeAsync('r/#', { qos: 1 })
  await sub.endAsync()
  const pub = await connect(t, first.url, { protocolVersion: 5 })
  await pub.publishAsync('r/queued', 'while offline', { qos: 1 })
  await pub.publishAsync('r/kept', 'retained', { qos: 1, retain: true })
  await first.broker.close()

  const second = await startBroker(t, {}, store)
  // Listeners go on before CONNECT: the queued messages follow the CONNACK in the same burst.
  const back = mqtt.connect(second.url, { protocolVersion: 5, clientId: 'keeper', clean: false, properties: { sessionExpiryInterval: 300 }, reconnectPeriod: 0 })
  t.after(() => back.endAsync(true))
  const got = nextMessages(back, 2)
  const [connack] = await once(back as unknown as EventEmitter, 'connect', { signal: AbortSignal.timeout(3000) }) as [{ sessionPresent: boolean }]
  const msgs = await got
  t.assert.equal(connack.sessionPresent, true)
  t.assert.deepEqual(msgs.map((m) => [m.topic, m.payload.toString()]).sort(), [['r/kept', 'retained'], ['r/queued', 'while offline']])

  const late = await connect(t, second.url, { protocolVersion: 5 })
  const retained = nextMessages(late, 1)
  await late.subscribeAsync('r/kept', { qos: 0 })
  t.assert.equal((await retained)[0].payload.toString(), 'retained')
})

test('$SYS values are retained in memory but never written to the Store', async (t: TestContext) => {
  const store = new MemoryStore()
  const { broker } = await startBroker(t, {}, store)
  const now = Date.now()
  broker.engine.publish({ topic: '$SYS/broker/uptime', payload: Buffer.from('5 seconds'), qos: 0, retain: true, properties: undefined, expiresAt: 0, origin: '', receivedAt: now }, now)
  broker.engine.publish({ topic: 'plain/topic', payload: Buffer.from('kept'), qos: 0, retain: true, properties: undefined, expiresAt: 0, origin: '', receivedAt: now }, now)
  t.assert.equal(broker.engine.retained.size, 2)
  const stored: string[] = []
  for await (const msg of store.loadRetained()) stored.push(msg.topic)
  t.assert.deepEqual(stored, ['plain/topic'])
})

test('[MQTT-3.1.3-9] a delayed will survives a restart and fires on time; one whose client returns is cancelled', async (t: TestContext) => {
  const store = new MemoryStore()
  const first = await startBroker(t, {}, store)
  const willOf = (clientId: string, delay: number): mqtt.IClientOptions => ({
    protocolVersion: 5,
    clientId,
    clean: false,
    properties: { sessionExpiryInterval: 300 },
    reconnectPeriod: 0,
    will: { topic: `wills/${clientId}`, payload: Buffer.from(`${clientId} gone`), qos: 1, retain: false, properties: { willDelayInterval: delay } },
  })
  const soon = await connect(t, first.url, willOf('soon', 2))
  const later = await connect(t, first.url, willOf('later', 60))
  // both lose their connection without DISCONNECT: their wills wait for the delay
  soon.stream.destroy()
  later.stream.destroy()
  await until(() => first.broker.engine.wills.pendingCount === 2, 'both wills pending')
  await first.broker.close()

  const second = await startBroker(t, {}, store)
  const watcher = await connect(t, second.url, { protocolVersion: 5 })
  const got = nextMessages(watcher, 1, 5000)
  await watcher.subscribeAsync('wills/#', { qos: 1 })
  const started = Date.now()
  const [will] = await got
  t.assert.deepEqual([will.topic, will.payload.toString()], ['wills/soon', 'soon gone'])
  t.assert.ok(Date.now() - started < 2500, 'fired within its delay, counted from the first broker')
  // 'later' comes back in time: its will is cancelled, also in the store
  await connect(t, second.url, willOf('later', 60))
  t.assert.deepEqual((await store.loadWills()).map((w) => w.clientId), [])
})

test('accounts and rules kept in the Store come back in a new broker', async (t: TestContext) => {
  const store = new MemoryStore()
  const first = await startBroker(t, {}, store)
  await first.broker.engine.access.setAccount('alice', '$2b$04$abcdefghijklmnopqrstuu5Fhm3/nSzLw1rRq5GnZ1Xbc3K8MHjPe')
  await first.broker.engine.access.addTopicRule({ subject: 'pattern', user: null, topic: '%u/#', access: 'readwrite', effect: 'allow' })
  await first.broker.engine.access.setIpRule('10.0.0.0/8', 'deny', false)
  await first.broker.close()
  const second = await startBroker(t, {}, store)
  const access = second.broker.engine.access
  t.assert.deepEqual(access.listAccounts().map((a) => a.username), ['alice'])
  t.assert.deepEqual(access.listTopicRules().map((r) => [r.id, r.topic]), [[1, '%u/#']])
  t.assert.deepEqual(access.listIpRules().map((r) => [r.id, r.cidr.text]), [[1, '10.0.0.0/8']])
  const { rule } = await access.addTopicRule({ subject: 'anonymous', user: null, topic: 'public/#', access: 'read', effect: 'allow' })
  t.assert.equal(rule.id, 2, 'ids continue after the stored ones')
})
