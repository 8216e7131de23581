/**
 * Mosquitto 2's safe defaults (src/config/exposure.ts): with no listener configured the broker
 * listens on 127.0.0.1:1883 only and says so; on a listener other machines can reach, anonymous
 * clients are refused (CONNACK Not authorized) unless the configuration says
 * `allow_anonymous: true`, and then a start warns, on stderr and in the log.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'

import { exposureNotes } from '../../src/config/exposure.js'
import { loadConfig, loadConfigWithSource } from '../../src/config/load.js'
import { parseConfig } from '../../src/config/schema.js'
import { connect, refusal, startBroker } from '../helpers/broker.js'
import { type StartJson, runCli, runCliJson, testDir } from './harness.js'

test('no listener configured: 127.0.0.1:1883 only, anonymous allowed there, and the start says so', async (t: TestContext) => {
  const { config, defaulted } = await loadConfigWithSource({})
  t.assert.deepEqual(config.listeners.map((l) => `${l.type} ${l.host}:${l.port}`), ['mqtt 127.0.0.1:1883'])
  t.assert.equal(config.allow_anonymous, true)
  t.assert.deepEqual(defaulted, { listeners: true, allow_anonymous: true })
  t.assert.deepEqual(exposureNotes(config.listeners, config.allow_anonymous, defaulted), [{
    level: 'info',
    message: 'no listener configured: listening on 127.0.0.1:1883 (loopback) only; configure listeners (or --port/--host) to accept clients from other machines',
  }])
  // --port or --host is a configured listener: --port alone binds every interface, as documented.
  t.assert.deepEqual((await loadConfigWithSource({ overrides: { port: 1884 } })).defaulted.listeners, false)
  t.assert.deepEqual((await loadConfig({ overrides: { host: '127.0.0.1' } })).listeners.map((l) => `${l.host}:${l.port}`), ['127.0.0.1:1883'])
})

test('allow_anonymous defaults to false on a listener other machines can reach; an explicit value always wins', (t: TestContext) => {
  const on = (host: string, extra: Record<string, unknown> = {}): boolean => parseConfig({ listeners: [{ type: 'mqtt', host, port: 0 }], ...extra }).allow_anonymous
  t.assert.equal(on('0.0.0.0'), false)
  t.assert.equal(on('::'), false)
  t.assert.equal(on('127.0.0.1'), true)
  t.assert.equal(on('::1'), true)
  t.assert.equal(on('0.0.0.0', { allow_anonymous: true }), true)
  t.assert.equal(on('127.0.0.1', { allow_anonymous: false }), false)
  t.assert.equal(parseConfig({ listeners: [{ type: 'mqtt', host: '127.0.0.1', port: 0 }, { type: 'ws', port: 0 }] }).allow_anonymous, false, 'one open listener is enough')
})

test('a broker on 0.0.0.0 without allow_anonymous refuses anonymous clients (v5 0x87, v3 5); allow_anonymous: true admits them', async (t: TestContext) => {
  const closed = await startBroker(t, { listeners: [{ type: 'mqtt', host: '0.0.0.0', port: 0 }] })
  t.assert.equal(closed.config.allow_anonymous, false)
  t.assert.equal(await refusal(closed.url, { protocolVersion: 5 }), 0x87)
  t.assert.equal(await refusal(closed.url, { protocolVersion: 4 }), 5)

  const open = await startBroker(t, { listeners: [{ type: 'mqtt', host: '0.0.0.0', port: 0 }], allow_anonymous: true })
  const client = await connect(t, open.url, { protocolVersion: 5 })
  t.assert.equal(client.connected, true)
})

test('start says who can reach the broker: anonymous refused on 0.0.0.0, and a warning (stderr and log) with allow_anonymous: true', async (t: TestContext) => {
  const dir = await testDir(t)
  const refused = await runCli(['start', '--data-dir', dir.dataDir, '--port', '0'])
  t.assert.equal(refused.code, 0, refused.stderr)
  const port = Number(/^mqtt 0\.0\.0\.0:(\d+)$/m.exec(refused.stdout)?.[1])
  t.assert.match(refused.stderr, new RegExp(`^mqttctl: anonymous clients are refused on 0\\.0\\.0\\.0:${port} \\(not loopback, and the configuration does not say allow_anonymous: true\\); add accounts with mqttctl account set$`, 'm'))
  t.assert.equal(await refusal(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5 }), 0x87)
  t.assert.equal((await runCli(['stop', '--data-dir', dir.dataDir])).code, 0)

  const file = join(dir.root, 'open.yaml')
  await writeFile(file, `data_dir: ${dir.dataDir}\nallow_anonymous: true\nlisteners:\n  - { type: mqtt, host: 0.0.0.0, port: 0 }\n`)
  const open = await runCliJson<StartJson & { notes: Array<{ level: string; message: string }> }>(['start', '--config', file])
  t.assert.equal(open.code, 0, open.stderr)
  dir.track(open.json.pid)
  const openPort = open.json.listeners[0].port
  const warning = `anonymous access is allowed on 0.0.0.0:${openPort}, which other machines can reach (allow_anonymous: true): any client there may connect without a password`
  t.assert.deepEqual(open.json.notes, [{ level: 'warn', message: warning }])
  const log = await runCli(['logs', '--data-dir', dir.dataDir, '--json'])
  t.assert.ok(log.stdout.split('\n').some((l) => l.includes('"level":40') && l.includes(warning)), log.stdout)
  await connect(t, `mqtt://127.0.0.1:${openPort}`, { protocolVersion: 5 })

  const human = await runCli(['restart', '--data-dir', dir.dataDir])
  t.assert.equal(human.code, 0, human.stderr)
  t.assert.match(human.stderr, /^mqttctl: warning: anonymous access is allowed on 0\.0\.0\.0:\d+, which other machines can reach/m)
})
