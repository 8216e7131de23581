/**
 * mqttctl's client commands, trace, state and sys across the nodes of a cluster, end to end: a
 * real redis-server, in-process nodes, mqtt.js clients, and the real mqttctl on one node's data
 * dir. A node that does not answer is a member (lease and hash in Redis) that never reads its inbox.
 */
import { test, type TestContext } from 'node:test'
import type { ClientDetail, ClientSummary, NodeRow, State, SubscriptionSummary, TraceEvent } from '../../src/control/schema.js'
import type { NodeListPage } from '../../src/cli/views/view.js'
import type { SysFrame } from '../../src/cli/sys-view.js'
import type { Cluster } from '../../src/cluster/cluster.js'
import { ClusterKeys } from '../../src/cluster/keys.js'
import { Membership } from '../../src/cluster/membership.js'
import { RedisLink } from '../../src/cluster/redis.js'
import { createLogger } from '../../src/log.js'
import { startCluster } from '../helpers/cluster.js'
import { connect, type TestBroker } from '../helpers/broker.js'
import { until } from '../helpers/messages.js'
import { type CliErrorJson, mqttctl, mqttctlJson, spawnMqttctl } from '../helpers/mqttctl.js'
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis-server.js'

const skip = redisMissing ?? false

function on (node: TestBroker): string[] {
  return ['--data-dir', node.config.data_dir]
}

function clusterOf (node: TestBroker): Cluster {
  return node.broker.cluster as Cluster
}

/** Nodes a and b, client ca on a and cb (with a subscription) on b. */
async function twoNodes (t: TestContext): Promise<{ redis: TestRedis; a: TestBroker; b: TestBroker }> {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b']) as [TestBroker, TestBroker]
  await connect(t, a.url, { clientId: 'ca', protocolVersion: 5 })
  const cb = await connect(t, b.url, { clientId: 'cb', protocolVersion: 5 })
  await cb.subscribeAsync('b/#', { qos: 1 })
  return { redis, a, b }
}

test('client list through node a: the clients of a and b with their node; --node filters; --filter/--sort over all rows', { skip }, async (t: TestContext) => {
  const { a } = await twoNodes(t)
  const [all, onlyB, sorted, human, unknown] = await Promise.all([
    mqttctlJson<NodeListPage<NodeRow<ClientSummary>>>(['client', 'list', ...on(a)]),
    mqttctlJson<NodeListPage<NodeRow<ClientSummary>>>(['client', 'list', '--node', 'b', ...on(a)]),
    mqttctlJson<NodeListPage<NodeRow<ClientSummary>>>(['client', 'list', '--sort', '-client_id', '--limit', '1', ...on(a)]),
    mqttctl(['client', 'list', ...on(a)]),
    mqttctlJson<CliErrorJson>(['client', 'list', '--node', 'zz', ...on(a)]),
  ])
  t.assert.equal(all.code, 0, all.stderr)
  t.assert.deepEqual(all.json.items.map((c) => [c.client_id, c.node]), [['ca', 'a'], ['cb', 'b']])
  t.assert.deepEqual(all.json.unreachable, [])
  t.assert.equal(onlyB.code, 0, onlyB.stderr)
  t.assert.deepEqual(onlyB.json.items.map((c) => [c.client_id, c.node]), [['cb', 'b']])
  t.assert.deepEqual([sorted.json.items.map((c) => c.client_id), sorted.json.total, sorted.json.truncated], [['cb'], 2, true])
  t.assert.equal(human.code, 0, human.stderr)
  t.assert.match(human.stdout, /│ client_id │ node │/)
  t.assert.match(human.stdout, /│ cb +│ b +│/)
  t.assert.equal(unknown.code, 65)
  t.assert.match(unknown.json.error.message, /no live node "zz" in the cluster \(nodes: a, b\)/)
})

test('subscription list through node a shows the subscriptions of b; --client finds a client of b', { skip }, async (t: TestContext) => {
  const { a } = await twoNodes(t)
  const [all, ofCb, nobody] = await Promise.all([
    mqttctlJson<NodeListPage<NodeRow<SubscriptionSummary>>>(['subscription', 'list', ...on(a)]),
    mqttctlJson<NodeListPage<NodeRow<SubscriptionSummary>>>(['subscription', 'list', '--client', 'cb', ...on(a)]),
    mqttctl(['subscription', 'list', '--client', 'nobody', ...on(a)]),
  ])
  t.assert.equal(all.code, 0, all.stderr)
  t.assert.deepEqual(all.json.items.map((s) => [s.client_id, s.filter, s.node]), [['cb', 'b/#', 'b']])
  t.assert.deepEqual(ofCb.json.items.map((s) => [s.client_id, s.node]), [['cb', 'b']])
  t.assert.equal(nobody.code, 65)
  t.assert.match(nobody.stderr, /no session for client id 'nobody' on any node/)
})

test('client show and client kick through node a reach a client of b; NOT_FOUND only when no node has it', { skip }, async (t: TestContext) => {
  const { a, b } = await twoNodes(t)
  const victim = await connect(t, b.url, { clientId: 'victim', protocolVersion: 5 })
  const disconnected = new Promise<number | undefined>((resolve) => { victim.once('disconnect', (p) => { resolve(p.reasonCode) }) })

  const show = await mqttctlJson<NodeRow<ClientDetail>>(['client', 'show', 'cb', ...on(a)])
  t.assert.equal(show.code, 0, show.stderr)
  t.assert.deepEqual([show.json.client_id, show.json.node, show.json.subscriptions_list.map((s) => s.filter)], ['cb', 'b', ['b/#']])
  const human = await mqttctl(['client', 'show', 'cb', ...on(a)])
  t.assert.match(human.stdout, /^node +b$/m)

  const kick = await mqttctlJson<{ client_id: string; kicked: boolean; node: string }>(['client', 'kick', 'victim', ...on(a)])
  t.assert.equal(kick.code, 0, kick.stderr)
  t.assert.deepEqual([kick.json.client_id, kick.json.kicked, kick.json.node], ['victim', true, 'b'])
  t.assert.equal(await disconnected, 0x98, 'the client on b got DISCONNECT 0x98')

  const [missing, missingKick] = await Promise.all([
    mqttctlJson<CliErrorJson>(['client', 'show', 'nobody', ...on(a)]),
    mqttctl(['client', 'kick', 'nobody', ...on(a)]),
  ])
  t.assert.deepEqual([missing.code, missing.json.error.code, missing.json.error.message], [65, 'NOT_FOUND', "no session for client id 'nobody' on any node"])
  t.assert.equal(missingKick.code, 65)
})

test('a node that does not answer in time is named (stderr, "unreachable"); the others\' clients are listed', { skip }, async (t: TestContext) => {
  const { a } = await twoNodes(t)
  // Node c: a member of the cluster (lease, hash, join in the log) that never reads its inbox.
  const log = createLogger('silent')
  const link = new RedisLink(a.config.cluster!.redis, log)
  await link.connect()
  const silent = new Membership(link, new ClusterKeys(a.config.cluster!.prefix), {
    name: 'c',
    host: 'test',
    pid: process.pid,
    version: '0',
    heartbeatMs: 1000,
    leaseMs: 30_000,
    figures: () => ({ clients: 0, subscriptions: 0, rateIn: 0, rateOut: 0, advertise: '' }),
  }, log)
  await silent.join()
  t.after(async () => {
    await silent.leave()
    await link.close()
  })
  await until(() => clusterOf(a).peers().includes('c'), 'node a knows node c', 5000)

  const [json, human] = await Promise.all([
    mqttctlJson<NodeListPage<NodeRow<ClientSummary>>>(['client', 'list', ...on(a)]),
    mqttctl(['client', 'list', ...on(a)]),
  ])
  t.assert.equal(json.code, 0, json.stderr)
  t.assert.deepEqual(json.json.items.map((c) => [c.client_id, c.node]), [['ca', 'a'], ['cb', 'b']])
  t.assert.deepEqual(json.json.unreachable, ['c'])
  t.assert.equal(human.code, 0, human.stderr)
  t.assert.match(human.stderr, /no answer in time from node c: its clients are missing/)
  t.assert.match(human.stdout, /│ cb +│ b +│/)
})

test('trace --client through node a follows a client of b: its PUBLISH, with node b', { skip }, async (t: TestContext) => {
  const { a, b } = await twoNodes(t)
  const cli = spawnMqttctl(t, ['trace', '--client', 'pub', '--json', '--count', '3', ...on(a)])
  await until(() => a.broker.tracer.active && b.broker.tracer.active, 'the trace runs on a and on b', 10_000)
  const pub = await connect(t, b.url, { clientId: 'pub', protocolVersion: 5 })
  await pub.publishAsync('b/1', 'hello', { qos: 0 })
  const { code } = await cli.exit
  t.assert.equal(code, 0, cli.stderr())
  const events = cli.stdout().trim().split('\n').map((l) => JSON.parse(l) as TraceEvent)
  t.assert.deepEqual(events.map((e) => [e.dir, e.client_id, e.type, e.node]),
    [['in', 'pub', 'CONNECT', 'b'], ['out', 'pub', 'CONNACK', 'b'], ['in', 'pub', 'PUBLISH', 'b']])
  t.assert.deepEqual([events[2]?.topic, events[2]?.payload], ['b/1', 'hello'])
  await until(() => !a.broker.tracer.active && !b.broker.tracer.active, 'the trace ends on both nodes', 10_000)
})

test('a trace for another node ends when that node leaves the cluster', { skip }, async (t: TestContext) => {
  const { a, b } = await twoNodes(t)
  const cli = spawnMqttctl(t, ['trace', '--client', 'cb', '--json', ...on(a)])
  await until(() => b.broker.tracer.active, 'the trace runs on b', 10_000)
  await a.broker.close()
  await until(() => !b.broker.tracer.active, 'b ends the trace of the node that left', 10_000)
  await cli.exit
})

test('state and sys through node a show the cluster totals', { skip }, async (t: TestContext) => {
  const { a, b } = await twoNodes(t)
  await Promise.all([clusterOf(a).membership.beat(), clusterOf(b).membership.beat()])
  const state = await mqttctlJson<State>(['state', ...on(a)])
  t.assert.equal(state.code, 0, state.stderr)
  t.assert.equal(state.json.node.name, 'a')
  t.assert.equal(state.json.sessions.online, 1, 'this node: its own clients')
  t.assert.deepEqual([state.json.cluster?.nodes_up, state.json.cluster?.clients, state.json.cluster?.subscriptions], [2, 2, 1])
  const human = await mqttctl(['state', ...on(a)])
  t.assert.match(human.stdout, /^cluster +2 nodes up \(of 2\), 2 clients, 1 subscriptions/m)

  const sys = spawnMqttctl(t, ['sys', '--once', '--json', '--filter', 'cluster', '--filter', 'clients/connected', ...on(a)])
  t.assert.equal((await sys.exit).code, 0, sys.stderr())
  const frame = JSON.parse(sys.stdout()) as SysFrame
  t.assert.equal(frame.values['clients/connected'], 1)
  t.assert.equal(frame.values['cluster/nodes'], 2)
  t.assert.equal(frame.values['cluster/clients/connected'], 2)
  for (const key of ['cluster/messages/forwarded', 'cluster/messages/received', 'cluster/messages/dropped']) t.assert.equal(typeof frame.values[key], 'number', key)
})

test('$SYS/broker/cluster/... topics are published by a cluster node', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a] = await startCluster(t, redis, ['a', 'b'], { sys_interval: 1 }) as [TestBroker, TestBroker]
  const sub = await connect(t, a.url, { clientId: 'sys-reader' })
  const seen = new Map<string, string>()
  sub.on('message', (topic, payload) => { seen.set(topic, payload.toString()) })
  await sub.subscribeAsync('$SYS/broker/cluster/#')
  await until(() => seen.get('$SYS/broker/cluster/nodes') === '2', '$SYS/broker/cluster/nodes is 2', 10_000)
  t.assert.ok(seen.has('$SYS/broker/cluster/messages/forwarded'))
})

test('a standalone broker: rows carry its own node name, no node column, no cluster section', async (t: TestContext) => {
  const { startBroker } = await import('../helpers/broker.js')
  const s = await startBroker(t, { node_name: 'solo' })
  await connect(t, s.url, { clientId: 'c1' })
  const [list, human, state] = await Promise.all([
    mqttctlJson<NodeListPage<NodeRow<ClientSummary>>>(['client', 'list', ...on(s)]),
    mqttctl(['client', 'list', ...on(s)]),
    mqttctlJson<State>(['state', ...on(s)]),
  ])
  t.assert.deepEqual(list.json.items.map((c) => [c.client_id, c.node]), [['c1', 'solo']])
  t.assert.deepEqual(list.json.unreachable, [])
  t.assert.doesNotMatch(human.stdout, /node/)
  t.assert.equal(state.json.cluster, null)
})
