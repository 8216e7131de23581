/**
 * `mqttctl reset`: live on a running daemon (plan, confirmation rules, what goes and what stays),
 * offline on a stopped one's data dir, and `--all` on a store so damaged the broker refuses it.
 */
import { once } from 'node:events'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import mqtt from 'mqtt'
import { connect, startBroker } from '../helpers/broker.js'
import { runCli, runCliJson, startDaemon, testDir } from './harness.js'

interface ResetJson {
  plan: { sessions: number; retained: number; accounts: number; topic_rules: number; ip_rules: number; wills: number; settings: number }
  done: boolean
  live: boolean
  all: boolean
}

const PERSISTENT = { clientId: 'keeper', protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 0 }

test('reset on a running broker: nothing selected → 64, no --yes without a terminal → 64, then sessions and retained go live', async (t: TestContext) => {
  const dir = await testDir(t)
  const daemon = await startDaemon(dir)
  const url = `mqtt://127.0.0.1:${daemon.listeners[0].port}`
  const d = ['--data-dir', dir.dataDir]
  const client = await mqtt.connectAsync(url, PERSISTENT, false)
  t.after(() => client.endAsync(true))
  await client.subscribeAsync('r/#', { qos: 1 })
  await client.publishAsync('r/kept', 'x', { qos: 1, retain: true })
  t.assert.equal((await runCli(['acl', 'rule', 'add', '--pattern', '--topic', '#', '--access', 'readwrite', ...d])).code, 0)

  t.assert.equal((await runCli(['reset', ...d])).code, 64)
  const refused = await runCli(['reset', '--sessions', ...d])
  t.assert.equal(refused.code, 64)
  t.assert.match(refused.stderr, /--yes/)
  const dry = await runCliJson<ResetJson>(['reset', '--sessions', '--retained', '--acl', '--dry-run', ...d])
  t.assert.deepEqual([dry.code, dry.json.done, dry.json.live], [0, false, true])
  t.assert.deepEqual(dry.json.plan, { sessions: 1, retained: 1, accounts: 0, topic_rules: 1, ip_rules: 0, wills: 0, settings: 0 })
  t.assert.equal((await runCli(['reset', '--all', '--yes', ...d])).code, 65, '--all needs the broker stopped')

  const disconnected = new Promise<number | undefined>((resolve) => { client.once('disconnect', (p) => { resolve(p.reasonCode) }) })
  const done = await runCliJson<ResetJson>(['reset', '--sessions', '--retained', '--yes', ...d])
  t.assert.deepEqual([done.code, done.json.done, done.json.plan.sessions, done.json.plan.retained], [0, true, 1, 1])
  t.assert.equal(await disconnected, 0x98)
  const clients = await runCliJson<{ total: number }>(['client', 'list', ...d])
  t.assert.equal(clients.json.total, 0)
  const retained = await runCliJson<{ total: number }>(['retained', 'list', ...d])
  t.assert.equal(retained.json.total, 0)
  const rules = await runCliJson<{ total: number }>(['acl', 'rule', 'list', ...d])
  t.assert.equal(rules.json.total, 1, 'not selected: kept')
  const back = mqtt.connect(url, PERSISTENT)
  t.after(() => back.endAsync(true))
  const [connack] = await once(back as never, 'connect') as [{ sessionPresent: boolean }]
  t.assert.equal(connack.sessionPresent, false, 'the session is gone')
})

test('reset offline: on the data dir of a stopped broker; the next start has none of it', async (t: TestContext) => {
  const dir = await testDir(t)
  const d = ['--data-dir', dir.dataDir]
  const daemon = await startDaemon(dir)
  const url = `mqtt://127.0.0.1:${daemon.listeners[0].port}`
  const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 }, false)
  await pub.publishAsync('a/one', '1', { qos: 1, retain: true })
  await pub.publishAsync('a/two', '2', { qos: 1, retain: true })
  await pub.endAsync()
  t.assert.equal((await runCli(['stop', ...d])).code, 0)
  t.assert.equal((await runCli(['account', 'set', 'alice', '--password', 'alice-pass', ...d])).code, 0)

  const res = await runCliJson<ResetJson>(['reset', '--retained', '--accounts', '--yes', ...d])
  t.assert.deepEqual([res.code, res.json.done, res.json.live, res.json.plan.retained, res.json.plan.accounts], [0, true, false, 2, 1])
  await startDaemon(dir)
  t.assert.equal((await runCliJson<{ total: number }>(['retained', 'list', ...d])).json.total, 0)
  t.assert.equal((await runCliJson<{ total: number }>(['account', 'list', ...d])).json.total, 0)
})

test('reset --all: deletes a store the broker refuses as damaged, after which it starts empty', async (t: TestContext) => {
  const dir = await testDir(t)
  const d = ['--data-dir', dir.dataDir]
  await startDaemon(dir)
  t.assert.equal((await runCli(['stop', ...d])).code, 0)
  // damage: LevelDB's CURRENT file gone, data files still there
  const storeDir = join(dir.dataDir, 'store')
  t.assert.ok((await readdir(storeDir)).includes('CURRENT'))
  await writeFile(join(storeDir, 'CURRENT'), 'garbage\n')
  const refused = await runCli(['start', ...d, '--port', '0'])
  t.assert.notEqual(refused.code, 0)
  t.assert.match(refused.stdout + refused.stderr, /reset --all/)

  const noYes = await runCli(['reset', '--all', ...d])
  t.assert.equal(noYes.code, 64)
  const res = await runCliJson<ResetJson & { unreadable: string | null }>(['reset', '--all', '--yes', ...d])
  t.assert.deepEqual([res.code, res.json.done, res.json.all], [0, true, true])
  t.assert.ok(res.json.unreadable !== null)
  const daemon = await startDaemon(dir)
  t.assert.ok(daemon.pid > 0)
})

test('reset shows the plan of the selected kinds only', async (t: TestContext) => {
  const b = await startBroker(t)
  const socket = ['--socket', b.broker.controlSocketPath]
  const client = await connect(t, b.url)
  await client.publishAsync('r/kept', 'x', { qos: 1, retain: true })
  const [retained, sessionsAcl] = await Promise.all([
    runCli(['reset', '--retained', '--dry-run', ...socket]),
    runCli(['reset', '--sessions', '--acl', '--dry-run', ...socket]),
  ])
  t.assert.equal(retained.code, 0, retained.stderr)
  t.assert.deepEqual(retained.stdout.trimEnd().split('\n'), ['retained messages  1'])
  t.assert.equal(sessionsAcl.code, 0, sessionsAcl.stderr)
  t.assert.deepEqual(sessionsAcl.stdout.trimEnd().split('\n').map((l) => l.replace(/ +/g, ' ')), ['sessions 1', 'delayed wills 0', 'topic rules 0', 'IP rules 0'])
})
