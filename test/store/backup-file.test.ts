/**
 * The backup file (src/store/backup-file.ts): what is written reads back entry for entry; a file
 * whose gzip is intact but whose content was altered, cut short or extended is refused by its
 * checksum and count; an existing target is refused without force.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { gunzipSync, gzipSync } from 'node:zlib'
import { BackupExistsError, BackupFileError, readBackup, writeBackup } from '../../src/store/backup-file.js'

async function * entries (): AsyncGenerator<[string, Buffer]> {
  yield ['aaccount:alice', Buffer.from('{"username":"alice"}')]
  yield ['q0001c0000000000000001', Buffer.from([1, 2, 3])]
  yield ['rtopic', Buffer.from([0, 255])]
}

test('a backup reads back as written; altered, cut or extended content is refused', async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'mqttd-backup-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'b.gz')
  const written = await writeBackup(path, entries(), 'n1', false)
  t.assert.deepEqual([written.entries, written.counts.accounts, written.counts.queued, written.counts.retained], [3, 1, 1, 1])
  await t.assert.rejects(writeBackup(path, entries(), 'n1', false), BackupExistsError)

  const got: Array<[string, string]> = []
  const { header, summary } = await readBackup(path, (k, v) => { got.push([k, v.toString('hex')]) })
  t.assert.deepEqual([header.node, summary.sha256, summary.entries], ['n1', written.sha256, 3])
  t.assert.deepEqual(got, [['aaccount:alice', Buffer.from('{"username":"alice"}').toString('hex')], ['q0001c0000000000000001', '010203'], ['rtopic', '00ff']])

  const lines = gunzipSync(await readFile(path)).toString().split('\n')
  const variants: Array<[string, string[], RegExp]> = [
    ['altered', lines.map((l, i) => i === 2 ? l.replace('AQID', 'AQIE') : l), /checksum does not match/],
    ['cut', [...lines.slice(0, 2), ...lines.slice(3)], /holds 2 entries, its end line says 3/],
    ['no end', lines.slice(0, 4), /cut short/],
    ['extended', [...lines.slice(0, 5), lines[1], ''], /goes on after its end/],
    ['not a backup', ['{"format":"x"}', ''], /not an mqttd-backup file/],
  ]
  for (const [what, content, why] of variants) {
    const bad = join(dir, `${what}.gz`)
    await writeFile(bad, gzipSync(content.join('\n')))
    await t.assert.rejects(readBackup(bad), (err: Error) => err instanceof BackupFileError && why.test(err.message), what)
  }
  await writeFile(join(dir, 'plain'), 'hello')
  await t.assert.rejects(readBackup(join(dir, 'plain')), /not a readable gzip file/)
})
