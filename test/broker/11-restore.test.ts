import { type EventEmitter, once } from 'node:events'
import { test } from 'node:test'
import mqtt from 'mqtt'
import type { TestContext } from 'node:test'
import { MemoryStore } from '../../src/store/memory.js'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'

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
