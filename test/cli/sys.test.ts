/**
 * `mqttctl sys` end to end: `node bin/run.js sys ...` spawned against an in-process broker's
 * control socket.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { SysFrame } from '../../src/cli/sys-view.js'
import { connect, startBroker } from '../helpers/broker.js'

/** The package root: this file runs as `<root>/dist/test/cli/sys.test.js`. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** Spawns `node bin/run.js ...args`; killed at the end of the test if still running. */
function spawnCli (t: TestContext, args: string[]): ChildProcessWithoutNullStreams & { out: () => string; err: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 20_000,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return Object.assign(child, { out: () => stdout, err: () => stderr })
}

async function exitCode (child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode
  const [code] = await once(child, 'close') as [number | null]
  return code
}

test('sys --once --json prints one snapshot with the $SYS keys, and exits 0', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  await connect(t, url)
  const cli = spawnCli(t, ['sys', '--once', '--json', '--socket', broker.controlSocketPath])
  t.assert.equal(await exitCode(cli), 0, cli.err())
  const lines = cli.out().trim().split('\n')
  t.assert.equal(lines.length, 1, cli.out())
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
  const cli = spawnCli(t, ['sys', '--once', '--json', '--filter', 'clients/*', '--socket', broker.controlSocketPath])
  t.assert.equal(await exitCode(cli), 0, cli.err())
  const frame = JSON.parse(cli.out()) as SysFrame
  t.assert.deepEqual(Object.keys(frame.values).sort(),
    ['clients/connected', 'clients/disconnected', 'clients/expired', 'clients/maximum', 'clients/total'])
})

test('sys --json streams NDJSON until SIGINT, then exits 0', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const cli = spawnCli(t, ['sys', '--json', '--interval', '0.2', '--filter', 'uptime', '--socket', broker.controlSocketPath])
  // Wait (with a deadline) for the second line: its rates prove the stream is live.
  const signal = AbortSignal.timeout(10_000)
  while (cli.out().split('\n').filter(Boolean).length < 2) {
    await once(cli.stdout, 'data', { signal }).catch(() => { throw new Error(`no stream output: ${cli.err()}`) })
  }
  cli.kill('SIGINT')
  t.assert.equal(await exitCode(cli), 0, cli.err())
  const frames = cli.out().trim().split('\n').map((line) => JSON.parse(line) as SysFrame)
  t.assert.ok(frames.length >= 2)
  t.assert.deepEqual(Object.keys(frames[1].values), ['uptime'])
  t.assert.equal(typeof frames[1].rates.uptime, 'number')
})

test('sys without --json prints a table per snapshot when stdout is not a terminal', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const cli = spawnCli(t, ['sys', '--once', '--filter', 'clients/connected', '--socket', broker.controlSocketPath])
  t.assert.equal(await exitCode(cli), 0, cli.err())
  t.assert.match(cli.out(), /clients\/connected\s+│\s+0\s+│\s+-\s+│/)
  t.assert.doesNotMatch(cli.out(), /\x1b\[/, 'no cursor movement or colour off a terminal')
})

test('sys --interval below 0.2 s is a usage error (64)', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const cli = spawnCli(t, ['sys', '--interval', '0.05', '--socket', broker.controlSocketPath])
  t.assert.equal(await exitCode(cli), 64, cli.err())
  t.assert.match(cli.err(), /--interval must be a number of seconds/)
})

test('sys exits 69 when no broker answers', async (t: TestContext) => {
  const cli = spawnCli(t, ['sys', '--once', '--socket', '/nonexistent/dir/mqttctl.sock'])
  t.assert.equal(await exitCode(cli), 69, cli.err())
})
