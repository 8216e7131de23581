/**
 * The Store conformance suite (STYLE.md E7): every backend must pass it. A backend's test file
 * calls `storeConformance(name, make)`; `make` returns a fresh, opened, empty store.
 */
import { describe, test } from 'node:test'
import type { TestContext } from 'node:test'
import type { Message } from '../../src/core/message.js'
import type { SessionRecord, Store } from '../../src/store/store.js'

function message (topic: string, payload: string, extra: Partial<Message> = {}): Message {
  return { topic, payload: Buffer.from(payload), qos: 1, retain: true, properties: undefined, expiresAt: 0, origin: 'c1', receivedAt: 1, ...extra }
}

async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

const session: SessionRecord = {
  clientId: 'c1',
  expiryInterval: 3600,
  protocolVersion: 5,
  username: 'alice',
  disconnectedAt: 0,
  subscriptions: [{ filter: 'a/#', qos: 1, noLocal: false, retainAsPublished: true, retainHandling: 1, subscriptionId: 7 }],
}

export function storeConformance (name: string, make: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    async function fresh (t: TestContext): Promise<Store> {
      const store = await make()
      t.after(() => store.close())
      return store
    }

    test('a new store is empty', async (t: TestContext) => {
      const store = await fresh(t)
      t.assert.deepEqual(await collect(store.loadRetained()), [])
      t.assert.deepEqual(await collect(store.loadSessions()), [])
    })

    test('[MQTT-3.3.1-5] retained: set, replace, read back with properties', async (t: TestContext) => {
      const store = await fresh(t)
      store.setRetained(message('a/b', 'one'))
      store.setRetained(message('a/b', 'two', { properties: { contentType: 'text/plain', userProperties: { k: ['1', '2'] } }, expiresAt: 99 }))
      store.setRetained(message('a/c', 'three'))
      await store.flush()
      const got = (await collect(store.loadRetained())).sort((x, y) => x.topic.localeCompare(y.topic))
      t.assert.deepEqual(got.map((m) => [m.topic, m.payload.toString()]), [['a/b', 'two'], ['a/c', 'three']])
      t.assert.deepEqual(got[0].properties, { contentType: 'text/plain', userProperties: { k: ['1', '2'] } })
      t.assert.equal(got[0].expiresAt, 99)
    })

    test('[MQTT-3.3.1-6] retained: delete removes the topic', async (t: TestContext) => {
      const store = await fresh(t)
      store.setRetained(message('a/b', 'one'))
      store.deleteRetained('a/b')
      store.deleteRetained('never/there')
      await store.flush()
      t.assert.deepEqual(await collect(store.loadRetained()), [])
    })

    test('sessions: save, replace, read back a copy', async (t: TestContext) => {
      const store = await fresh(t)
      store.saveSession(session)
      store.saveSession({ ...session, disconnectedAt: 42 })
      await store.flush()
      const got = await collect(store.loadSessions())
      t.assert.deepEqual(got, [{ ...session, disconnectedAt: 42 }])
      got[0].subscriptions.length = 0
      t.assert.equal((await collect(store.loadSessions()))[0].subscriptions.length, 1, 'loaded records are copies')
    })

    test('sessions: delete removes the session and its queue', async (t: TestContext) => {
      const store = await fresh(t)
      store.saveSession(session)
      store.queue('c1').push({ msg: message('a/b', 'q'), qos: 1, retain: false, subscriptionIds: null })
      store.deleteSession('c1')
      await store.flush()
      t.assert.deepEqual(await collect(store.loadSessions()), [])
      t.assert.equal(store.queue('c1').length, 0)
    })

    test('queues: FIFO per client id, bounded only by the caller', async (t: TestContext) => {
      const store = await fresh(t)
      const q = store.queue('c1')
      for (let i = 0; i < 3000; i++) q.push({ msg: message('t', String(i)), qos: 1, retain: false, subscriptionIds: i % 2 === 0 ? [i] : null })
      store.queue('c2').push({ msg: message('t', 'other'), qos: 2, retain: true, subscriptionIds: null })
      t.assert.equal(store.queue('c1').length, 3000)
      const first = q.shift()
      t.assert.equal(first?.msg.payload.toString(), '0')
      t.assert.deepEqual(first?.subscriptionIds, [0])
      for (let i = 1; i < 2999; i++) q.shift()
      t.assert.equal(q.shift()?.msg.payload.toString(), '2999')
      t.assert.equal(q.shift(), undefined)
      t.assert.equal(store.queue('c2').shift()?.msg.payload.toString(), 'other')
    })
  })
}
