/**
 * `mqttctl logs` end to end against a real daemon, and its parts: the backwards tail
 * (src/cli/log-tail.ts), the follower across rotation (src/cli/log-follow.ts) and the daemon's
 * size-rotated log (src/log.ts#createRotatingLogger).
 */
import { existsSync, statSync } from 'node:fs'
import { appendFile, open, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'

import { followLog } from '../../src/cli/log-follow.js'
import { lastCompleteLines, tailLogFiles } from '../../src/cli/log-tail.js'
import { createRotatingLogger } from '../../src/log.js'
import { runCli, spawnCli, startDaemon, testDir, until } from './harness.js'

test('logs -n N prints the last N records, human or as NDJSON', async (t: TestContext) => {
  const dir = await testDir(t)
  const started = await startDaemon(dir)

  const two = await runCli(['logs', '--data-dir', dir.dataDir, '-n', '2'])
  t.assert.equal(two.code, 0, two.stderr)
  const lines = two.stdout.trimEnd().split('\n')
  t.assert.equal(lines.length, 2)
  t.assert.match(lines[1], new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  listening on mqtt 127\\.0\\.0\\.1:${started.listeners[0].port} type=mqtt`))

  const json = await runCli(['logs', '--data-dir', dir.dataDir, '-n', '3', '--json'])
  t.assert.equal(json.code, 0, json.stderr)
  const records = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; pid: number })
  t.assert.equal(records.length, 3)
  t.assert.ok(records.every((r) => r.pid === started.pid && typeof r.msg === 'string'))
  t.assert.equal(records[2].msg, `listening on mqtt 127.0.0.1:${started.listeners[0].port}`)

  const all = await runCli(['logs', '--data-dir', dir.dataDir])
  t.assert.match(all.stdout, /INFO {2}daemon starting/)
})

test('logs without a log file exits 65', async (t: TestContext) => {
  const dir = await testDir(t)
  const res = await runCli(['logs', '--data-dir', dir.dataDir])
  t.assert.equal(res.code, 65)
  t.assert.match(res.stderr, /no log file at/)
})

test('logs -f prints new lines as they come and exits 0 on Ctrl-C', async (t: TestContext) => {
  const dir = await testDir(t)
  await startDaemon(dir)
  const follower = spawnCli(['logs', '--data-dir', dir.dataDir, '-f', '-n', '1'])
  t.after(() => { follower.kill('SIGKILL') })
  let out = ''
  follower.stdout?.setEncoding('utf8').on('data', (s: string) => { out += s })
  const exited = new Promise<number | null>((resolve) => { follower.once('exit', (code) => { resolve(code) }) })

  await until('the last existing line', () => out.includes('listening on mqtt'))
  t.assert.equal((await runCli(['stop', '--data-dir', dir.dataDir])).code, 0)
  await until('the lines the stop wrote', () => / INFO {2}closed\n/.test(out))
  follower.kill('SIGINT')
  t.assert.equal(await exited, 0)
  t.assert.equal(out.split('\n').filter((l) => l.includes('listening on mqtt')).length, 1, 'no line repeated')
})

test('lastCompleteLines reads backwards across blocks and leaves out a line still being written', async (t: TestContext) => {
  const dir = await testDir(t)
  const file = join(dir.root, 'x.log')
  const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 70)}`)
  await writeFile(file, lines.join('\n') + '\npartial')
  const handle = await open(file, 'r')
  t.after(() => handle.close())
  const { size } = await handle.stat()

  for (const n of [0, 1, 7, 1200, 5000, 6000]) {
    const tail = await lastCompleteLines(handle, size, n)
    t.assert.deepEqual(tail.lines, n === 0 ? [] : lines.slice(-n), `n=${n}`)
    t.assert.equal(tail.completeEnd, size - 'partial'.length)
  }
  t.assert.deepEqual((await lastCompleteLines(handle, 0, 5)).lines, [])
})

test('tailLogFiles continues into the rotated files, newest first', async (t: TestContext) => {
  const dir = await testDir(t)
  const live = join(dir.root, 'broker.log')
  await writeFile(`${live}.2`, 'a\nb\n')
  await writeFile(`${live}.1`, 'c\nd\n')
  await writeFile(live, 'e\n')
  const handle = await open(live, 'r')
  t.after(() => handle.close())
  const tail = await tailLogFiles({ handle, end: 2 }, [`${live}.1`, `${live}.2`, `${live}.3`], 4)
  t.assert.deepEqual(tail.lines, ['b', 'c', 'd', 'e'])
})

test('followLog delivers appended lines, and keeps going across a rotation', async (t: TestContext) => {
  const dir = await testDir(t)
  const live = join(dir.root, 'broker.log')
  await writeFile(live, 'old\n')
  const handle = await open(live, 'r')
  const got: string[] = []
  const stop = new AbortController()
  const done = followLog(live, { handle, position: 4 }, (l) => { got.push(l) }, stop.signal)
  t.after(async () => { stop.abort(); await done })

  await appendFile(live, 'one\ntw')
  await until('the first line', () => got.length === 1)
  await appendFile(live, 'o\n')
  await until('the completed second line', () => got.length === 2)
  await appendFile(live, 'three, written just before the rotation\n')
  await rename(live, `${live}.1`) // what rotating-file-stream does once the file is full
  await writeFile(live, 'four\n')
  await until('the new file', () => got.length === 4)
  stop.abort()
  await done
  t.assert.deepEqual(got, ['one', 'two', 'three, written just before the rotation', 'four'])
})

test('the daemon log is bounded: rotated at maxBytes, `keep` old files, the oldest dropped', async (t: TestContext) => {
  const dir = await testDir(t)
  const file = join(dir.root, 'logs', 'broker.log')
  const log = createRotatingLogger('info', file, { maxBytes: 2000, keep: 2 })
  for (let i = 0; i < 200; i++) log.logger.info({ i }, 'a line of about a hundred bytes')
  await log.close()
  t.assert.ok(existsSync(file) && existsSync(`${file}.1`) && existsSync(`${file}.2`))
  t.assert.equal(existsSync(`${file}.3`), false)
  for (const f of [`${file}.1`, `${file}.2`]) t.assert.ok(statSync(f).size < 2200, `${f} is about maxBytes`)
  const last = (await readFile(file, 'utf8')).trimEnd().split('\n').at(-1) ?? ''
  t.assert.equal((JSON.parse(last) as { i: number }).i, 199, 'the newest line is in the live file')
  t.assert.equal(statSync(file).mode & 0o777, 0o600)
})
