/**
 * `mqttctl sys` end to end: `node bin/run.js sys ...` spawned against an in-process broker's
 * control socket.
 */
import { once } from 'node:events'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import type { SysFrame } from '../../src/cli/sys-view.js'
import { connect, startBroker } from '../helpers/broker.js'
import { spawnMqttctl } from '../helpers/mqttctl.js'

test('sys --once --json prints one snapshot with the $SYS keys, and exits 0', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  await connect(t, url)
  const cli = spawnMqttctl(t, ['sys', '--once', '--json', '--socket', broker.controlSocketPath])
  t.assert.equal((await cli.exit).code, 0, cli.stderr())
  const lines = cli.stdout().trim().split('\n')
  t.assert.equal(lines.length, 1, cli.stdout())
  const frame = JSON.parse(lines[0]) as SysFrame
  t.assert.ok(!Number.isNaN(Date.parse(frame.ts)))
  for (const key of ['version', 'uptime', 'clients/connected', 'messages/received', 'publish/messages/sent',
    'subscriptions/count', 'retained messages/count', 'heap/current', 'load/messages/received/1min', 'load/connections/5min']) {
    t.assert.ok(key in frame.values, `${key} in ${Object.keys(frame.values).join(', ')}`)
  }
  t.assert.equal(frame.values['clients/connected'], 1)
  t.assert.deepEqual(frame.rates, {})
})

test("sys --filter 'clients/*' keeps only the clients keys", async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const cli = spawnMqttctl(t, ['sys', '--once', '--json', '--filter', 'clients/*', '--socket', broker.controlSocketPath])
  t.assert.equal((await cli.exit).code, 0, cli.stderr())
  const frame = JSON.parse(cli.stdout()) as SysFrame
  t.assert.deepEqual(Object.keys(frame.values).sort(),
    ['clients/connected', 'clients/disconnected', 'clients/expired', 'clients/maximum', 'clients/total'])
})

test('sys --json streams NDJSON until SIGINT, then exits 0', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const cli = spawnMqttctl(t, ['sys', '--json', '--interval', '0.2', '--filter', 'uptime', '--socket', broker.controlSocketPath])
  // Wait (with a deadline) for the second line: its rates prove the stream is live.
  const signal = AbortSignal.timeout(10_000)
  while (cli.stdout().split('\n').filter(Boolean).length < 2) {
    await once(cli.child.stdout, 'data', { signal }).catch(() => { throw new Error(`no stream output: ${cli.stderr()}`) })
  }
  cli.child.kill('SIGINT')
  t.assert.equal((await cli.exit).code, 0, cli.stderr())
  const frames = cli.stdout().trim().split('\n').map((line) => JSON.parse(line) as SysFrame)
  t.assert.ok(frames.length >= 2)
  t.assert.deepEqual(Object.keys(frames[1].values), ['uptime'])
  t.assert.equal(typeof frames[1].rates.uptime, 'number')
})

test('sys without --json prints a table per snapshot when stdout is not a terminal', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const cli = spawnMqttctl(t, ['sys', '--once', '--filter', 'clients/connected', '--socket', broker.controlSocketPath])
  t.assert.equal((await cli.exit).code, 0, cli.stderr())
  t.assert.match(cli.stdout(), /clients\/connected\s+│\s+0\s+│\s+-\s+│/)
  t.assert.doesNotMatch(cli.stdout(), /\x1b\[/, 'no cursor movement or colour off a terminal')
})

test('sys --interval below 0.2 s is a usage error (64)', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const cli = spawnMqttctl(t, ['sys', '--interval', '0.05', '--socket', broker.controlSocketPath])
  t.assert.equal((await cli.exit).code, 64, cli.stderr())
  t.assert.match(cli.stderr(), /--interval must be a number of seconds/)
})

test('sys exits 69 when no broker answers', async (t: TestContext) => {
  const cli = spawnMqttctl(t, ['sys', '--once', '--socket', '/nonexistent/dir/mqttctl.sock'])
  t.assert.equal((await cli.exit).code, 69, cli.stderr())
})
