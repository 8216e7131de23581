/**
 * Redis restarted without its data (a real redis-server killed and started again empty): each node
 * finds its lease and hash gone at its next heartbeat, rejoins under a new incarnation and writes
 * its routes again, so routing between the nodes works again without restarting them; meanwhile
 * each node goes on serving its own clients.
 */
import { test, type TestContext } from 'node:test'
import { connect, nextMessages } from '../helpers/broker.js'
import { startCluster } from '../helpers/cluster.js'
import { until } from '../helpers/messages.js'
import { redisMissing, startRedis } from '../helpers/redis-server.js'
import type { Cluster } from '../../src/cluster/cluster.js'

const skip = redisMissing ?? false

test('after Redis comes back empty, the nodes rejoin and route to each other again; local traffic never stops', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b'])
  const ca = a!.broker.cluster as Cluster
  const cb = b!.broker.cluster as Cluster
  const sub = await connect(t, b!.url, { clientId: 'sub' })
  await sub.subscribeAsync('x/#', { qos: 1 })
  const local = await connect(t, b!.url, { clientId: 'local-pub' })
  const pub = await connect(t, a!.url, { clientId: 'pub' })
  let next = nextMessages(sub, 1)
  await pub.publishAsync('x/1', 'before', { qos: 1 })
  t.assert.equal((await next)[0]!.payload.toString(), 'before')

  const incarnations = [ca.incarnation, cb.incarnation]
  await redis.kill()
  next = nextMessages(sub, 1)
  await local.publishAsync('x/local', 'while Redis is away', { qos: 1 })
  t.assert.equal((await next)[0]!.payload.toString(), 'while Redis is away')

  await redis.restart()
  await until(() => ca.incarnation !== incarnations[0] && cb.incarnation !== incarnations[1], 'both nodes rejoined', 15_000)
  await until(() => a!.broker.engine.router.remoteNodesOf('x/2').includes('b'), 'a routes x/# to b again', 10_000)
  next = nextMessages(sub, 1, 5000)
  await pub.publishAsync('x/2', 'after', { qos: 1 })
  t.assert.equal((await next)[0]!.payload.toString(), 'after')
})

test('while Redis is paused (SIGSTOP), new clients are still accepted and served locally', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a] = await startCluster(t, redis, ['a', 'b'])
  redis.pause()
  t.after(() => { redis.resume() })
  const started = Date.now()
  const sub = await connect(t, a!.url, { clientId: 'late-sub' })
  t.assert.ok(Date.now() - started < 3000, `CONNACK after ${Date.now() - started} ms`)
  await sub.subscribeAsync('here/#', { qos: 0 })
  const pub = await connect(t, a!.url, { clientId: 'late-pub' })
  const next = nextMessages(sub, 1)
  await pub.publishAsync('here/1', 'local', { qos: 1 })
  t.assert.equal((await next)[0]!.payload.toString(), 'local')
})

test('a QoS 1 message for another node is acknowledged only once it is in Redis: none while Redis is paused, then it arrives', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b'])
  const sub = await connect(t, b!.url, { clientId: 'far' })
  await sub.subscribeAsync('far/#', { qos: 1 })
  const pub = await connect(t, a!.url, { clientId: 'near' })
  redis.pause()
  t.after(() => { redis.resume() })
  let acked = false
  const arrived = nextMessages(sub, 1, 10_000)
  const ack = pub.publishAsync('far/1', 'waits', { qos: 1 }).then(() => { acked = true })
  await new Promise((resolve) => setTimeout(resolve, 700)) // no event to await: an ack must NOT come
  t.assert.equal(acked, false, 'no PUBACK while the copy for node b is not in Redis')
  redis.resume()
  await ack
  t.assert.equal((await arrived)[0]!.payload.toString(), 'waits')
})
