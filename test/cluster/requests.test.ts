/**
 * The cluster's own plumbing for its other parts, on a real redis-server: a request to another node
 * through its inbox and the answer back, errors and unknown nodes, and change-log entries that
 * every other node applies.
 */
import { test, type TestContext } from 'node:test'
import { startCluster } from '../helpers/cluster.js'
import { redisMissing, startRedis } from '../helpers/redis-server.js'
import type { Cluster } from '../../src/cluster/cluster.js'

const skip = redisMissing ?? false

test('request/answer between nodes, errors named, unknown nodes refused; log entries reach every other node', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const nodes = await startCluster(t, redis, ['a', 'b', 'c'])
  const [a, b, c] = nodes.map((n) => n.broker.cluster as Cluster)
  a!.serve('echo', (params, from) => ({ params, from }))
  a!.serve('fail', () => { throw new Error('no such thing') })
  t.assert.deepEqual(await b!.request('a', 'echo', { x: 1 }), { params: { x: 1 }, from: 'b' })
  await t.assert.rejects(b!.request('a', 'fail', null), /no such thing/)
  await t.assert.rejects(b!.request('a', 'nothing', null), /no handler for nothing/)
  await t.assert.rejects(b!.request('zz', 'echo', null), /no live node "zz"/)
  t.assert.deepEqual(a!.peers().sort(), ['b', 'c'])

  const seen: string[] = []
  const applied = new Promise<void>((resolve) => {
    for (const [name, node] of [['b', b], ['c', c]] as const) {
      node!.onLog('test', (f) => {
        seen.push(`${name}:${f.v}`)
        if (seen.length === 2) resolve()
      })
    }
  })
  a!.onLog('test', () => { seen.push('a: its own entry') })
  await a!.appendLog('test', ['v', 'hello'])
  await applied
  t.assert.deepEqual(seen.sort(), ['b:hello', 'c:hello'])
})

test('inbox entries of other kinds reach the named node only, with their bytes', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const nodes = await startCluster(t, redis, ['a', 'b', 'c'])
  const [a, b, c] = nodes.map((n) => n.broker.cluster as Cluster)
  c!.onInbox('poke', () => { throw new Error('c is not addressed') })
  const got = new Promise<[string | undefined, string | undefined, Buffer | undefined]>((resolve) => {
    b!.onInbox('poke', (f, d) => { resolve([f.n, f.x, d]) })
  })
  await a!.sendTo('b', 'poke', ['x', 'y'], Buffer.from([0, 255]))
  t.assert.deepEqual(await got, ['a', 'y', Buffer.from([0, 255])])
})
