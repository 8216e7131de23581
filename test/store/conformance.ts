/**
 * The Store conformance suite: every backend must pass it. A backend's test file
 * calls `storeConformance(name, make)`; `make` returns a fresh, opened, empty store.
 */
import { describe, test } from 'node:test'
import type { TestContext } from 'node:test'
import type { Message } from '../../src/protocol/message.js'
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

    test('flush() with nothing to write resolves', async (t: TestContext) => {
      const store = await fresh(t)
      await store.flush()
      store.setRetained(message('a/b', 'one'))
      await Promise.all([store.flush(), store.flush()])
      await store.flush()
    })

    test('load* sees every change made before it, flushed or not', async (t: TestContext) => {
      const store = await fresh(t)
      store.setRetained(message('a/b', 'one'))
      store.saveSession(session)
      t.assert.deepEqual((await collect(store.loadRetained())).map((m) => m.topic), ['a/b'])
      t.assert.deepEqual((await collect(store.loadSessions())).map((r) => r.clientId), ['c1'])
      store.deleteRetained('a/b')
      store.deleteSession('c1')
      store.deleteSession('never-there')
      t.assert.deepEqual(await collect(store.loadRetained()), [])
      t.assert.deepEqual(await collect(store.loadSessions()), [])
    })

    test('[MQTT-3.3.2-16] [MQTT-3.3.2-17] retained: every message field and binary payloads come back', async (t: TestContext) => {
      const store = await fresh(t)
      const payload = Buffer.from([0, 255, 0xc3, 0x28, 10, 0])
      const properties = { payloadFormatIndicator: false, responseTopic: 'r/1', correlationData: Buffer.from([1, 2, 0, 254]), contentType: 'bin', userProperties: { a: 'x', b: ['1', '2'] } }
      store.setRetained({ topic: 'ünï/☃/x', payload, qos: 2, retain: true, properties, expiresAt: 1_700_000_000_123, origin: 'pub', receivedAt: 1_700_000_000_000 })
      store.setRetained(message('empty', '', { qos: 0, origin: '' }))
      await store.flush()
      const got = new Map((await collect(store.loadRetained())).map((m) => [m.topic, m]))
      const m = got.get('ünï/☃/x')
      t.assert.ok(m !== undefined)
      t.assert.ok(Buffer.isBuffer(m.payload) && m.payload.equals(payload))
      t.assert.deepEqual({ ...m, payload: null }, { topic: 'ünï/☃/x', payload: null, qos: 2, retain: true, properties, expiresAt: 1_700_000_000_123, origin: 'pub', receivedAt: 1_700_000_000_000 })
      t.assert.ok(Buffer.isBuffer(m.properties?.correlationData))
      const empty = got.get('empty')
      t.assert.equal(empty?.payload.length, 0)
      t.assert.equal(empty?.properties, undefined)
      t.assert.equal(empty?.qos, 0)
    })

    test('sessions: many subscriptions, no username, several clients', async (t: TestContext) => {
      const store = await fresh(t)
      const subs = [0, 1, 2].map((i) => ({ filter: `f/${i}/+`, qos: i as 0 | 1 | 2, noLocal: i === 1, retainAsPublished: i === 2, retainHandling: i as 0 | 1 | 2, subscriptionId: i * 1000 }))
      store.saveSession({ clientId: 'c1', expiryInterval: 0xFFFFFFFF, protocolVersion: 4, disconnectedAt: 5, subscriptions: subs })
      store.saveSession({ ...session, clientId: 'c10', subscriptions: [] })
      store.saveSession({ ...session, clientId: 'ç/#', protocolVersion: 3 })
      await store.flush()
      const got = new Map((await collect(store.loadSessions())).map((r) => [r.clientId, r]))
      t.assert.deepEqual([...got.keys()].sort(), ['c1', 'c10', 'ç/#'])
      const c1 = got.get('c1')
      t.assert.equal(c1?.username, undefined)
      t.assert.deepEqual(c1?.subscriptions, subs)
      t.assert.equal(c1?.expiryInterval, 0xFFFFFFFF)
      t.assert.equal(got.get('ç/#')?.protocolVersion, 3)
    })

    test('queues: every delivery field comes back, including the message', async (t: TestContext) => {
      const store = await fresh(t)
      const msg: Message = { topic: 't/ü', payload: Buffer.from([0, 1, 255]), qos: 2, retain: false, properties: { correlationData: Buffer.from('cd'), userProperties: { k: 'v' } }, expiresAt: 123, origin: 'pub', receivedAt: 45 }
      store.queue('c1').push({ msg, qos: 2, retain: true, subscriptionIds: [1, 268435455] })
      store.queue('c1').push({ msg: message('t', 'x', { properties: undefined }), qos: 1, retain: false, subscriptionIds: null })
      await store.flush()
      const first = store.queue('c1').shift()
      t.assert.ok(first !== undefined)
      t.assert.equal(first.qos, 2)
      t.assert.equal(first.retain, true)
      t.assert.deepEqual(first.subscriptionIds, [1, 268435455])
      t.assert.ok(first.msg.payload.equals(msg.payload))
      t.assert.deepEqual({ ...first.msg, payload: null }, { ...msg, payload: null })
      const second = store.queue('c1').shift()
      t.assert.equal(second?.subscriptionIds, null)
      t.assert.equal(second?.msg.properties, undefined)
      t.assert.equal(store.queue('c1').length, 0)
    })

    test('[MQTT-4.4.0-1] inflight: put, update keeps the order, delete; loaded with the session', async (t: TestContext) => {
      const store = await fresh(t)
      store.saveSession(session)
      store.saveSession({ ...session, clientId: 'c10', subscriptions: [] })
      const msg: Message = { topic: 't/ü', payload: Buffer.from([0, 1, 255]), qos: 2, retain: false, properties: { correlationData: Buffer.from('cd') }, expiresAt: 123, origin: 'pub', receivedAt: 45 }
      store.putInflight('c1', { msg, qos: 2, retain: true, subscriptionIds: [3], packetId: 65535, state: 'publish' })
      store.putInflight('c1', { msg: message('t', 'b'), qos: 1, retain: false, subscriptionIds: null, packetId: 1, state: 'publish' })
      store.putInflight('c1', { msg: message('t', 'c'), qos: 1, retain: false, subscriptionIds: null, packetId: 2, state: 'publish' })
      await store.flush()
      store.putInflight('c1', { msg, qos: 2, retain: true, subscriptionIds: [3], packetId: 65535, state: 'pubrel' })
      store.deleteInflight('c1', 2)
      store.deleteInflight('c1', 77) // never there
      store.deleteInflight('nobody', 1)
      store.putInflight('c10', { msg: message('t', 'other'), qos: 1, retain: false, subscriptionIds: null, packetId: 9, state: 'publish' })
      store.putInflight('c10', { msg: message('t', 'gone'), qos: 1, retain: false, subscriptionIds: null, packetId: 10, state: 'publish' })
      store.deleteInflight('c10', 10) // put and deleted in the same turn
      await store.flush()
      const got = new Map((await collect(store.loadSessions())).map((r) => [r.clientId, r]))
      const inflight = got.get('c1')?.inflight
      t.assert.ok(inflight !== undefined)
      t.assert.deepEqual(inflight.map((r) => [r.packetId, r.state, r.qos, r.retain, r.subscriptionIds, r.msg.payload.toString('hex')]),
        [[65535, 'pubrel', 2, true, [3], '0001ff'], [1, 'publish', 1, false, null, Buffer.from('b').toString('hex')]])
      t.assert.deepEqual({ ...inflight[0].msg, payload: null }, { ...msg, payload: null })
      t.assert.deepEqual(got.get('c10')?.inflight?.map((r) => [r.packetId, r.msg.payload.toString()]), [[9, 'other']])
      t.assert.equal(got.get('c1')?.incomingQos2, undefined)
    })

    test('[MQTT-4.3.3-9] inbound QoS 2 packet ids: put, delete, loaded with the session', async (t: TestContext) => {
      const store = await fresh(t)
      store.saveSession(session)
      store.putIncomingQos2('c1', 7)
      store.putIncomingQos2('c1', 7)
      store.putIncomingQos2('c1', 65535)
      store.putIncomingQos2('c1', 8)
      await store.flush()
      store.deleteIncomingQos2('c1', 8)
      store.deleteIncomingQos2('c1', 9)
      await store.flush()
      const [record] = await collect(store.loadSessions())
      t.assert.deepEqual([...(record.incomingQos2 ?? [])].sort((a, b) => a - b), [7, 65535])
      t.assert.equal(record.inflight, undefined)
      store.saveSession(record) // the loaded arrays are not part of the saved record
      store.deleteIncomingQos2('c1', 7)
      store.deleteIncomingQos2('c1', 65535)
      t.assert.deepEqual(await collect(store.loadSessions()), [session])
    })

    test('sessions: delete removes its inflight and inbound QoS 2 records too', async (t: TestContext) => {
      const store = await fresh(t)
      store.saveSession(session)
      store.putInflight('c1', { msg: message('t', 'x'), qos: 1, retain: false, subscriptionIds: null, packetId: 4, state: 'publish' })
      store.putIncomingQos2('c1', 5)
      await store.flush()
      store.deleteSession('c1')
      store.saveSession(session)
      await store.flush()
      t.assert.deepEqual(await collect(store.loadSessions()), [session])
    })

    test('queues: push and shift interleaved stay FIFO; clear empties one queue only', async (t: TestContext) => {
      const store = await fresh(t)
      const q = store.queue('c1')
      const other = store.queue('c10') // a client id that extends another one
      const push = (from: number, to: number): void => { for (let i = from; i < to; i++) q.push({ msg: message('t', String(i)), qos: 1, retain: false, subscriptionIds: null }) }
      const shift = (n: number): string[] => Array.from({ length: n }, () => q.shift()?.msg.payload.toString() ?? 'none')
      other.push({ msg: message('t', 'c10'), qos: 1, retain: false, subscriptionIds: null })
      push(0, 300)
      t.assert.deepEqual(shift(2), ['0', '1'])
      await store.flush()
      push(300, 600)
      t.assert.equal(q.length, 598)
      const got = shift(400)
      t.assert.deepEqual(got.slice(0, 3), ['2', '3', '4'])
      t.assert.deepEqual(got.at(-1), '401')
      await store.flush()
      push(600, 700)
      t.assert.deepEqual(shift(1), ['402'])
      q.clear()
      t.assert.equal(q.length, 0)
      t.assert.equal(q.shift(), undefined)
      push(700, 702)
      await store.flush()
      t.assert.deepEqual(shift(3), ['700', '701', 'none'])
      t.assert.equal(other.length, 1)
      t.assert.equal(store.queue('c10').shift()?.msg.payload.toString(), 'c10')
    })

    test('records: put, replace, delete per kind; ids in order; values are copies', async (t: TestContext) => {
      const store = await fresh(t)
      t.assert.deepEqual(await store.loadRecords('account'), [])
      const alice = { username: 'alice', hash: '$2b$10$abc', created_at: 1 }
      store.putRecord('account', 'bob', { username: 'bob' })
      store.putRecord('account', 'alice', alice)
      store.putRecord('topic_rule', '1', { topic: 'alice/#' })
      store.putRecord('setting', 'max_inflight', 20)
      alice.hash = 'changed after the put'
      t.assert.deepEqual(await store.loadRecords('account'), [
        { id: 'alice', value: { username: 'alice', hash: '$2b$10$abc', created_at: 1 } },
        { id: 'bob', value: { username: 'bob' } },
      ])
      store.putRecord('account', 'bob', { username: 'bob', v: 2 })
      store.deleteRecord('account', 'alice')
      store.deleteRecord('account', 'nobody')
      await store.flush()
      t.assert.deepEqual(await store.loadRecords('account'), [{ id: 'bob', value: { username: 'bob', v: 2 } }])
      t.assert.deepEqual(await store.loadRecords('topic_rule'), [{ id: '1', value: { topic: 'alice/#' } }])
      t.assert.deepEqual(await store.loadRecords('setting'), [{ id: 'max_inflight', value: 20 }])
      t.assert.deepEqual(await store.loadRecords('ip_rule'), [])
    })

    test('records: ids with any characters stay within their kind', async (t: TestContext) => {
      const store = await fresh(t)
      store.putRecord('account', 'a:b;c/ü\u0000', 1)
      store.putRecord('account_x' as 'account', 'z', 2)
      t.assert.deepEqual(await store.loadRecords('account'), [{ id: 'a:b;c/ü\u0000', value: 1 }])
    })

    test('[MQTT-3.1.3-9] delayed wills: put, replace, delete; every field comes back', async (t: TestContext) => {
      const store = await fresh(t)
      t.assert.deepEqual(await store.loadWills(), [])
      const msg = message('wills/c1', 'bye', { properties: { contentType: 'text/plain', userProperties: { k: 'v' } }, expiresAt: 0, origin: 'c1', receivedAt: 5000 })
      store.putWill({ clientId: 'c1', username: 'alice', fireAt: 5000, messageExpiryInterval: 30, msg })
      store.putWill({ clientId: 'c2', fireAt: 6000, messageExpiryInterval: 0, msg: message('wills/c2', 'x', { origin: 'c2', receivedAt: 6000 }) })
      store.putWill({ clientId: 'c2', fireAt: 7000, messageExpiryInterval: 0, msg: message('wills/c2', 'y', { origin: 'c2', receivedAt: 7000 }) })
      await store.flush()
      const wills = (await store.loadWills()).sort((a, b) => a.clientId.localeCompare(b.clientId))
      t.assert.deepEqual(wills.map((w) => [w.clientId, w.username, w.fireAt, w.messageExpiryInterval, w.msg.topic, w.msg.payload.toString()]), [
        ['c1', 'alice', 5000, 30, 'wills/c1', 'bye'],
        ['c2', undefined, 7000, 0, 'wills/c2', 'y'],
      ])
      t.assert.deepEqual(wills[0].msg.properties, { contentType: 'text/plain', userProperties: { k: 'v' } })
      t.assert.equal(wills[0].msg.qos, 1)
      store.deleteWill('c1')
      store.deleteWill('nobody')
      await store.flush()
      t.assert.deepEqual((await store.loadWills()).map((w) => w.clientId), ['c2'])
    })

    test('queues: bytes grow with each push and shrink with each shift, back to 0 when empty', async (t: TestContext) => {
      const store = await fresh(t)
      const q = store.queue('sized')
      t.assert.equal(q.bytes, 0)
      const sizes: number[] = []
      for (let i = 0; i < 100; i++) {
        const before = q.bytes
        q.push({ msg: message('t/sized', 'p'.repeat(100 + i)), qos: 1, retain: false, subscriptionIds: null })
        sizes.push(q.bytes - before)
        t.assert.ok(sizes[i] >= 100 + i, 'at least the payload')
      }
      await store.flush()
      for (let i = 0; i < 99; i++) q.shift()
      t.assert.equal(q.bytes, sizes[99])
      q.shift()
      t.assert.equal(q.bytes, 0)
      q.push({ msg: message('t/sized', 'abc'), qos: 1, retain: false, subscriptionIds: null })
      q.clear()
      t.assert.equal(q.bytes, 0)
    })
  })
}
