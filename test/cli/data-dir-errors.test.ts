/**
 * A data directory mqttctl cannot create or may not use: one line naming the directory, an exit
 * code from the README's table, at once. Covers src/host/make-dir.ts (Node's own recursive mkdir
 * spins forever under /proc), src/host/data-dir-ready.ts and src/host/access-denied.ts, through the
 * real CLI; the permission cases run mqttctl as `nobody` on a root-owned 0700 directory.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'

import { makeDir } from '../../src/host/make-dir.js'
import { runCli, testDir } from './harness.js'

test('makeDir: creates missing ancestors, accepts an existing directory, ends with ENOENT under /proc', async (t: TestContext) => {
  const root = await mkdtemp(join(tmpdir(), 'mqttd-mkdir-'))
  t.after(() => rm(root, { recursive: true, force: true }))
  await makeDir(join(root, 'a', 'b', 'c'))
  await makeDir(join(root, 'a', 'b', 'c'))
  await writeFile(join(root, 'file'), '')
  await t.assert.rejects(makeDir(join(root, 'file')), { code: 'ENOTDIR' })
  await t.assert.rejects(makeDir(join(root, 'file', 'x')), { code: 'ENOTDIR' })
  await t.assert.rejects(makeDir('/proc/mqttd-x/y'), { code: 'ENOENT', path: '/proc/mqttd-x' })
})

for (const foreground of [false, true]) {
  test(`start${foreground ? ' --foreground' : ''} --data-dir /proc/x exits 70 at once, naming the directory`, async () => {
    const res = await runCli(['start', ...(foreground ? ['--foreground'] : []), '--data-dir', '/proc/mqttd-x', '--port', '0'], { timeoutMs: 15_000 })
    assertOneLine(res.stderr, /^mqttctl: cannot create the data directory \/proc\/mqttd-x: no such file or directory \(the file system of \/proc does not take new directories\)$/)
    if (res.code !== 70) throw new Error(`exit ${res.code}, expected 70:\n${res.stderr}`)
  })
}

/** nobody's uid and gid from /etc/passwd, when this runs as root (else the permission tests skip). */
async function nobody (): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const entry = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('nobody:'))
  if (entry === undefined) return undefined
  const [, , uid, gid] = entry.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

const DENIED = (dir: string): RegExp => new RegExp(`^mqttctl: cannot open ${dir.replaceAll('/', '\\/')}: permission denied \\(running as nobody; the directory belongs to root\\)$`)

test('as another user on a root-owned 0700 data dir, every command names the directory and the users (77)', async (t: TestContext) => {
  const as = await nobody()
  if (as === undefined) { t.skip('needs root and a nobody user'); return }
  const dir = await testDir(t)
  await chmod(dir.root, 0o755)
  await mkdir(dir.dataDir, { mode: 0o700 })
  const env = { HOME: dir.root }
  const commands = [['start', '--port', '0'], ['start', '--foreground', '--port', '0'], ['restart', '--port', '0'], ['logs'], ['stop'], ['state'], ['client', 'list']]
  for (const args of commands) {
    const res = await runCli([...args, '--data-dir', dir.dataDir], { as, env, timeoutMs: 20_000 })
    assertOneLine(res.stderr, DENIED(dir.dataDir), args.join(' '))
    t.assert.equal(res.code, 77, `${args.join(' ')}: ${res.stderr}`)
  }
  // status keeps its LSB codes (4: unknown) and says the same on its line.
  const status = await runCli(['status', '--data-dir', dir.dataDir], { as, env })
  t.assert.equal(status.code, 4, status.stderr)
  t.assert.match(status.stdout, new RegExp(`^unknown  cannot open ${dir.dataDir}: permission denied \\(running as nobody; the directory belongs to root\\)$`, 'm'))
})

test('logs as another user on a readable data dir with a private log file names the file (77)', async (t: TestContext) => {
  const as = await nobody()
  if (as === undefined) { t.skip('needs root and a nobody user'); return }
  const dir = await testDir(t)
  await chmod(dir.root, 0o755)
  await mkdir(dir.dataDir, { mode: 0o755 })
  await writeFile(join(dir.dataDir, 'broker.log'), '{}\n', { mode: 0o600 })
  const res = await runCli(['logs', '--data-dir', dir.dataDir], { as, env: { HOME: dir.root } })
  assertOneLine(res.stderr, new RegExp(`^mqttctl: cannot open ${dir.dataDir}/broker.log: permission denied \\(running as nobody; the file belongs to root\\)$`))
  t.assert.equal(res.code, 77, res.stderr)
})

/** stderr is exactly one line matching `re` (no stack, no JSON log record, no wrapped paragraph). */
function assertOneLine (stderr: string, re: RegExp, what = ''): void {
  const lines = stderr.trimEnd().split('\n')
  if (lines.length !== 1 || !re.test(lines[0])) throw new Error(`${what}: expected one line matching ${re}, got:\n${stderr}`)
}
