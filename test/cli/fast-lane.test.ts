/**
 * The fast lane (src/cli/fast-lane.ts): the common read-only commands answered before oclif loads.
 * Each is run both ways (MQTTCTL_FAST_LANE=0 forces oclif) and must print the same bytes with the
 * same exit code; a preload script tells whether oclif was loaded, so that the lane is known to be
 * taken (or left) where it should. Also: the table fitting of src/cli/output.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fitWidths, renderTable } from '../../src/cli/output.js'
import { connect, startBroker } from '../helpers/broker.js'
import { mqttctl, type CliResult } from '../helpers/mqttctl.js'

const OCLIF_MARK = 'oclif-was-loaded'

/** A preload (NODE_OPTIONS=--require) that prints OCLIF_MARK on stderr at exit if @oclif/core was loaded. */
async function oclifProbe (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttctl-lane-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'probe.cjs')
  await writeFile(file, `process.on('exit', () => { if (Object.keys(require.cache).some((k) => k.includes('@oclif/core'))) require('node:fs').writeSync(2, '${OCLIF_MARK}') })\n`)
  return file
}

interface Run extends CliResult { oclif: boolean }

/** The two ways run a moment apart: ages ("3s ago") may differ by a second, and are compared as N. */
const sameMoment = (text: string): string => text.replace(/\b\d[\dmshd]* ago\b/g, 'N ago')

async function run (probe: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const res = await mqttctl(args, { env: { NODE_OPTIONS: `--require ${probe}`, ...env } })
  return { ...res, oclif: res.stderr.includes(OCLIF_MARK), stderr: res.stderr.replace(OCLIF_MARK, '') }
}

test('read-only commands: the fast lane prints what oclif prints, without loading it', async (t: TestContext) => {
  const probe = await oclifProbe(t)
  const { broker, url } = await startBroker(t)
  const sensor = await connect(t, url, { clientId: 'sensor-1', clean: false })
  await sensor.subscribeAsync('home/#', { qos: 1 })
  await sensor.publishAsync('home/kitchen', 'hello', { retain: true, qos: 1 })
  const socket = ['--socket', broker.controlSocketPath]
  const lines = [
    ['client', 'list'], ['client', 'show', 'sensor-1'], ['subscription', 'list'], ['retained', 'list'],
    ['account', 'list'], ['acl', 'rule', 'list'], ['acl', 'ip', 'list'],
    ['client', 'list', '--sort', '-client_id', '--filter', 'state=online', '--limit', '5'],
    ['subscription', 'list', '--client', 'sensor-1'], ['retained', 'list', '--topic', 'home/+'],
    ['client:list', '--state', 'online'], ['config', 'show'], ['config', 'show', 'max_inflight'],
  ]
  for (const line of lines) {
    for (const json of [[], ['--json']]) {
      const args = [...line, ...socket, ...json]
      const [fast, slow] = await Promise.all([run(probe, args), run(probe, args, { MQTTCTL_FAST_LANE: '0' })])
      const name = args.join(' ')
      t.assert.equal(fast.oclif, false, `${name}: the lane was not taken`)
      t.assert.equal(slow.oclif, true, name)
      t.assert.equal(fast.code, 0, `${name}: ${fast.stderr}`)
      t.assert.deepEqual(
        { code: fast.code, stdout: sameMoment(fast.stdout), stderr: fast.stderr },
        { code: slow.code, stdout: sameMoment(slow.stdout), stderr: slow.stderr }, name)
    }
  }
  // state: the same lines (values such as uptime and memory move between the two runs)
  for (const json of [false, true]) {
    const args = ['state', ...socket, ...(json ? ['--json'] : [])]
    const [fast, slow] = await Promise.all([run(probe, args), run(probe, args, { MQTTCTL_FAST_LANE: '0' })])
    t.assert.equal(fast.oclif, false, args.join(' '))
    t.assert.equal(fast.code, 0, fast.stderr)
    const shape = (out: string): string[] => (json ? Object.keys(JSON.parse(out) as object) : out.split('\n').map((l) => l.split('  ')[0]!))
    t.assert.deepEqual(shape(fast.stdout), shape(slow.stdout))
    t.assert.match(fast.stdout, json ? /"sessions"/ : /^sessions +1 online, 0 offline$/m)
  }
  const shown = JSON.parse((await run(probe, ['client', 'show', 'sensor-1', '--json', ...socket])).stdout) as { client_id: string; subscriptions_list: unknown[] }
  t.assert.equal(shown.client_id, 'sensor-1')
  t.assert.equal(shown.subscriptions_list.length, 1)
})

test('anything else goes to oclif: bad flags, --help, no broker, an error answer', async (t: TestContext) => {
  const probe = await oclifProbe(t)
  const { broker } = await startBroker(t)
  const socket = ['--socket', broker.controlSocketPath]

  const badFilter = await run(probe, ['client', 'list', '--filter', 'nosuch=1', ...socket])
  t.assert.equal(badFilter.code, 64, badFilter.stderr)
  t.assert.match(badFilter.stderr, /unknown field 'nosuch'/)
  t.assert.equal(badFilter.oclif, true)

  const badOption = await run(probe, ['client', 'list', '--state', 'sleeping', ...socket])
  t.assert.equal(badOption.code, 64, badOption.stderr)
  t.assert.equal(badOption.oclif, true)

  const help = await run(probe, ['client', 'list', '--help'])
  t.assert.equal(help.code, 0)
  t.assert.match(help.stdout, /USAGE/)

  const missing = await run(probe, ['client', 'show', 'nobody', ...socket])
  t.assert.equal(missing.code, 65, missing.stderr)
  t.assert.equal(missing.oclif, true)

  const unknownKey = await run(probe, ['config', 'show', 'nosuch_key', ...socket])
  t.assert.equal(unknownKey.code, 65, unknownKey.stderr)
  t.assert.match(unknownKey.stderr, /unknown configuration key 'nosuch_key'/)
  t.assert.equal(unknownKey.oclif, true)

  // no broker: account list reads the stopped data dir, as it always did
  const dataDir = await mkdtemp(join(tmpdir(), 'mqttctl-lane-data-'))
  t.after(() => rm(dataDir, { recursive: true, force: true }))
  const offline = await run(probe, ['account', 'list', '--data-dir', dataDir])
  t.assert.equal(offline.code, 0, offline.stderr)
  t.assert.match(offline.stderr, /no broker is running/)
  const noBroker = await run(probe, ['client', 'list', '--data-dir', dataDir])
  t.assert.equal(noBroker.code, 69, noBroker.stderr)
})

test('a broker that does not answer is waited for once, not once per way', async (t: TestContext) => {
  const probe = await oclifProbe(t)
  const dir = await mkdtemp(join(tmpdir(), 'mqttctl-lane-mute-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  let connections = 0
  const mute = net.createServer((s) => { connections++; s.on('error', () => {}) })
  const path = join(dir, 'mute.sock')
  await new Promise<void>((resolve) => mute.listen(path, resolve))
  t.after(() => new Promise<void>((resolve) => { mute.close(() => { resolve() }) }))
  const res = await run(probe, ['client', 'list', '--socket', path, '--timeout', '1'])
  t.assert.equal(res.code, 75, res.stderr)
  t.assert.match(res.stderr, /no answer from the broker/)
  t.assert.equal(connections, 1)
})

test('tables are cut to the terminal width, widest columns first, never below their floor', (t: TestContext) => {
  const headers = ['client_id', 'user', 'messages_in']
  const cells = [['sensor-' + 'x'.repeat(60), 'alice', '12'], ['s2', 'bob-' + 'y'.repeat(30), '7']]
  t.assert.equal(fitWidths(headers, cells, undefined), null) // not a terminal
  t.assert.equal(fitWidths(headers, cells, 200), null) // fits
  const widths = fitWidths(headers, cells, 60)!
  t.assert.equal(widths.reduce((sum, w) => sum + w + 3, 1), 60)
  t.assert.equal(widths[2], 'messages_in'.length) // short columns keep their width
  t.assert.ok(widths[0]! >= widths[1]! - 1, JSON.stringify(widths))
  const table = renderTable(cells.map(([a, b, c]) => ({ a, b, c })), [
    { header: 'client_id', get: (r) => r.a }, { header: 'user', get: (r) => r.b }, { header: 'messages_in', get: (r) => r.c, numeric: true },
  ], 60)
  for (const line of table.split('\n')) t.assert.ok(line.replace(/\x1b\[[0-9;]*m/g, '').length <= 60, line)
  t.assert.match(table, /…/)
  // too narrow for the floors: each column keeps at least MIN_COLUMN_WIDTH (or its header)
  const floors = fitWidths(headers, cells, 10)!
  t.assert.deepEqual(floors, [9, 8, 11])
})
