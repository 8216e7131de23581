import { stat, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { Broker } from '../../src/broker.js'
import { ControlClient, ControlClientError } from '../../src/control/client.js'
import { CONTROL_PROTOCOL } from '../../src/control/schema.js'
import { createLogger } from '../../src/log.js'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'

async function control (t: TestContext, socketPath: string): Promise<ControlClient> {
  const client = await ControlClient.connect(socketPath)
  t.after(() => { client.close() })
  return client
}

test('hello, then node.status and state describe the running broker', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const ctl = await control(t, broker.controlSocketPath)
  t.assert.equal(ctl.hello.protocol, CONTROL_PROTOCOL)
  t.assert.equal(ctl.hello.pid, process.pid)
  await connect(t, url, { clientId: 'c-status' })
  const status = await ctl.request('node.status', {})
  t.assert.equal(status.clients, 1)
  t.assert.equal(status.listeners[0].connections, 1)
  const state = await ctl.request('state', {})
  t.assert.equal(state.sessions.online, 1)
  t.assert.equal(state.node.store, 'memory')
  t.assert.ok(state.memory.rss_bytes > 0)
})

test('the socket is 0600 inside an owner-only directory', async (t: TestContext) => {
  const { broker, config } = await startBroker(t)
  t.assert.equal((await stat(broker.controlSocketPath)).mode & 0o777, 0o600)
  t.assert.equal((await stat(config.data_dir)).mode & 0o777, 0o700)
})

test('requests are multiplexed and errors carry codes', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const ctl = await control(t, broker.controlSocketPath)
  const [a, b, c] = await Promise.allSettled([
    ctl.request('node.status', {}),
    ctl.request('client.show', { client_id: 'nobody' }),
    ctl.request('no.such' as 'state', {}),
  ])
  t.assert.equal(a.status, 'fulfilled')
  t.assert.equal(b.status === 'rejected' && (b.reason as ControlClientError).code, 'NOT_FOUND')
  t.assert.equal(c.status === 'rejected' && (c.reason as ControlClientError).code, 'UNKNOWN_METHOD')
})

test('client.list, client.show and client.kick (v5 DISCONNECT 0x98)', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const ctl = await control(t, broker.controlSocketPath)
  const client = await connect(t, url, { clientId: 'kick-me', protocolVersion: 5 })
  await client.subscribeAsync('k/#', { qos: 1 })
  const list = await ctl.request('client.list', {})
  t.assert.deepEqual(list.items.map((c) => [c.client_id, c.state, c.protocol, c.subscriptions]), [['kick-me', 'online', '5.0', 1]])
  const show = await ctl.request('client.show', { client_id: 'kick-me' })
  t.assert.deepEqual(show.subscriptions_list.map((s) => [s.filter, s.qos]), [['k/#', 1]])
  const disconnected = new Promise<number | undefined>((resolve) => { client.once('disconnect', (p) => { resolve(p.reasonCode) }) })
  const kicked = await ctl.request('client.kick', { client_id: 'kick-me' })
  t.assert.equal(kicked.kicked, true)
  t.assert.equal(await disconnected, 0x98)
})

test('subscription.list --match tells who would receive a topic', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const ctl = await control(t, broker.controlSocketPath)
  const a = await connect(t, url, { clientId: 'a' })
  await a.subscribeAsync('s/+/temp', { qos: 0 })
  const b = await connect(t, url, { clientId: 'b' })
  await b.subscribeAsync('other/#', { qos: 0 })
  const res = await ctl.request('subscription.list', { match: 's/kitchen/temp' })
  t.assert.deepEqual(res.items.map((s) => [s.client_id, s.filter]), [['a', 's/+/temp']])
  await t.assert.rejects(ctl.request('subscription.list', { match: 's/#' }), (err: ControlClientError) => err.code === 'INVALID')
})

test('retained.list and retained.clear (dry run first)', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const ctl = await control(t, broker.controlSocketPath)
  const pub = await connect(t, url)
  await pub.publishAsync('r/a', 'one', { qos: 1, retain: true })
  await pub.publishAsync('r/b', 'two', { qos: 1, retain: true })
  await pub.publishAsync('x/c', 'three', { qos: 1, retain: true })
  const list = await ctl.request('retained.list', { topic: 'r/#' })
  t.assert.deepEqual(list.items.map((r) => [r.topic, r.preview]), [['r/a', 'one'], ['r/b', 'two']])
  t.assert.deepEqual(await ctl.request('retained.clear', { filter: 'r/#', dry_run: true }), { filter: 'r/#', matched: 2, cleared: 0 })
  t.assert.deepEqual(await ctl.request('retained.clear', { filter: 'r/#' }), { filter: 'r/#', matched: 2, cleared: 2 })
  t.assert.equal(broker.engine.retained.size, 1)
})

test('config.set changes a live key, refuses restart-only keys and bad values', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const ctl = await control(t, broker.controlSocketPath)
  t.assert.deepEqual(await ctl.request('config.set', { key: 'max_queued_messages', value: '7' }), { key: 'max_queued_messages', previous: 1000, value: 7, persisted: false })
  t.assert.equal(broker.config.max_queued_messages, 7)
  await t.assert.rejects(ctl.request('config.set', { key: 'listeners', value: '[]' }), (err: ControlClientError) => err.code === 'RESTART_REQUIRED')
  await t.assert.rejects(ctl.request('config.set', { key: 'max_inflight', value: 'lots' }), (err: ControlClientError) => err.code === 'INVALID' && err.message.includes('max_inflight'))
  await t.assert.rejects(ctl.request('config.set', { key: 'nope', value: '1' }), (err: ControlClientError) => err.code === 'NOT_FOUND')
  // max_packet_size applies to new connections only
  const before = await connect(t, url, { protocolVersion: 5 })
  await ctl.request('config.set', { key: 'max_packet_size', value: '100' })
  const sub = await connect(t, url)
  await sub.subscribeAsync('big', { qos: 1 })
  const got = nextMessages(sub, 1)
  await before.publishAsync('big', Buffer.alloc(500), { qos: 1 })
  t.assert.equal((await got)[0].payload.length, 500, 'the connection made before the change keeps its limit')
})

test('a stale socket file is replaced; a live one makes a second broker refuse to start', async (t: TestContext) => {
  const first = await startBroker(t)
  const second = new Broker({ ...first.config, listeners: [{ ...first.config.listeners[0], port: 0 }] }, { logger: createLogger('silent') })
  t.after(() => second.close())
  await t.assert.rejects(second.start(), /another broker is running/)

  await first.broker.close()
  await writeFile(first.broker.controlSocketPath, '') // a leftover file, nothing listening
  const third = new Broker({ ...first.config, listeners: [{ ...first.config.listeners[0], port: 0 }] }, { logger: createLogger('silent') })
  t.after(() => third.close())
  await third.start()
  const ctl = await control(t, third.controlSocketPath)
  t.assert.equal((await ctl.request('node.status', {})).state, 'running')
})

test('a client that never reads its stream never blocks the broker', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const socket = net.connect(broker.controlSocketPath)
  t.after(() => { socket.destroy() })
  socket.pause() // never read: the hello and replies pile up on our side only
  for (let i = 0; i < 200; i++) socket.write(JSON.stringify({ id: i + 1, method: 'state' }) + '\n')
  const ctl = await control(t, broker.controlSocketPath)
  t.assert.equal((await ctl.request('node.status', {})).state, 'running')
})

test('no broker: connect fails as unavailable', async (t: TestContext) => {
  await t.assert.rejects(ControlClient.connect('/nonexistent/dir/mqttctl.sock'), (err: ControlClientError) => err.kind === 'unavailable')
})
