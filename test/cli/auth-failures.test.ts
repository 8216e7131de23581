/**
 * Authentication failures are counted by reason (Counters.authFailures): mqtt.js clients fail to
 * log in to a real daemon in each of the ways operators meet (wrong password, unknown user,
 * anonymous refused, back-off after failed logins, an IP rule), and `mqttctl state` (text and
 * --json) and the `$SYS` values (`mqttctl sys --once --json`, the map the publisher uses) count them.
 */
import { test, type TestContext } from 'node:test'

import type { IClientOptions } from 'mqtt'

import { refusal } from '../helpers/broker.js'

import { runCli, runCliJson, startDaemon, testDir } from './harness.js'

/** The CONNACK reason code of a refused MQTT 5 login. */
const refused = (url: string, opts: IClientOptions): Promise<number> => refusal(url, { protocolVersion: 5, ...opts })

test('authentication failures are counted per reason in state (text and --json) and $SYS', async (t: TestContext) => {
  const dir = await testDir(t)
  const started = await startDaemon(dir)
  const url = `mqtt://127.0.0.1:${started.listeners[0].port}`
  const dd = ['--data-dir', dir.dataDir]
  t.assert.equal((await runCli(['account', 'set', 'alice', '--password-stdin', ...dd], { stdin: 'alice-pass\n' })).code, 0)
  t.assert.equal((await runCli(['config', 'set', 'allow_anonymous', 'false', ...dd])).code, 0)
  t.assert.equal((await runCli(['config', 'set', 'auth_backoff_failures', '3', ...dd])).code, 0)

  const before = await runCliJson<{ auth: { failures: Record<string, number> } }>(['state', ...dd])
  t.assert.deepEqual(before.json.auth.failures, { total: 0, bad_password: 0, unknown_user: 0, ip_denied: 0, anonymous_refused: 0, no_certificate: 0, backoff: 0, busy: 0 })

  t.assert.equal(await refused(url, { username: 'alice', password: 'wrong' }), 0x86)
  t.assert.equal(await refused(url, { username: 'mallory', password: 'guess' }), 0x86)
  t.assert.equal(await refused(url, {}), 0x87, 'anonymous')
  t.assert.equal(await refused(url, { username: 'alice', password: 'wrong again' }), 0x86)
  t.assert.equal(await refused(url, { username: 'alice', password: 'alice-pass' }), 0x9f, 'in back-off after 3 failures from this address')
  t.assert.equal((await runCli(['acl', 'ip', 'deny', '127.0.0.1/32', ...dd])).code, 0)
  t.assert.equal((await runCli(['config', 'set', 'auth_backoff_failures', '0', ...dd])).code, 0)
  t.assert.equal(await refused(url, { username: 'alice', password: 'alice-pass' }), 0x87, 'denied by the IP rule')

  const state = await runCliJson<{ auth: { failures: Record<string, number> } }>(['state', ...dd])
  t.assert.deepEqual(state.json.auth.failures, { total: 6, bad_password: 2, unknown_user: 1, ip_denied: 1, anonymous_refused: 1, no_certificate: 0, backoff: 1, busy: 0 })
  const text = await runCli(['state', ...dd])
  t.assert.equal(text.code, 0, text.stderr)
  t.assert.match(text.stdout, /^auth failures +6 \(2 bad password, 1 unknown user, 1 ip denied, 1 anonymous refused, 1 backoff\)$/m)

  const sys = await runCliJson<{ values: Record<string, number> }>(['sys', '--once', ...dd])
  t.assert.equal(sys.code, 0, sys.stderr)
  t.assert.deepEqual(Object.fromEntries(Object.entries(sys.json.values).filter(([k]) => k.startsWith('auth/'))), {
    'auth/failures': 6,
    'auth/failures/bad_password': 2,
    'auth/failures/unknown_user': 1,
    'auth/failures/ip_denied': 1,
    'auth/failures/anonymous_refused': 1,
    'auth/failures/no_certificate': 0,
    'auth/failures/backoff': 1,
    'auth/failures/busy': 0,
  })
})
