/**
 * What operators change through mqttctl survives the broker: accounts, topic and IP rules come back
 * after `stop/start` and after `kill -9` (written before the reply), and settings changed with
 * `config set --persist` apply over the config file at every start until `reset --settings`.
 */
import { test, type TestContext } from 'node:test'
import mqtt from 'mqtt'
import { processExists, runCli, runCliJson, startDaemon, testDir, until } from './harness.js'

test('accounts and rules made live survive kill -9 right after the reply, and are enforced after the restart', async (t: TestContext) => {
  const dir = await testDir(t)
  const d = ['--data-dir', dir.dataDir]
  const first = await startDaemon(dir)
  t.assert.equal((await runCli(['account', 'set', 'alice', '--password', 'alice-pass', ...d])).code, 0)
  t.assert.equal((await runCli(['acl', 'rule', 'add', '--user', 'alice', '--topic', 'alice/#', '--access', 'readwrite', ...d])).code, 0)
  t.assert.equal((await runCli(['acl', 'ip', 'deny', '10.0.0.0/8', ...d])).code, 0)
  process.kill(first.pid, 'SIGKILL')
  await until('the daemon is gone', () => !processExists(first.pid))

  const second = await startDaemon(dir)
  const accounts = await runCliJson<{ items: Array<{ username: string }> }>(['account', 'list', ...d])
  t.assert.deepEqual(accounts.json.items.map((a) => a.username), ['alice'])
  const rules = await runCliJson<{ items: Array<{ topic: string }> }>(['acl', 'rule', 'list', ...d])
  t.assert.deepEqual(rules.json.items.map((r) => r.topic), ['alice/#'])
  const ips = await runCliJson<{ items: Array<{ cidr: string }> }>(['acl', 'ip', 'list', ...d])
  t.assert.deepEqual(ips.json.items.map((r) => r.cidr), ['10.0.0.0/8'])
  const url = `mqtt://127.0.0.1:${second.listeners[0].port}`
  const alice = await mqtt.connectAsync(url, { username: 'alice', password: 'alice-pass', protocolVersion: 5, reconnectPeriod: 0 }, false)
  t.after(() => alice.endAsync(true))
  const refused = await alice.publishAsync('bob/x', 'no', { qos: 1 }).then(() => 0, (err: { code: number }) => err.code)
  t.assert.equal(refused, 0x87)
})

test('config set --persist: applied over the file at every start, marked in config show, dropped by reset --settings', async (t: TestContext) => {
  const dir = await testDir(t)
  const d = ['--data-dir', dir.dataDir]
  await startDaemon(dir)
  const set = await runCliJson<{ value: number; persisted: boolean }>(['config', 'set', 'max_inflight', '42', '--persist', ...d])
  t.assert.deepEqual([set.code, set.json.value, set.json.persisted], [0, 42, true])
  t.assert.equal((await runCli(['config', 'set', 'max_queued_messages', '7', ...d])).code, 0) // not saved
  t.assert.equal((await runCli(['stop', ...d])).code, 0)

  await startDaemon(dir)
  const show = await runCliJson<{ config: Record<string, unknown>; persisted: string[] }>(['config', 'show', ...d])
  t.assert.deepEqual([show.json.config.max_inflight, show.json.config.max_queued_messages, show.json.persisted], [42, 1000, ['max_inflight']])
  const human = await runCli(['config', 'show', ...d])
  t.assert.match(human.stdout, /max_inflight: 42 +# live, saved/)

  const reset = await runCliJson<{ plan: { settings: number } }>(['reset', '--settings', '--yes', ...d])
  t.assert.equal(reset.json.plan.settings, 1)
  t.assert.equal((await runCli(['stop', ...d])).code, 0)
  await startDaemon(dir)
  const after = await runCliJson<{ config: Record<string, unknown>; persisted: string[] }>(['config', 'show', ...d])
  t.assert.deepEqual([after.json.config.max_inflight, after.json.persisted], [100, []])
})
