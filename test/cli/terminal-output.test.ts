/**
 * What every command shares about its output (src/cli/colour.ts, src/cli/stdout-guard.ts): colour
 * only where it is wanted (a terminal, NO_COLOR, FORCE_COLOR, --[no-]color), a reader that leaves
 * (EPIPE) ends a stream quietly with 0, any other write error is one line and exit 74; and what
 * happens on a terminal only: one Ctrl-C at a prompt exits 130. Terminals come from test/helpers/pty.ts.
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { colourLevel } from '../../src/cli/colour.js'
import { connect, startBroker } from '../helpers/broker.js'
import { until } from '../helpers/messages.js'
import { BIN, ROOT, mqttctl, mqttctlEnv } from '../helpers/mqttctl.js'
import { mqttctlOnTty } from '../helpers/pty.js'

const ESC = '\x1b['

/** A data dir whose broker.log holds one record (no broker needed for `logs`). */
async function dataDirWithLog (t: TestContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mqttctl-colour-'))
  t.after(() => rm(root, { recursive: true, force: true }))
  const dataDir = join(root, 'data')
  await mkdir(dataDir)
  await writeFile(join(dataDir, 'broker.log'), JSON.stringify({ level: 40, time: Date.now(), pid: 1, hostname: 'h', msg: 'disk almost full' }) + '\n')
  return dataDir
}

test('logs on a terminal: colour unless NO_COLOR or --no-color; FORCE_COLOR and --color win', async (t: TestContext) => {
  const dataDir = await dataDirWithLog(t)
  const logs = ['logs', '--data-dir', dataDir]
  const runs = {
    auto: mqttctlOnTty(logs, { env: { NO_COLOR: undefined } }),
    noColorEnv: mqttctlOnTty(logs, { env: { NO_COLOR: '1' } }),
    noColorEmpty: mqttctlOnTty(logs, { env: { NO_COLOR: '' } }),
    noColorFlag: mqttctlOnTty([...logs, '--no-color'], { env: { NO_COLOR: undefined } }),
    forceBeatsNoColor: mqttctlOnTty(logs, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } }),
    forceOff: mqttctlOnTty(logs, { env: { NO_COLOR: undefined, FORCE_COLOR: '0' } }),
    flagBeatsEnv: mqttctlOnTty([...logs, '--color'], { env: { NO_COLOR: '1', FORCE_COLOR: '0' } }),
  }
  const results = Object.fromEntries(await Promise.all(Object.entries(runs).map(async ([name, run]) => [name, await run] as const)))
  for (const [name, res] of Object.entries(results)) {
    t.assert.equal(res.code, 0, `${name}: ${res.output}`)
    t.assert.match(res.output.replace(/\x1b\[[0-9;]*m/g, ''), /WARN +disk almost full/, name)
  }
  const coloured = Object.entries(results).filter(([, res]) => res.output.includes(ESC)).map(([name]) => name).sort()
  t.assert.deepEqual(coloured, ['auto', 'flagBeatsEnv', 'forceBeatsNoColor', 'noColorEmpty'])
})

test('into a pipe: no colour, except with --color or FORCE_COLOR', async (t: TestContext) => {
  const dataDir = await dataDirWithLog(t)
  const logs = ['logs', '--data-dir', dataDir]
  const [plain, flag, force] = await Promise.all([
    mqttctl(logs, { env: { NO_COLOR: undefined } }),
    mqttctl([...logs, '--color']),
    mqttctl(logs, { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }),
  ])
  t.assert.equal(plain.code, 0, plain.stderr)
  t.assert.ok(!plain.stdout.includes(ESC), plain.stdout)
  t.assert.ok(flag.stdout.includes(ESC), flag.stdout)
  t.assert.ok(force.stdout.includes(ESC), force.stdout)
})

test('trace on a terminal honours NO_COLOR too', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const trace = (env: NodeJS.ProcessEnv) => mqttctlOnTty(['trace', '--client', 'c1', '--count', '1', '--socket', broker.controlSocketPath], { env })
  for (const [env, colour] of [[{ NO_COLOR: '1' }, false], [{ NO_COLOR: undefined }, true]] as const) {
    const run = trace(env)
    await until(() => broker.engine.tracer.active, 'the trace to start', 10_000)
    const c1 = await connect(t, url, { clientId: 'c1' })
    const res = await run
    await c1.endAsync()
    t.assert.equal(res.code, 0, res.output)
    t.assert.match(res.output, /c1.*CONNECT/)
    t.assert.equal(res.output.includes(ESC), colour, JSON.stringify(res.output))
    await until(() => !broker.engine.tracer.active, 'the trace to end', 10_000)
  }
})

test('colourLevel: flag, then FORCE_COLOR (as chalk detected it), then NO_COLOR, then detection', (t: TestContext) => {
  t.assert.equal(colourLevel(false, { FORCE_COLOR: '3' }, 3), 0)
  t.assert.equal(colourLevel(true, { NO_COLOR: '1' }, 0), 1)
  t.assert.equal(colourLevel(true, {}, 2), 2)
  t.assert.equal(colourLevel(undefined, { NO_COLOR: '1', FORCE_COLOR: '1' }, 1), 1)
  t.assert.equal(colourLevel(undefined, { NO_COLOR: '1' }, 3), 0)
  t.assert.equal(colourLevel(undefined, { NO_COLOR: '' }, 3), 3)
  t.assert.equal(colourLevel(undefined, {}, 0), 0)
})

test('a reader that leaves (EPIPE) ends sys and trace quietly with exit 0', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const socket = ['--socket', broker.controlSocketPath]
  const publisher = await connect(t, url, { clientId: 'pub' })
  for (const [args, feed] of [
    [['sys', '--json', '--interval', '0.2'], null],
    [['trace', '--topic', 'x/#', '--json'], async () => { await publisher.publishAsync('x/1', 'a') }],
  ] as const) {
    // `mqttctl … | head -1`: read the first line, then close the pipe.
    const child = spawn(process.execPath, [BIN, ...args, ...socket], { cwd: ROOT, env: mqttctlEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
    const exited = new Promise<number | null>((resolve) => { child.on('close', (code) => { resolve(code) }) })
    let first = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      first += s
      if (first.includes('\n')) child.stdout.destroy()
    })
    if (feed !== null) {
      await until(() => broker.engine.tracer.active, 'the trace to start', 10_000)
      // Keep publishing until the trace notices the closed pipe on a write and exits.
      let done = false
      void exited.then(() => { done = true })
      while (!done) await feed()
    }
    t.assert.equal(await exited, 0, `${args[0]}: ${stderr}`)
    t.assert.ok(!stderr.includes('EPIPE') && !stderr.includes('Error'), stderr)
    t.assert.ok(first.startsWith('{'), first)
  }
})

test('stdout that cannot be written (/dev/full): one line on stderr and exit 74, for every kind of command', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const socket = ['--socket', broker.controlSocketPath]
  const full = openSync('/dev/full', 'w')
  t.after(() => { closeSync(full) })
  const runs = await Promise.all([
    ['state', ...socket],
    ['state', '--json', ...socket],
    ['config', 'show', ...socket],
    ['status', ...socket], // answered without oclif (src/cli/status-fast.ts)
    ['sys', '--json', ...socket],
  ].map(async (args) => ({ args, res: await mqttctl(args, { stdoutFd: full }) })))
  for (const { args, res } of runs) {
    t.assert.equal(res.code, 74, `${args.join(' ')}: ${res.stderr}`)
    // config show notes on stderr what its marks mean; nothing else but the one line, no stack trace.
    const lines = res.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('# live:'))
    t.assert.deepEqual(lines, ['mqttctl: cannot write to stdout: ENOSPC: no space left on device, write'], args.join(' '))
  }
})

test('one Ctrl-C at a prompt cancels the command with exit 130 (password and confirmation alike)', async (t: TestContext) => {
  const root = await mkdtemp(join(tmpdir(), 'mqttctl-prompt-'))
  t.after(() => rm(root, { recursive: true, force: true }))
  const [password, confirm] = await Promise.all([ // one data dir each: both open its store
    mqttctlOnTty(['account', 'set', 'alice', '--data-dir', join(root, 'a')], { steps: [{ expect: 'New password for "alice"', send: '\x03' }] }),
    mqttctlOnTty(['reset', '--retained', '--data-dir', join(root, 'b')], { steps: [{ expect: '(y/N)', send: '\x03' }] }),
  ])
  for (const res of [password, confirm]) {
    t.assert.equal(res.code, 130, res.output)
    t.assert.match(res.output, /cancelled/)
  }
})
