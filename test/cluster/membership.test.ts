/**
 * Cluster membership on a real redis-server: nodes join and show in `mqttctl cluster status`, a
 * second live node with a taken name is refused (exit 78, naming the other), a Redis that may evict
 * keys is refused (exit 78), an unreachable one is exit 69, a clean stop leaves at once, and a
 * standalone broker answers `cluster status` with a clear error.
 */
import { test, type TestContext } from 'node:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBroker } from '../helpers/broker.js'
import { startCluster, startNode } from '../helpers/cluster.js'
import { mqttctl, mqttctlJson } from '../helpers/mqttctl.js'
import { redisMissing, startRedis } from '../helpers/redis-server.js'
import type { ClusterStatus } from '../../src/control/schema.js'

const skip = redisMissing ?? false

async function dataDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttd-cluster-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('two nodes join: cluster status shows both up with their figures; a clean stop leaves at once', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  const [a, b] = await startCluster(t, redis, ['a', 'b'])
  const status = await mqttctlJson<ClusterStatus>(['cluster', 'status', '--data-dir', a!.config.data_dir])
  t.assert.equal(status.code, 0, status.stderr)
  t.assert.equal(status.json.node, 'a')
  t.assert.deepEqual(status.json.nodes.map((n) => [n.name, n.state, n.self]), [['a', 'up', true], ['b', 'up', false]])
  const nodeB = status.json.nodes[1]!
  t.assert.equal(nodeB.pid, process.pid)
  t.assert.equal(typeof nodeB.host, 'string')
  t.assert.ok(nodeB.incarnation > status.json.nodes[0]!.incarnation, 'b joined later: a later incarnation')
  t.assert.match(nodeB.last_heartbeat, /^\d{4}-\d\d-\d\dT/)

  const human = await mqttctl(['cluster', 'status', '--data-dir', b!.config.data_dir])
  t.assert.equal(human.code, 0, human.stderr)
  t.assert.match(human.stdout, /node\W+state\W+clients\W+subscriptions\W+msgs in\/s\W+msgs out\/s\W+last heartbeat\W+address/)
  t.assert.match(human.stdout, /\bb \*\s*│\s*up\b/)
  t.assert.match(human.stdout, new RegExp(`127\\.0\\.0\\.1:${b!.port}`), 'the advertised address is the bound listener')

  await b!.broker.close()
  const after = await mqttctlJson<ClusterStatus>(['cluster', 'status', '--data-dir', a!.config.data_dir])
  t.assert.deepEqual(after.json.nodes.map((n) => n.name), ['a'], 'b left at once, no lease to wait out')
})

test('a second live node with a taken node_name is refused at start, naming the other (exit 78)', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t)
  await startNode(t, redis, 'dup')
  await t.assert.rejects(startNode(t, redis, 'dup'), (err: Error & { code?: string }) => {
    t.assert.equal(err.code, 'BRK_ERR_NODE_NAME_TAKEN')
    t.assert.match(err.message, new RegExp(`node_name "dup" is taken: a live node of this cluster has it \\(host \\S+, pid ${process.pid}, last heartbeat \\d+ s ago\\)`))
    return true
  })
  const dir = await dataDir(t)
  const res = await mqttctl(['start', '--foreground', '--cluster', redis.url, '--node-name', 'dup', '--data-dir', dir, '--host', '127.0.0.1', '--port', '0'])
  t.assert.equal(res.code, 78, res.stderr)
  t.assert.match(res.stderr, /node_name \\"dup\\" is taken/)
})

test('a Redis whose maxmemory-policy may evict keys is refused (exit 78); an unreachable one is exit 69', { skip }, async (t: TestContext) => {
  const redis = await startRedis(t, ['--maxmemory-policy', 'allkeys-lru'])
  const dir = await dataDir(t)
  const res = await mqttctl(['start', '--foreground', '--cluster', redis.url, '--node-name', 'n', '--data-dir', dir, '--host', '127.0.0.1', '--port', '0'])
  t.assert.equal(res.code, 78, res.stderr)
  t.assert.match(res.stderr, /maxmemory-policy allkeys-lru, which may evict keys.*maxmemory-policy noeviction/)

  const gone = await startRedis(t)
  await gone.kill()
  const down = await mqttctl(['start', '--foreground', '--cluster', gone.url, '--node-name', 'n', '--data-dir', dir, '--host', '127.0.0.1', '--port', '0'])
  t.assert.equal(down.code, 69, down.stderr)
  t.assert.match(down.stderr, new RegExp(`cluster: Redis at redis://127\\.0\\.0\\.1:${gone.port}/0 cannot be reached`))
})

test('a standalone broker answers cluster status with a clear error (exit 65)', async (t: TestContext) => {
  const b = await startBroker(t)
  const res = await mqttctl(['cluster', 'status', '--data-dir', b.config.data_dir])
  t.assert.equal(res.code, 65, res.stderr)
  t.assert.match(res.stderr, /this broker is not a cluster node/)
})
