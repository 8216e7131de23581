/**
 * Router and sessions without sockets: an Engine on the memory store, persistent sessions restored
 * offline (as after a restart), messages routed straight into them; what each session queued is
 * read back from its store queue. Covers the merge of overlapping subscriptions, No Local, Retain
 * As Published, QoS downgrade, shared groups' turn-taking, and direct messages.
 */
import { test, type TestContext } from 'node:test'
import { parseConfig } from '../../src/config/schema.js'
import { Engine } from '../../src/core/engine.js'
import { createLogger } from '../../src/log.js'
import type { Message } from '../../src/protocol/message.js'
import type { QoS } from '../../src/protocol/packets.js'
import { MemoryStore } from '../../src/store/memory.js'
import type { QueuedDelivery, SubscriptionRecord } from '../../src/store/store.js'
import type { RemoteNode } from '../../src/core/router/remote-node.js'

function engine (cfg: Record<string, unknown> = {}): Engine {
  const config = parseConfig({ store: 'memory', listeners: [{ type: 'mqtt', host: '127.0.0.1', port: 0 }], sys_interval: 0, ...cfg })
  return new Engine(config, createLogger('silent'), new MemoryStore())
}

function sub (filter: string, qos: QoS, opts: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return { filter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: 0, ...opts }
}

/** A persistent session, offline, with these subscriptions (as the store gives it back at start). */
function offlineSession (e: Engine, clientId: string, subscriptions: SubscriptionRecord[]): void {
  e.sessions.restore({ clientId, expiryInterval: 3600, protocolVersion: 5, subscriptions, disconnectedAt: Date.now() }, Date.now())
}

function message (topic: string, qos: QoS, opts: Partial<Message> = {}): Message {
  return { topic, payload: Buffer.from(topic), qos, retain: false, properties: undefined, expiresAt: 0, origin: 'publisher', receivedAt: Date.now(), ...opts }
}

/** What `clientId` has queued, oldest first (emptying its queue). */
function queued (e: Engine, clientId: string): QueuedDelivery[] {
  const q = e.store.queue(clientId)
  const out: QueuedDelivery[] = []
  for (let d = q.shift(); d !== undefined; d = q.shift()) out.push(d)
  return out
}

/** A delivery in one line; subscription ids in numeric order (the trie walk's order is not specified). */
const brief = (d: QueuedDelivery): string => `${d.msg.topic} q${d.qos}${d.retain ? ' r' : ''}${d.subscriptionIds === null ? '' : ` ids=${[...d.subscriptionIds].sort((a, b) => a - b).join(',')}`}`

test('overlapping subscriptions of one session give one delivery at the highest QoS with every subscription id', (t: TestContext) => {
  const e = engine()
  offlineSession(e, 'a', [sub('s/+', 1, { subscriptionId: 3 }), sub('s/#', 2, { subscriptionId: 5 }), sub('s/x', 0)])
  t.assert.equal(e.router.route(message('s/x', 2), Date.now()), 1)
  t.assert.deepEqual(queued(e, 'a').map(brief), ['s/x q2 ids=3,5']) // [MQTT-3.3.4-2], [MQTT-3.3.4-3]
  // the published QoS caps the granted one [MQTT-3.8.4-8]
  e.router.route(message('s/x', 1), Date.now())
  t.assert.deepEqual(queued(e, 'a').map(brief), ['s/x q1 ids=3,5'])
})

test('No Local, Retain As Published, and QoS 0 to an offline session', (t: TestContext) => {
  const e = engine()
  offlineSession(e, 'self', [sub('n/#', 1, { noLocal: true })])
  offlineSession(e, 'rap', [sub('n/#', 1, { retainAsPublished: true })])
  offlineSession(e, 'plain', [sub('n/#', 1)])
  offlineSession(e, 'q0', [sub('n/#', 0)])
  const delivered = e.router.route(message('n/1', 1, { origin: 'self', retain: true }), Date.now())
  t.assert.equal(delivered, 2) // not to `self` [MQTT-3.8.3-3]; QoS 0 is not kept for an offline session
  t.assert.deepEqual(queued(e, 'self'), [])
  t.assert.deepEqual(queued(e, 'rap').map(brief), ['n/1 q1 r']) // [MQTT-3.3.1-12]
  t.assert.deepEqual(queued(e, 'plain').map(brief), ['n/1 q1']) // [MQTT-3.3.1-13]
  t.assert.deepEqual(queued(e, 'q0'), [])
})

test('a shared group gives each message to one member, in turn', (t: TestContext) => {
  const e = engine()
  offlineSession(e, 'w1', [sub('$share/g/jobs/+', 1)])
  offlineSession(e, 'w2', [sub('$share/g/jobs/+', 1)])
  offlineSession(e, 'watcher', [sub('jobs/#', 1)])
  for (let i = 0; i < 4; i++) t.assert.equal(e.router.route(message(`jobs/${i}`, 1), Date.now()), 2)
  const w1 = queued(e, 'w1').map((d) => d.msg.topic)
  const w2 = queued(e, 'w2').map((d) => d.msg.topic)
  t.assert.equal(w1.length, 2)
  t.assert.equal(w2.length, 2)
  t.assert.deepEqual([...w1, ...w2].sort(), ['jobs/0', 'jobs/1', 'jobs/2', 'jobs/3'])
  t.assert.equal(queued(e, 'watcher').length, 4)
})

test('a direct message reaches its addressee only, with direct_messaging on', (t: TestContext) => {
  const e = engine({ direct_messaging: true })
  offlineSession(e, 'dev-1', [])
  offlineSession(e, 'spy', [sub('$direct/#', 1)])
  t.assert.equal(e.router.route(message('$direct/dev-1', 1), Date.now()), 1)
  t.assert.deepEqual(queued(e, 'dev-1').map(brief), ['$direct/dev-1 q1'])
  t.assert.deepEqual(queued(e, 'spy'), [])
  t.assert.equal(e.router.route(message('$direct/nobody', 1), Date.now()), 0)
})

/** A remote node that records what it was handed. */
function remoteNode (name: string): RemoteNode & { got: string[] } {
  const got: string[] = []
  return { name, routeStamp: 0, routeGroups: null, got, forward: (msg) => { got.push(msg.topic) } }
}

test('a message goes once to every remote node with a matching filter, and never back out from a node', (t: TestContext) => {
  const e = engine()
  const b = remoteNode('b')
  const c = remoteNode('c')
  // b has two overlapping filters: still one copy per message
  e.router.addRemoteRoute('r/+', b)
  e.router.addRemoteRoute('r/#', b)
  e.router.addRemoteRoute('other', c)
  offlineSession(e, 'local', [sub('r/x', 1)])
  t.assert.equal(e.router.route(message('r/x', 1), Date.now()), 2) // one local session, one node
  t.assert.deepEqual(b.got, ['r/x'])
  t.assert.deepEqual(c.got, [])
  t.assert.deepEqual(queued(e, 'local').map(brief), ['r/x q1'])

  e.router.route(message('r/y/z', 0), Date.now())
  t.assert.deepEqual(b.got, ['r/x', 'r/y/z'])
  // [MQTT-4.7.2-1] a remote '#' route does not take '$' topics
  e.router.addRemoteRoute('#', c)
  e.router.route(message('$SYS/x', 0), Date.now())
  t.assert.deepEqual(c.got, [])
  t.assert.deepEqual(e.router.remoteNodesOf('r/q').sort(), ['b', 'c'])

  // a message from another node reaches this node's sessions only
  t.assert.equal(e.deliverFromNode(message('r/x', 1), Date.now()), 1)
  t.assert.deepEqual(b.got, ['r/x', 'r/y/z'])
  t.assert.deepEqual(queued(e, 'local').map(brief), ['r/x q1'])

  t.assert.equal(e.router.removeRemoteRoute('r/+', b), true)
  t.assert.equal(e.router.removeRemoteRoute('r/+', b), false)
  t.assert.equal(e.router.removeRemoteNode('c'), 2)
  t.assert.equal(e.router.remoteRouteCount, 1)
  t.assert.deepEqual(e.router.remoteNodesOf('r/q'), ['b'])
})
