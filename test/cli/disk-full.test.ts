/**
 * A daemon that dies while booting without writing one log line, on a full file system: `start`
 * says the file system is full (src/host/disk-full.ts) instead of pointing at an empty log. The CLI
 * case runs on a real full tmpfs (needs root for `mount`; skipped otherwise); the verdict on statfs
 * figures is tested on its own.
 */
import { existsSync, readdirSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'

import { describeFull, diskFull } from '../../src/host/disk-full.js'
import { fill, smallDisk } from '../helpers/small-disk.js'
import { runCli } from './harness.js'

test('describeFull: no block left, or no inode left, is full; anything else is not', (t: TestContext) => {
  t.assert.equal(describeFull('/d', { bavail: 0, bsize: 4096, ffree: 10, files: 100 }), 'the file system of /d is full (0 bytes free)')
  t.assert.equal(describeFull('/d', { bavail: 2, bsize: 4096, ffree: 0, files: 100 }), 'the file system of /d has no free inodes (8192 bytes free)')
  t.assert.equal(describeFull('/d', { bavail: 2, bsize: 4096, ffree: 0, files: 0 }), null, 'no inode limit')
  t.assert.equal(describeFull('/d', { bavail: 1, bsize: 4096, ffree: 1, files: 100 }), null)
})

test('diskFull of a directory that cannot be asked is null', async (t: TestContext) => {
  t.assert.equal(await diskFull('/no/such/dir'), null)
})

test('start on a full file system: exit 70 naming it, not an empty log', async (t: TestContext) => {
  const disk = smallDisk(t, '1m')
  if (disk === null) {
    t.skip('mount is not permitted here (the test needs root)')
    return
  }
  const dataDir = join(disk, 'data')
  await mkdir(dataDir)
  fill(disk)
  t.assert.equal(await diskFull(dataDir), `the file system of ${dataDir} is full (0 bytes free)`)

  const res = await runCli(['start', '--data-dir', dataDir, '--port', '0'])
  t.assert.equal(res.code, 70, res.stderr)
  t.assert.match(res.stderr, new RegExp(`^mqttctl: the broker \\(pid \\d+\\) exited with code 70 while starting: the file system of ${dataDir} is full \\(0 bytes free\\)$`, 'm'))
  t.assert.doesNotMatch(res.stderr, /is above/)
  t.assert.equal(existsSync(join(dataDir, 'mqttctl.pid')), false)
  t.assert.deepEqual(readdirSync(dataDir).filter((f) => f.endsWith('.tmp')), [], 'no temporary pid file left behind')
})
