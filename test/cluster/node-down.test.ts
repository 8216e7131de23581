/**
 * A node killed outright (`kill -9` of a real daemon started with `mqttctl start --cluster`): the
 * surviving node sees it `down` once its lease runs out, stops routing to it, and keeps serving;
 * the killed node, started again under the same name, rejoins under a new incarnation.
 */
import { test, type TestContext } from 'node:test'
import { connect } from '../helpers/broker.js'
import { startNode } from '../helpers/cluster.js'
import { mqttctlJson } from '../helpers/mqttctl.js'
import { redisMissing, startRedis } from '../helpers/redis-server.js'
import { startDaemon, testDir, until } from '../cli/harness.js'
import type { ClusterStatus } from '../../src/control/schema.js'

const skip = redisMissing ?? false

test('kill -9 of a node: the other sees it down within its lease and stops routing to it; restarted, it rejoins', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const a = await startNode(t, redis, 'a', { cluster: { lease: 2 } })
  const dir = await testDir(t)
  const started = await startDaemon(dir, ['--cluster', redis.url, '--node-name', 'b'])
  // b subscribes through a client of its own, so a routes to it
  const sub = await connect(t, `mqtt://127.0.0.1:${started.listeners[0]!.port}`, { clientId: 'on-b', reconnectPeriod: 0 })
  sub.on('error', () => {})
  await sub.subscribeAsync('b/#', { qos: 1 })
  await until('a routes b/# to b', () => a.broker.engine.router.remoteNodesOf('b/1').includes('b'))
  const status = async (): Promise<ClusterStatus> => (await mqttctlJson<ClusterStatus>(['cluster', 'status', '--data-dir', a.config.data_dir])).json
  const before = (await status()).nodes.find((n) => n.name === 'b')
  t.assert.equal(before?.state, 'up')
  t.assert.equal(before?.pid, started.pid)

  process.kill(started.pid, 'SIGKILL')
  const killedAt = Date.now()
  await until('b shown down', async () => (await status()).nodes.find((n) => n.name === 'b')?.state === 'down', 15_000)
  // b's lease (5 s by default for the daemon) plus one heartbeat of a
  t.assert.ok(Date.now() - killedAt < 8000, `down after ${Date.now() - killedAt} ms`)
  await until('a stops routing to b', () => !a.broker.engine.router.remoteNodesOf('b/1').includes('b'), 5000)
  const pub = await connect(t, a.url, { clientId: 'pub' })
  await pub.publishAsync('b/1', 'into the void?', { qos: 1 }) // acknowledged: nothing waits for a dead node

  const again = await startDaemon(dir, ['--cluster', redis.url, '--node-name', 'b'])
  const back = await until('b up again', async () => {
    const node = (await status()).nodes.find((n) => n.name === 'b')
    return node?.state === 'up' && node.pid === again.pid ? node : undefined
  })
  t.assert.ok(back.incarnation > before!.incarnation, 'a new incarnation')
})
