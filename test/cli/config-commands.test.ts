/** `mqttctl config show|set` end to end against a real broker in this process. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { startBroker } from '../helpers/broker.js'
import { mqttctl, mqttctlJson, type CliErrorJson } from '../helpers/mqttctl.js'

test('config show: YAML lines with live keys marked; KEY prints one value; --json', async (t: TestContext) => {
  const { broker } = await startBroker(t, { max_inflight: 50 })
  const socket = ['--socket', broker.controlSocketPath]
  const [all, one, json, oneJson, unknown] = await Promise.all([
    mqttctl(['config', 'show', ...socket]),
    mqttctl(['config', 'show', 'max_inflight', ...socket]),
    mqttctlJson<{ config: Record<string, unknown>; live_keys: string[] }>(['config', 'show', ...socket]),
    mqttctlJson<{ key: string; value: unknown; live: boolean }>(['config', 'show', 'node_name', ...socket]),
    mqttctl(['config', 'show', 'no_such_key', ...socket]),
  ])
  t.assert.equal(all.code, 0, all.stderr)
  t.assert.match(all.stdout, /^max_inflight: 50 {2}# live$/m)
  t.assert.match(all.stdout, /^store: memory$/m)
  t.assert.match(all.stdout, /^listeners:\n {2}- type: mqtt\n/m)
  t.assert.match(all.stderr, /# live: can change at run time/)
  t.assert.equal(one.stdout, '50\n')
  t.assert.equal(json.json.config.max_inflight, 50)
  t.assert.ok(json.json.live_keys.includes('max_inflight'))
  t.assert.ok(!json.json.live_keys.includes('listeners'))
  t.assert.deepEqual(oneJson.json, { key: 'node_name', value: broker.config.node_name, live: false })
  t.assert.equal(unknown.code, 65)
  t.assert.match(unknown.stderr, /unknown configuration key 'no_such_key'/)
})

test('config set: a live key changes at once and prints "key: old → new (live)"', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const socket = ['--socket', broker.controlSocketPath]
  const res = await mqttctl(['config', 'set', 'max_inflight', '200', ...socket])
  t.assert.equal(res.code, 0, res.stderr)
  t.assert.equal(res.stdout, 'max_inflight: 100 → 200 (live)\n')
  t.assert.match(res.stderr, /not saved: the change lasts until the broker restarts/)
  t.assert.equal(broker.config.max_inflight, 200)

  const json = await mqttctlJson<{ key: string; previous: unknown; value: unknown }>(['config', 'set', 'allow_anonymous', 'false', ...socket])
  t.assert.equal(json.code, 0, json.stderr)
  t.assert.deepEqual(json.json, { key: 'allow_anonymous', previous: true, value: false, persisted: false })
  t.assert.equal(json.stderr, '')
  t.assert.equal(broker.config.allow_anonymous, false)
})

test('config set: restart-only key → 65, invalid value → 78 naming the key, unknown key → 65', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const socket = ['--socket', broker.controlSocketPath]
  const [restart, invalid, invalidJson, unknown, typo, inherited, unsetKnown] = await Promise.all([
    mqttctlJson<CliErrorJson>(['config', 'set', 'listeners', '[]', ...socket]),
    mqttctl(['config', 'set', 'max_inflight', 'lots', ...socket]),
    mqttctlJson<CliErrorJson>(['config', 'set', 'max_inflight', '0', ...socket]),
    mqttctlJson<CliErrorJson>(['config', 'set', 'nope', '1', ...socket]),
    mqttctl(['config', 'set', 'max_inflght', '1', ...socket]),
    // regressions: `key in config` took Object.prototype's toString for a key and missed an unset redirect
    mqttctlJson<CliErrorJson>(['config', 'set', 'toString', '1', ...socket]),
    mqttctlJson<CliErrorJson>(['config', 'set', 'redirect', '{"server_reference":"b:1883"}', ...socket]),
  ])
  t.assert.deepEqual([restart.code, restart.json.error.code], [65, 'RESTART_REQUIRED'])
  t.assert.match(restart.json.error.message, /listeners cannot change while the broker runs/)
  t.assert.equal(invalid.code, 78)
  t.assert.match(invalid.stderr, /invalid value for max_inflight: must be an integer between 1 and 65535/)
  t.assert.deepEqual([invalidJson.code, invalidJson.json.error.code, invalidJson.json.error.exitCode], [78, 'INVALID', 78])
  t.assert.deepEqual([unknown.code, unknown.json.error.code], [65, 'NOT_FOUND'])
  t.assert.equal(typo.code, 65)
  t.assert.match(typo.stderr, /did you mean max_inflight\?/)
  t.assert.deepEqual([inherited.code, inherited.json.error.code], [65, 'NOT_FOUND'])
  t.assert.deepEqual([unsetKnown.code, unsetKnown.json.error.code], [65, 'RESTART_REQUIRED'])
  t.assert.equal(broker.config.max_inflight, 100, 'nothing changed')
})

test('config show and set exit 69 when no broker answers', async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'mqttctl-none-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const socket = ['--socket', join(dir, 'mqttctl.sock')]
  const results = await Promise.all([
    mqttctl(['config', 'show', ...socket]),
    mqttctl(['config', 'set', 'max_inflight', '1', ...socket]),
    mqttctl(['subscription', 'list', ...socket]),
    mqttctl(['retained', 'list', ...socket]),
    mqttctl(['retained', 'clear', '#', '--yes', ...socket]),
  ])
  for (const res of results) t.assert.equal(res.code, 69, res.stderr)
})
