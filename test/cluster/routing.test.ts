/**
 * Routing across nodes on a real redis-server, with real mqtt.js clients: QoS 0/1/2 with the QoS
 * downgrade and one delivery for overlapping filters, wildcards and the `$` rule, a SUBACK after
 * which a publish on any node arrives, v5 properties (retain as published, subscription
 * identifiers, user properties, expiry counting down), order, exactly once for QoS 2, shared
 * groups getting each message once cluster-wide, and no Redis command for a publish that no other
 * node subscribes to.
 */
import { test, type TestContext } from 'node:test'
import { createClient } from '@redis/client'
import { connect, nextMessages } from '../helpers/broker.js'
import { startCluster } from '../helpers/cluster.js'
import { collectUntil } from '../helpers/messages.js'
import { redisMissing, startRedis } from '../helpers/redis-server.js'

const skip = redisMissing ?? false

test('QoS 0/1/2 from a publisher on one node to subscribers on another: downgrade, overlap merged, wildcards, $ rule', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b'])
  const sub = await connect(t, b!.url, { clientId: 'sub' })
  await sub.subscribeAsync({ 'r/+/x': { qos: 1 }, 'r/#': { qos: 2 }, '#': { qos: 0 }, end: { qos: 2 } })
  const pub = await connect(t, a!.url, { clientId: 'pub' })
  const got = collectUntil(sub, 'end')
  await pub.publishAsync('r/1/x', 'q0', { qos: 0 })
  await pub.publishAsync('r/2/x', 'q1', { qos: 1 })
  await pub.publishAsync('r/3/x', 'q2', { qos: 2 })
  await pub.publishAsync('$dollar/x', 'not for #', { qos: 1 })
  await pub.publishAsync('end', '', { qos: 2 }) // QoS 2 like the last one: mqtt.js hands those over at PUBREL
  const msgs = await got
  t.assert.deepEqual(msgs.map((m) => [m.topic, m.payload, m.packet.qos]), [
    ['r/1/x', 'q0', 0], ['r/2/x', 'q1', 1], ['r/3/x', 'q2', 2], ['end', '', 2],
  ], 'one delivery per message at min(published, highest granted); # does not match $dollar/x')
})

test('a SUBACK means a message published afterwards on another node arrives', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b, c] = await startCluster(t, redis, ['a', 'b', 'c'])
  const pubA = await connect(t, a!.url, { clientId: 'pa' })
  const pubC = await connect(t, c!.url, { clientId: 'pc' })
  const sub = await connect(t, b!.url, { clientId: 'sb' })
  for (let i = 0; i < 20; i++) {
    await sub.subscribeAsync(`fresh/${i}`, { qos: 1 })
    const next = nextMessages(sub, 2)
    pubA.publish(`fresh/${i}`, 'from a', { qos: 0 })
    pubC.publish(`fresh/${i}`, 'from c', { qos: 0 })
    const two = await next
    t.assert.deepEqual(two.map((m) => m.payload.toString()).sort(), ['from a', 'from c'], `filter ${i}`)
  }
})

test('v5 properties across nodes: retain as published, subscription identifiers, user properties, expiry counting down', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b'])
  const sub = await connect(t, b!.url, { clientId: 'sub5', protocolVersion: 5 })
  await sub.subscribeAsync('p/#', { qos: 1, rap: true, properties: { subscriptionIdentifier: 7 } })
  await sub.subscribeAsync('p/+', { qos: 1, properties: { subscriptionIdentifier: 9 } })
  const pub = await connect(t, a!.url, { clientId: 'pub5', protocolVersion: 5 })
  const next = nextMessages(sub, 1)
  await pub.publishAsync('p/1', 'v5', {
    qos: 1,
    retain: true,
    properties: { messageExpiryInterval: 60, userProperties: { k: 'v' }, contentType: 'text/plain', responseTopic: 'reply/1', correlationData: Buffer.from([1, 2]) },
  })
  const [m] = await next
  const p = m!.packet.properties ?? {}
  t.assert.equal(m!.packet.retain, true, 'retain as published on p/#')
  t.assert.deepEqual([...(p.subscriptionIdentifier as number[])].sort(), [7, 9])
  t.assert.deepEqual(p.userProperties, { k: 'v' })
  t.assert.equal(p.contentType, 'text/plain')
  t.assert.equal(p.responseTopic, 'reply/1')
  t.assert.deepEqual(p.correlationData, Buffer.from([1, 2]))
  t.assert.ok(typeof p.messageExpiryInterval === 'number' && p.messageExpiryInterval <= 60 && p.messageExpiryInterval >= 58, `expiry ${p.messageExpiryInterval}`)
})

test('no local across nodes: the publisher\'s own no-local subscription skips it, others on any node get it', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b'])
  const self = await connect(t, a!.url, { clientId: 'self', protocolVersion: 5 })
  await self.subscribeAsync({ 'nl/#': { qos: 1, nl: true }, mark: { qos: 0 } })
  const other = await connect(t, b!.url, { clientId: 'other', protocolVersion: 5 })
  await other.subscribeAsync({ 'nl/#': { qos: 1 }, mark: { qos: 0 } })
  const gotSelf = collectUntil(self, 'mark')
  const gotOther = collectUntil(other, 'mark')
  await self.publishAsync('nl/1', 'x', { qos: 1 })
  await self.publishAsync('mark', '', { qos: 0 })
  t.assert.deepEqual((await gotSelf).map((m) => m.topic), ['mark'])
  t.assert.deepEqual((await gotOther).map((m) => m.topic), ['nl/1', 'mark'])
})

test('order from one publisher to one subscriber holds across nodes; QoS 2 arrives exactly once', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b'])
  const sub = await connect(t, b!.url, { clientId: 'ord' })
  await sub.subscribeAsync('seq/#', { qos: 2 })
  const pub = await connect(t, a!.url, { clientId: 'seqpub' })
  const n = 300
  let next = nextMessages(sub, n, 15_000)
  // one QoS (MQTT orders the messages of one QoS; a QoS 0 one may overtake QoS 1 ones waiting for the inflight window)
  await Promise.all(Array.from({ length: n }, (_, i) => pub.publishAsync(`seq/${i % 3}`, String(i), { qos: 1 })))
  const order = (await next).map((m) => Number(m.payload.toString()))
  const wrong = order.findIndex((v, i) => v !== i)
  t.assert.equal(wrong, -1, `out of order from #${wrong}: ${order.slice(Math.max(0, wrong - 3), wrong + 8).join(' ')}`)

  next = nextMessages(sub, 100, 15_000)
  await Promise.all(Array.from({ length: 100 }, (_, i) => pub.publishAsync('seq/2', String(i), { qos: 2 })))
  const twice = await next
  t.assert.deepEqual(twice.map((m) => Number(m.payload.toString())).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i))
  t.assert.ok(twice.every((m) => m.packet.qos === 2))
  const extra = await nextMessages(sub, 1, 500).then(() => 'duplicate', () => 'none')
  t.assert.equal(extra, 'none', 'nothing after the hundredth: no duplicate')
})

test('a shared group with members on two nodes gets each message once: on the publishing node when it has a member, else spread', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b, c] = await startCluster(t, redis, ['a', 'b', 'c'])
  const ma = await connect(t, a!.url, { clientId: 'ma', protocolVersion: 5 })
  const mb = await connect(t, b!.url, { clientId: 'mb' }) // 3.1.1 member: $share works there too
  await ma.subscribeAsync('$share/g/job/#', { qos: 1 })
  await mb.subscribeAsync('$share/g/job/#', { qos: 1 })
  await ma.subscribeAsync('mark', { qos: 0 })
  await mb.subscribeAsync('mark', { qos: 0 })
  const count = (client: typeof ma): Promise<string[]> => collectUntil(client, 'mark', 5000).then((ms) => ms.filter((m) => m.topic !== 'mark').map((m) => m.payload))

  const pubA = await connect(t, a!.url, { clientId: 'pubA' })
  let gotA = count(ma)
  let gotB = count(mb)
  for (let i = 0; i < 10; i++) await pubA.publishAsync('job/1', `a${i}`, { qos: 1 })
  await pubA.publishAsync('mark', '', { qos: 1 })
  t.assert.equal((await gotA).length, 10, 'the member on the publishing node takes them')
  t.assert.deepEqual(await gotB, [])

  const pubC = await connect(t, c!.url, { clientId: 'pubC' })
  gotA = count(ma)
  gotB = count(mb)
  for (let i = 0; i < 10; i++) await pubC.publishAsync('job/2', `c${i}`, { qos: 1 })
  await pubC.publishAsync('mark', '', { qos: 1 })
  const fromC = [...await gotA, ...await gotB].sort()
  t.assert.deepEqual(fromC, Array.from({ length: 10 }, (_, i) => `c${i}`).sort(), 'each message exactly once')
  t.assert.ok((await gotA).length > 0 && (await gotB).length > 0, 'spread over the nodes with members')
})

test('a publish that no other node subscribes to costs no Redis command; one with a match costs one XADD per node per batch', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b'])
  const local = await connect(t, a!.url, { clientId: 'local' })
  await local.subscribeAsync('here/#', { qos: 1 })
  const remote = await connect(t, b!.url, { clientId: 'remote' })
  await remote.subscribeAsync('there/#', { qos: 1 })
  const probe = createClient({ url: redis.url })
  probe.on('error', () => {}) // Redis stops at the end of the test
  await probe.connect()
  t.after(() => { probe.destroy() })
  const xadds = async (): Promise<number> => {
    const info = await probe.sendCommand(['INFO', 'commandstats']) as string
    return Number(/cmdstat_xadd:calls=(\d+)/.exec(info)?.[1] ?? 0)
  }
  const pub = await connect(t, a!.url, { clientId: 'p' })
  const before = await xadds()
  const next = nextMessages(local, 100)
  for (let i = 0; i < 100; i++) pub.publish('here/x', String(i), { qos: 1 })
  await next
  t.assert.equal(await xadds(), before, 'no XADD for local-only traffic')
  const far = nextMessages(remote, 100)
  for (let i = 0; i < 100; i++) pub.publish('there/x', String(i), { qos: 1 })
  await far
  const used = await xadds() - before
  t.assert.ok(used >= 1 && used <= 10, `100 messages to one node in ${used} XADDs (batched)`)
})

test('a direct message reaches its addressee on another node (direct_messaging on every node)', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, , c] = await startCluster(t, redis, ['a', 'b', 'c'], { direct_messaging: true })
  const device = await connect(t, c!.url, { clientId: 'device-42' })
  const got = nextMessages(device, 1)
  const pub = await connect(t, a!.url, { clientId: 'ops' })
  await pub.publishAsync('$direct/device-42', 'reboot', { qos: 1 })
  const [m] = await got
  t.assert.equal(m!.topic, '$direct/device-42')
  t.assert.equal(m!.payload.toString(), 'reboot')
  t.assert.equal(m!.packet.qos, 1)
})
