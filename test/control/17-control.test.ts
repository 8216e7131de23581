import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { Broker } from '../../src/broker.js'
import { offlineChannel } from '../../src/cli/admin-channel.js'
import { ControlClient, ControlClientError } from '../../src/control/client.js'
import { CONTROL_PROTOCOL } from '../../src/control/schema.js'
import { createLogger } from '../../src/log.js'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { until } from '../helpers/messages.js'
import { control } from '../helpers/control.js'

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

/** A raw NDJSON connection: `ask` sends one request frame and resolves with the reply of its id. */
async function rawControl (t: TestContext, socketPath: string): Promise<{ ask: (frame: Record<string, unknown>) => Promise<Record<string, unknown>> }> {
  const socket = net.connect(socketPath)
  t.after(() => { socket.destroy() })
  const frames: Array<Record<string, unknown>> = []
  let rest = ''
  socket.on('data', (chunk) => {
    const lines = (rest + chunk.toString()).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) frames.push(JSON.parse(line) as Record<string, unknown>)
  })
  await until(() => frames.some((f) => 'hello' in f), 'the hello frame')
  return {
    ask: async (frame) => {
      socket.write(JSON.stringify(frame) + '\n')
      await until(() => frames.some((f) => f.id === frame.id), `the reply to request ${String(frame.id)}`)
      return frames.find((f) => f.id === frame.id) as Record<string, unknown>
    },
  }
}

test('params are checked against the method schema before dispatch; the connection stays usable', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const raw = await rawControl(t, broker.controlSocketPath)
  const cases: Array<[string, unknown, string, string]> = [
    ['client.show', { client_id: 7 }, 'INVALID', 'params.client_id: expected a string, got number'],
    ['client.show', {}, 'INVALID', 'params.client_id: required'],
    ['client.show', { client_id: 'x', extra: true }, 'INVALID', 'params.extra: unknown field'],
    ['node.status', { verbose: 1 }, 'INVALID', 'params.verbose: unknown field'],
    ['client.list', { state: 'asleep' }, 'INVALID', 'params.state: expected one of "online", "offline", "all", got "asleep"'],
    ['retained.clear', { filter: '#', dry_run: 'yes' }, 'INVALID', 'params.dry_run: expected a boolean, got string'],
    ['acl.rule.del', { id: 1.5 }, 'INVALID', 'params.id: expected an integer, got float'],
    ['account.import', { accounts: [{ username: 'a', hash: 3 }] }, 'INVALID', 'params.accounts[0].hash: expected a string, got number'],
    ['acl.check', { topic: 't', access: 'read' }, 'INVALID', 'params.user: required'],
    ['state', 'all', 'INVALID', 'params: expected an object, got string'],
    ['sys.watch', { interval_ms: 50 }, 'INVALID', 'params.interval_ms: must be at least 200'],
    ['trace.start', { clients: 'c1' }, 'INVALID', 'params.clients: expected a list, got string'],
    ['stream.cancel', {}, 'INVALID', 'params.id: required'],
    ['no.such', { client_id: 7 }, 'UNKNOWN_METHOD', "unknown method 'no.such'"],
  ]
  let id = 0
  for (const [method, params, code, message] of cases) {
    const reply = await raw.ask({ id: ++id, method, params })
    t.assert.deepEqual(reply, { id, error: { code, message } }, `${method} ${JSON.stringify(params)}`)
  }
  t.assert.equal(broker.tracer.sessionCount, 0, 'an invalid trace.start reached no handler')
  const status = await raw.ask({ id: ++id, method: 'node.status', params: {} })
  t.assert.equal((status.result as { state: string }).state, 'running')
  const noParams = await raw.ask({ id: ++id, method: 'client.list' })
  t.assert.deepEqual(noParams.result, { items: [], total: 0, nodes: [broker.config.node_name], unreachable: [] }, 'absent params are an empty object')
})

test('the offline admin channel checks params as the broker does', async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'mqttd-offline-params-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const channel = await offlineChannel(dir, 4)
  t.after(() => channel.close())
  const bad = { username: 'alice', extra: 1 } as unknown as { username: string }
  await t.assert.rejects(channel.request('account.del', bad),
    (err: ControlClientError) => err.code === 'INVALID' && err.message === 'params.extra: unknown field')
  await t.assert.rejects(channel.request('account.del', { username: 'alice' }), (err: ControlClientError) => err.code === 'NO_SUCH_USER')
})
