/**
 * `mqttctl store repair` on a stopped broker's data dir, run from outside the installation: a
 * store that lost acknowledged data to a damaged write-ahead log stays refused until the loss is
 * accepted; a healthy one is repaired in place.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Message } from '../../src/protocol/message.js'
import { EmbeddedStore } from '../../src/store/embedded.js'
import { mqttctl, mqttctlJson } from '../helpers/mqttctl.js'

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttd-repair-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const msg = (i: number): Message => ({ topic: 'q', payload: Buffer.from(`m${i}`.padEnd(200, '.')), qos: 1, retain: false, properties: undefined, expiresAt: 0, origin: 'p', receivedAt: 1 })

/** A data dir whose store holds 2,000 acknowledged queue entries, its log then cut in half. */
async function damagedStore (t: TestContext): Promise<string> {
  const dataDir = await tempDir(t)
  const store = new EmbeddedStore(dataDir)
  await store.open()
  store.saveSession({ clientId: 'c1', expiryInterval: 60, protocolVersion: 5, disconnectedAt: 1, subscriptions: [] })
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 100; i++) store.queue('c1').push({ msg: msg(round * 100 + i), qos: 1, retain: false, subscriptionIds: null })
    await store.flush()
  }
  await store.close()
  const log = (await readdir(store.dir)).filter((f) => f.endsWith('.log')).sort().at(-1) as string
  await truncate(join(store.dir, log), Math.floor((await stat(join(store.dir, log))).size / 2))
  const refused = await new EmbeddedStore(dataDir).open().then(() => null, (err: unknown) => err as Error)
  t.assert.ok(refused?.message.includes('lost data'), 'the broker\'s store refuses to open')
  return dataDir
}

test('store repair: a store that lost data needs --accept-loss (65), then opens with what is left; from any directory', async (t: TestContext) => {
  const dataDir = await damagedStore(t)
  const elsewhere = await tempDir(t)
  const refused = await mqttctlJson<{ error: { code: string; message: string } }>(['store', 'repair', '--data-dir', dataDir], { cwd: elsewhere })
  t.assert.equal(refused.code, 65, refused.stderr)
  t.assert.equal(refused.json.error.code, 'STORE_LOST_DATA')
  t.assert.match(refused.json.error.message, /cut short/)
  t.assert.ok((await new EmbeddedStore(dataDir).open().then(() => 'opened', () => 'refused')) === 'refused', 'still refused')

  const accepted = await mqttctl(['store', 'repair', '--data-dir', dataDir, '--accept-loss'], { cwd: elsewhere })
  t.assert.equal(accepted.code, 0, accepted.stderr)
  t.assert.match(accepted.stdout, /loss accepted/)
  const store = new EmbeddedStore(dataDir)
  await store.open()
  t.after(() => store.close())
  const q = store.queue('c1')
  t.assert.ok(q.length > 0 && q.length < 2000, `${q.length} of 2000 entries left`)
})

test('store repair on a healthy store of a stopped broker repairs in place and keeps everything', async (t: TestContext) => {
  const dataDir = await tempDir(t)
  const store = new EmbeddedStore(dataDir)
  await store.open()
  for (let i = 0; i < 100; i++) store.setRetained({ ...msg(i), topic: `r/${i}` })
  await store.flush()
  await store.close()
  const res = await mqttctlJson<{ repaired: boolean; damage: null }>(['store', 'repair', '--data-dir', dataDir], { cwd: await tempDir(t) })
  t.assert.equal(res.code, 0, res.stderr)
  t.assert.deepEqual([res.json.repaired, res.json.damage], [true, null])
  await store.open()
  t.after(() => store.close())
  let n = 0
  for await (const _ of store.loadRetained()) n++
  t.assert.equal(n, 100)
})

test('store repair of a store a running process holds: 69', async (t: TestContext) => {
  const dataDir = await tempDir(t)
  const store = new EmbeddedStore(dataDir)
  await store.open()
  t.after(() => store.close())
  const res = await mqttctl(['store', 'repair', '--data-dir', dataDir])
  t.assert.equal(res.code, 69, res.stderr)
})
