/**
 * `start`/`restart --cluster URL --node-name NAME`: the flags reach the configuration (validated as
 * the file is: a bad URL is exit 78 naming cluster.redis, in the CLI, with --foreground, and in the
 * daemon entry), the node name is what the broker reports, `restart` reuses both, and the Redis
 * password never shows in `state` or `restart`. The running brokers here get only --node-name, and
 * --cluster is followed up to the start (prepareStart) and through a broker whose ConfigSource
 * carries it (in this process); brokers that really join a cluster are in test/cluster/.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'

import { Broker } from '../../src/broker.js'
import { describeConfigSource, reuseConfigSource } from '../../src/cli/config-source.js'
import { prepareStart, type StartRequest } from '../../src/cli/daemon-start.js'
import { parseConfig } from '../../src/config/schema.js'
import type { ConfigSource } from '../../src/config/types.js'
import { createLogger } from '../../src/log.js'
import { ROOT, spawnMqttctl } from '../helpers/mqttctl.js'
import { type StartJson, runCli, runCliJson, startDaemon, testDir, until } from './harness.js'

const BAD_URL = /invalid configuration: cluster\.redis: must be a redis:\/\/ or rediss:\/\/ URL/
const SECRET_URL = 'redis://mqttd:s3cret@127.0.0.1:6379/0'
const SHOWN_URL = 'redis://mqttd:***@127.0.0.1:6379/0'

interface StatusJson { node: string | null; pid: number | null }
interface StateJson { node: { name: string }; config: ConfigSource }
interface RestartJson { reused_config: ConfigSource | null; start: StartJson }

/** A broker in this process (memory store, 127.0.0.1 port 0) reporting `source` as where its configuration came from. */
async function brokerWithSource (t: TestContext, dataDir: string, overrides: ConfigSource['overrides']): Promise<Broker> {
  const config = parseConfig({ data_dir: dataDir, store: 'memory', listeners: [{ type: 'mqtt', host: '127.0.0.1', port: 0 }], log_level: 'silent', sys_interval: 0 })
  const broker = new Broker(config, { logger: createLogger('silent'), source: { file: null, overrides: { data_dir: dataDir, ...overrides } } })
  await broker.start()
  t.after(() => broker.close())
  return broker
}

test('--cluster with a bad URL: exit 78 naming cluster.redis (start, --foreground, restart, the daemon entry); nothing is started', async (t: TestContext) => {
  const dir = await testDir(t)
  const file = join(dir.root, 'cluster.yaml')
  await writeFile(file, `data_dir: ${dir.dataDir}\ncluster:\n  redis: redis://127.0.0.1:6379/0\n  prefix: site-a\n`)
  for (const args of [
    ['start', '--cluster', 'http://x', '--data-dir', dir.dataDir],
    ['start', '--cluster', 'http://x', '--config', file],
    ['start', '--foreground', '--cluster', 'http://x', '--data-dir', dir.dataDir, '--host', '127.0.0.1', '--port', '0'],
    ['restart', '--cluster', 'redis://', '--data-dir', dir.dataDir],
  ]) {
    const res = await runCli(args)
    t.assert.equal(res.code, 78, `${args.join(' ')}: ${res.stderr}`)
    t.assert.match(res.stderr, BAD_URL, args.join(' '))
    t.assert.doesNotMatch(res.stderr, /prefix|node_name/, 'only the flag\'s key is named')
  }
  t.assert.equal(existsSync(dir.dataDir), false, 'no data directory, no daemon')

  // The daemon entry applies --cluster itself (mqttctl validated it first, and hands it over in the
  // environment, never on the command line): its log says why it stops.
  const daemon = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'daemon.js'), '--data-dir', dir.dataDir, '--node-name', 'n1'],
    { stdio: 'ignore', env: { ...process.env, MQTTD_CLUSTER_REDIS: 'http://x' } })
  const code = await new Promise<number | null>((resolve) => daemon.once('exit', resolve))
  t.assert.equal(code, 78)
  t.assert.match(readFileSync(join(dir.dataDir, 'broker.log'), 'utf8'), BAD_URL)
})

test('prepareStart takes a good --cluster and --node-name; restart\'s request reuses both unless its own flags replace them', async (t: TestContext) => {
  const dir = await testDir(t)
  const file = join(dir.root, 'cluster.yaml')
  await writeFile(file, 'cluster:\n  redis: redis://file-host:6379/0\n  prefix: site-a\n  lease: 9\n')
  const request: StartRequest = {
    configFile: file, dataDir: dir.dataDir, host: '127.0.0.1', port: 0, clusterRedis: SECRET_URL, nodeName: 'n1', waitTimeoutMs: 5000, requestTimeoutMs: 5000,
  }
  const prep = await prepareStart(request)
  t.assert.equal(prep.dataDir, dir.dataDir)
  await t.assert.rejects(prepareStart({ ...request, nodeName: '' }), /invalid configuration: node_name/)

  const source: ConfigSource = { file, overrides: { data_dir: dir.dataDir, node_name: 'n1', cluster_redis: SECRET_URL } }
  const none: StartRequest = { waitTimeoutMs: 1000, requestTimeoutMs: 1000 }
  t.assert.deepEqual(reuseConfigSource(none, source), { ...none, configFile: file, dataDir: dir.dataDir, nodeName: 'n1', clusterRedis: SECRET_URL })
  t.assert.deepEqual(reuseConfigSource({ ...none, nodeName: 'n2', clusterRedis: 'redis://other' }, source),
    { ...none, configFile: file, dataDir: dir.dataDir, nodeName: 'n2', clusterRedis: 'redis://other' })
  t.assert.equal(describeConfigSource(source), `${file} (overrides: data_dir ${dir.dataDir}, node_name n1, cluster_redis ${SHOWN_URL})`)
})

test('state shows the --cluster URL of the ConfigSource with its password redacted, in text and --json, both ways in', async (t: TestContext) => {
  const dir = await testDir(t)
  await brokerWithSource(t, dir.dataDir, { node_name: 'n1', cluster_redis: SECRET_URL })
  for (const env of [{}, { MQTTCTL_FAST_LANE: '0' }]) {
    const text = await runCli(['state', '--data-dir', dir.dataDir], { env })
    t.assert.equal(text.code, 0, text.stderr)
    t.assert.match(text.stdout, new RegExp(`^config +no file \\(defaults\\) \\(overrides: data_dir ${dir.dataDir}, node_name n1, cluster_redis redis://mqttd:\\*\\*\\*@127\\.0\\.0\\.1:6379/0\\)$`, 'm'))
    const json = await runCliJson<StateJson>(['state', '--data-dir', dir.dataDir], { env })
    t.assert.equal(json.code, 0, json.stderr)
    t.assert.deepEqual(json.json.config.overrides, { data_dir: dir.dataDir, node_name: 'n1', cluster_redis: SHOWN_URL })
    t.assert.doesNotMatch(text.stdout + json.stdout, /s3cret/)
  }
})

test('restart reuses the running broker\'s --cluster: a reused bad URL is exit 78 and the broker is not stopped; the note is redacted', async (t: TestContext) => {
  const dir = await testDir(t)
  const broker = await brokerWithSource(t, dir.dataDir, { cluster_redis: 'http://mqttd:s3cret@x' })
  const res = await runCli(['restart', '--data-dir', dir.dataDir])
  t.assert.equal(res.code, 78, res.stderr)
  t.assert.match(res.stderr, /restarting with the configuration the broker runs with: no file \(defaults\) \(overrides: data_dir .*, cluster_redis http:\/\/mqttd:\*\*\*@x\/\)/)
  t.assert.match(res.stderr, BAD_URL)
  t.assert.doesNotMatch(res.stderr, /s3cret/)
  t.assert.equal(broker.listeners.length, 1, 'still running')
  t.assert.equal((await runCli(['status', '--data-dir', dir.dataDir])).code, 0)
})

test('--node-name is the node the broker reports (status, state); restart keeps it, or takes its own', async (t: TestContext) => {
  const dir = await testDir(t)
  const started = await startDaemon(dir, ['--node-name', 'n-flags-1'])
  const status = await runCliJson<StatusJson>(['status', '--data-dir', dir.dataDir])
  t.assert.deepEqual({ node: status.json.node, pid: status.json.pid }, { node: 'n-flags-1', pid: started.pid })
  const state = await runCliJson<StateJson>(['state', '--data-dir', dir.dataDir])
  t.assert.equal(state.json.node.name, 'n-flags-1')
  const source = { file: null, overrides: { port: 0, host: '127.0.0.1', node_name: 'n-flags-1', data_dir: dir.dataDir } }
  t.assert.deepEqual(state.json.config, source)

  const again = await runCliJson<RestartJson>(['restart', '--data-dir', dir.dataDir])
  t.assert.equal(again.code, 0, again.stderr)
  dir.track(again.json.start.pid)
  t.assert.deepEqual(again.json.reused_config, source)
  t.assert.equal((await runCliJson<StatusJson>(['status', '--data-dir', dir.dataDir])).json.node, 'n-flags-1')

  const renamed = await runCliJson<RestartJson>(['restart', '--data-dir', dir.dataDir, '--node-name', 'n-flags-2'])
  t.assert.equal(renamed.code, 0, renamed.stderr)
  dir.track(renamed.json.start.pid)
  t.assert.equal((await runCliJson<StatusJson>(['status', '--data-dir', dir.dataDir])).json.node, 'n-flags-2')
  t.assert.equal((await runCliJson<StateJson>(['state', '--data-dir', dir.dataDir])).json.config.overrides.node_name, 'n-flags-2')
})

test('start --foreground --node-name: the broker in this process reports it', async (t: TestContext) => {
  const dir = await testDir(t)
  const fg = spawnMqttctl(t, ['start', '--foreground', '--data-dir', dir.dataDir, '--host', '127.0.0.1', '--port', '0', '--node-name', 'n-fg'])
  await until('the foreground broker to listen', () => fg.stderr().includes('listening on'), 20_000)
  const status = await runCliJson<StatusJson>(['status', '--data-dir', dir.dataDir])
  t.assert.equal(status.code, 0, status.stderr)
  t.assert.deepEqual({ node: status.json.node, pid: status.json.pid }, { node: 'n-fg', pid: fg.child.pid })
  t.assert.match(fg.stderr(), /"node_name":"n-fg"/)
  fg.child.kill('SIGTERM')
  t.assert.deepEqual(await fg.exit, { code: 0, signal: null }, fg.stderr())
})
