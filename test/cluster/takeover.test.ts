/**
 * One client id, one session, cluster-wide (real redis-server, real mqtt.js clients): a CONNECT on
 * node B with an id connected on node A takes it over (v5: DISCONNECT 0x8E on A; 3.1.1: closed);
 * a persistent session disconnected on A resumes on B with session present = 1, its subscriptions
 * and every QoS 1/2 message queued for it meanwhile, wherever published; a stored session that
 * moved away while its node was down is not resurrected.
 */
import { test, type TestContext } from 'node:test'
import mqtt from 'mqtt'
import { connect, nextMessages } from '../helpers/broker.js'
import { startCluster } from '../helpers/cluster.js'
import { until } from '../helpers/messages.js'
import { redisMissing, startRedis } from '../helpers/redis-server.js'

const skip = redisMissing ?? false

test('a CONNECT on another node takes the client id over: v5 DISCONNECT 0x8E, 3.1.1 closed; never two live connections', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b'])
  const old5 = await connect(t, a!.url, { clientId: 'dev-5', protocolVersion: 5 })
  const disconnected = new Promise<number | undefined>((resolve) => { old5.once('disconnect', (p) => { resolve(p.reasonCode) }) })
  const new5 = await connect(t, b!.url, { clientId: 'dev-5', protocolVersion: 5 })
  t.assert.equal(await disconnected, 0x8E)
  t.assert.equal(new5.connected, true)
  await until(() => a!.broker.engine.sessions.get('dev-5') === undefined, 'the session left node a')

  const old4 = await connect(t, a!.url, { clientId: 'dev-4' })
  const closed = new Promise<void>((resolve) => { old4.once('close', resolve) })
  await connect(t, b!.url, { clientId: 'dev-4' })
  await closed
  t.assert.equal(a!.broker.engine.sessions.get('dev-4'), undefined)
  t.assert.equal(b!.broker.engine.sessions.get('dev-4')?.online, true)

  // and back again: b gives it up for a
  const back = new Promise<void>((resolve) => { new5.once('disconnect', () => { resolve() }) })
  await connect(t, a!.url, { clientId: 'dev-5', protocolVersion: 5 })
  await back
})

test('a persistent session moves with its client: session present, subscriptions, messages queued on any node, in order', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b, c] = await startCluster(t, redis, ['a', 'b', 'c'])
  const first = await connect(t, a!.url, { clientId: 'p1', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })
  await first.subscribeAsync('q/#', { qos: 1 })
  await first.endAsync()
  await until(() => a!.broker.engine.sessions.get('p1')?.online === false, 'p1 offline on a')

  const pubA = await connect(t, a!.url, { clientId: 'pa' })
  const pubC = await connect(t, c!.url, { clientId: 'pc' })
  for (let i = 0; i < 5; i++) await pubA.publishAsync('q/a', `a${i}`, { qos: 1 })
  for (let i = 0; i < 5; i++) await pubC.publishAsync('q/c', `c${i}`, { qos: 2 })
  await until(() => a!.broker.engine.sessions.get('p1')?.outbound.queuedCount === 10, 'ten queued on a')

  const second = mqtt.connect(b!.url, { clientId: 'p1', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 }, reconnectPeriod: 0 })
  t.after(() => second.endAsync(true))
  const queued = nextMessages(second, 10, 5000)
  const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
    second.once('connect', resolve)
    second.once('error', reject)
  })
  t.assert.equal(connack.sessionPresent, true)
  const got = (await queued).map((m) => m.payload.toString())
  t.assert.deepEqual(got.filter((p) => p.startsWith('a')), ['a0', 'a1', 'a2', 'a3', 'a4'], 'in order from each publisher')
  t.assert.deepEqual(got.filter((p) => p.startsWith('c')), ['c0', 'c1', 'c2', 'c3', 'c4'])
  t.assert.equal(a!.broker.engine.sessions.get('p1'), undefined, 'gone from a')

  // its subscription works on b now, for messages from any node
  const later = nextMessages(second, 1)
  await pubA.publishAsync('q/after', 'after', { qos: 1 })
  t.assert.equal((await later)[0]!.payload.toString(), 'after')
})

test('takeover across nodes is quick: CONNECT to CONNACK p50 well under 20 ms on loopback', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b'])
  const times: number[] = []
  let client = await connect(t, a!.url, { clientId: 'hop', protocolVersion: 5 })
  for (let i = 0; i < 20; i++) {
    const target = i % 2 === 0 ? b! : a!
    const started = performance.now()
    client = await connect(t, target.url, { clientId: 'hop', protocolVersion: 5 })
    times.push(performance.now() - started)
  }
  t.assert.ok(client.connected)
  times.sort((x, y) => x - y)
  const p50 = times[Math.floor(times.length / 2)] as number
  t.diagnostic(`takeover CONNECT→CONNACK p50 ${p50.toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`)
  t.assert.ok(p50 < 100, `p50 ${p50} ms`) // the target (20 ms) is a benchmark figure; this guards against a stall
})
