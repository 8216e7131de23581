import { after, describe, test } from 'node:test'
import type { TestContext } from 'node:test'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import type { Message } from '../../src/protocol/message.js'
import { EmbeddedStore } from '../../src/store/embedded.js'
import type { EmbeddedStoreOptions } from '../../src/store/embedded.js'
import { StoreError } from '../../src/store/errors.js'
import { acceptLoss } from '../../src/store/wal-guard.js'
import type { Store } from '../../src/store/store.js'
import { storeConformance } from './conformance.js'

const dirs: string[] = []
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'mqttd-store-'))
  dirs.push(d)
  return d
}

async function opened (dir = tempDir(), options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
  const store = new EmbeddedStore(dir, options)
  await store.open()
  return store
}

storeConformance('embedded', () => opened())
// every queue entry past the first goes through the database and back
storeConformance('embedded, queue window 1', () => opened(tempDir(), { queueWindow: 1 }))

function message (topic: string, payload: string, extra: Partial<Message> = {}): Message {
  return { topic, payload: Buffer.from(payload), qos: 1, retain: false, properties: undefined, expiresAt: 0, origin: 'c1', receivedAt: 1, ...extra }
}

async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

function drain (store: Store, clientId: string): string[] {
  const q = store.queue(clientId)
  const out: string[] = []
  for (let e = q.shift(); e !== undefined; e = q.shift()) out.push(e.msg.payload.toString())
  return out
}

/** Every data file of a store directory with a hash of its content, to show nothing was touched. */
function snapshot (dir: string): string {
  return readdirSync(dir).sort().filter((f) => !['LOG', 'LOG.old', 'LOCK'].includes(f))
    .map((f) => `${f} ${createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')}`).join('\n')
}

async function rejectsWith (t: TestContext, store: EmbeddedStore, code: string, ...phrases: string[]): Promise<StoreError> {
  const err = await store.open().then(() => null, (e: unknown) => e)
  t.assert.ok(err instanceof StoreError, `open() rejects with a StoreError, got ${String(err)}`)
  t.assert.equal(err.code, code)
  t.assert.equal(err.dir, store.dir)
  for (const p of [store.dir, ...phrases]) t.assert.ok(err.message.includes(p), `message names ${p}: ${err.message}`)
  return err
}

/** A closed store of 30k records, some in LevelDB tables (.ldb) and some in its log. */
async function bigStore (dir: string): Promise<void> {
  const store = await opened(dir)
  for (let i = 0; i < 300; i++) {
    for (let j = 0; j < 100; j++) store.setRetained(message(`t/${i}/${j}`, 'x'.repeat(200) + i))
    await store.flush()
  }
  store.saveSession({ clientId: 'c1', expiryInterval: 60, protocolVersion: 5, disconnectedAt: 1, subscriptions: [] })
  await store.close()
}

describe('EmbeddedStore', () => {
  test('retained, sessions and queues survive close and reopen, queues in order', async (t: TestContext) => {
    const dir = tempDir()
    let store = await opened(dir, { queueWindow: 8 })
    store.setRetained(message('a/b', 'one', { retain: true }))
    store.setRetained(message('a/c', 'two', { retain: true }))
    store.deleteRetained('a/c')
    store.saveSession({ clientId: 'c1', expiryInterval: 60, protocolVersion: 5, username: 'u', disconnectedAt: 9, subscriptions: [] })
    for (let i = 0; i < 50; i++) store.queue('c1').push({ msg: message('q', String(i)), qos: 1, retain: false, subscriptionIds: [i] })
    store.queue('c2').push({ msg: message('q', 'c2'), qos: 2, retain: false, subscriptionIds: null })
    await store.flush()
    t.assert.deepEqual([store.queue('c1').shift(), store.queue('c1').shift()].map((e) => e?.msg.payload.toString()), ['0', '1'])
    const bytes = store.queue('c1').bytes
    await store.close()

    store = await opened(dir, { queueWindow: 8 })
    t.after(() => store.close())
    t.assert.deepEqual((await collect(store.loadRetained())).map((m) => [m.topic, m.payload.toString(), m.retain]), [['a/b', 'one', true]])
    t.assert.deepEqual((await collect(store.loadSessions())).map((r) => [r.clientId, r.username, r.disconnectedAt]), [['c1', 'u', 9]])
    t.assert.equal(store.queue('c1').length, 48)
    t.assert.equal(store.queue('c1').bytes, bytes, 'the queue\'s bytes are counted again at open')
    t.assert.deepEqual(store.queue('c1').shift()?.subscriptionIds, [2])
    store.queue('c1').push({ msg: message('q', 'after'), qos: 1, retain: false, subscriptionIds: null })
    await store.flush()
    t.assert.deepEqual(drain(store, 'c1'), [...Array.from({ length: 47 }, (_, i) => String(i + 3)), 'after'])
    t.assert.deepEqual(drain(store, 'c2'), ['c2'])
    await store.flush()
    await store.close()
    store = await opened(dir)
    t.assert.equal(store.queue('c1').length, 0)
    t.assert.equal(store.queue('c2').length, 0)
  })

  test('a deleted session\'s queue stays deleted after reopen, and a new one starts empty', async (t: TestContext) => {
    const dir = tempDir()
    let store = await opened(dir, { queueWindow: 2 })
    for (let i = 0; i < 10; i++) store.queue('c1').push({ msg: message('q', String(i)), qos: 1, retain: false, subscriptionIds: null })
    await store.flush()
    store.deleteSession('c1')
    store.queue('c1').push({ msg: message('q', 'new'), qos: 1, retain: false, subscriptionIds: null })
    await store.close()
    store = await opened(dir)
    t.after(() => store.close())
    t.assert.deepEqual(drain(store, 'c1'), ['new'])
  })

  test('inflight and inbound QoS 2 records survive reopen, in order; a queue shift and its putInflight are one commit', async (t: TestContext) => {
    const dir = tempDir()
    let store = await opened(dir)
    store.saveSession({ clientId: 'c1', expiryInterval: 60, protocolVersion: 5, disconnectedAt: 0, subscriptions: [] })
    for (let i = 0; i < 3; i++) store.queue('c1').push({ msg: message('q', String(i)), qos: 1, retain: false, subscriptionIds: null })
    await store.flush()
    const before = store.commits
    for (const packetId of [9, 10, 11]) {
      const entry = store.queue('c1').shift()
      t.assert.ok(entry !== undefined)
      store.putInflight('c1', { ...entry, packetId, state: 'publish' })
    }
    store.putIncomingQos2('c1', 3)
    await store.flush()
    t.assert.equal(store.commits, before + 1)
    store.putInflight('c1', { msg: message('q', '0'), qos: 1, retain: false, subscriptionIds: null, packetId: 9, state: 'pubrel' })
    await store.close()
    store = await opened(dir)
    t.after(() => store.close())
    t.assert.equal(store.queue('c1').length, 0)
    const [record] = await collect(store.loadSessions())
    t.assert.deepEqual(record.inflight?.map((r) => [r.packetId, r.state, r.msg.payload.toString()]), [[9, 'pubrel', '0'], [10, 'publish', '1'], [11, 'publish', '2']])
    t.assert.deepEqual(record.incomingQos2, [3])
    store.putInflight('c1', { msg: message('q', '3'), qos: 1, retain: false, subscriptionIds: null, packetId: 12, state: 'publish' })
    store.deleteInflight('c1', 9)
    const [again] = await collect(store.loadSessions())
    t.assert.deepEqual(again.inflight?.map((r) => r.packetId), [10, 11, 12], 'order continues after a reopen')
  })

  test('group commit: the writes of one tick are one commit; a push shifted in the same tick writes nothing', async (t: TestContext) => {
    const store = await opened()
    t.after(() => store.close())
    const before = store.commits
    for (let i = 0; i < 1000; i++) {
      store.setRetained(message(`t/${i}`, 'x'))
      store.queue('c1').push({ msg: message('q', String(i)), qos: 1, retain: false, subscriptionIds: null })
    }
    await store.flush()
    t.assert.equal(store.commits, before + 1)
    const n = store.commits
    store.queue('c2').push({ msg: message('q', 'through'), qos: 1, retain: false, subscriptionIds: null })
    t.assert.equal(store.queue('c2').shift()?.msg.payload.toString(), 'through')
    await store.flush()
    t.assert.equal(store.commits, n, 'nothing left to write')
  })

  test('flush() of nothing resolves before the next turn of the event loop', async (t: TestContext) => {
    const store = await opened()
    t.after(() => store.close())
    let turned = false
    setImmediate(() => { turned = true })
    await store.flush()
    t.assert.equal(turned, false)
  })

  test('a failed commit: flush() rejects with BRK_ERR_STORE_UNAVAILABLE from then on; queues still read back', async (t: TestContext) => {
    const store = await opened(tempDir(), { queueWindow: 1 })
    t.after(() => store.close())
    for (let i = 0; i < 3; i++) store.queue('c1').push({ msg: message('q', String(i)), qos: 1, retain: false, subscriptionIds: null })
    await store.flush()
    // the database goes away under the store (as a disk that fails would make its writes fail)
    await (store as unknown as { db: ClassicLevel<string, Buffer> }).db.close()
    store.queue('c1').push({ msg: message('q', '3'), qos: 1, retain: false, subscriptionIds: null })
    const err = await store.flush().then(() => null, (e: unknown) => e)
    t.assert.ok(err instanceof StoreError && err.code === 'BRK_ERR_STORE_UNAVAILABLE', String(err))
    t.assert.ok(err.message.includes(store.dir))
    store.setRetained(message('t', 'x'))
    await t.assert.rejects(store.flush(), StoreError)
    t.assert.deepEqual(store.queue('c1').shift()?.msg.payload.toString(), '0')
    t.assert.equal(store.queue('c1').length, 3)
  })

  test('kill -9 after flush() resolved loses nothing that was flushed', async (t: TestContext) => {
    const dir = tempDir()
    const storeUrl = new URL('../../src/store/embedded.js', import.meta.url).href
    const N = 2000
    // writes N queue entries and N retained messages over several ticks, awaits flush(), says
    // "flushed", then keeps writing (never flushed on purpose) until it is killed
    const script = `
      const { EmbeddedStore } = await import(${JSON.stringify(storeUrl)})
      const store = new EmbeddedStore(process.argv[1], { queueWindow: 16 })
      await store.open()
      const msg = (topic, i) => ({ topic, payload: Buffer.from(String(i)), qos: 1, retain: false, properties: undefined, expiresAt: 0, origin: 'p', receivedAt: 1 })
      store.saveSession({ clientId: 'c1', expiryInterval: 60, protocolVersion: 5, disconnectedAt: 0, subscriptions: [] })
      for (let i = 0; i < ${N}; i++) {
        store.queue('c1').push({ msg: msg('q', i), qos: 1, retain: false, subscriptionIds: null })
        store.setRetained(msg('r/' + i, i))
        if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve))
      }
      await store.flush()
      process.stdout.write('flushed\\n')
      let i = ${N}
      setInterval(() => { for (let j = 0; j < 50; j++, i++) store.queue('c1').push({ msg: msg('q', i), qos: 1, retain: false, subscriptionIds: null }) }, 1)
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    t.after(() => child.kill('SIGKILL'))
    await new Promise<void>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('flushed\n')) resolve()
      })
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before flushing`)))
    })
    await new Promise((resolve) => setTimeout(resolve, 30)) // let it write more, unflushed
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))

    const store = await opened(dir)
    t.after(() => store.close())
    t.assert.deepEqual((await collect(store.loadSessions())).map((r) => r.clientId), ['c1'])
    t.assert.equal((await collect(store.loadRetained())).length, N)
    const got = drain(store, 'c1').map(Number)
    t.assert.ok(got.length >= N, `${got.length} entries`)
    t.diagnostic(`${got.length - N} entries written after the last flush survived too`)
    // group commits are atomic and in order: what survived is a gap-free prefix of what was pushed
    t.assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => i))
  })

  describe('a damaged write-ahead log: no silent loss', () => {
    for (const damage of ['flipped', 'cut short'] as const) {
      test(`a log with bytes ${damage}: refused, the log kept aside, refused again until the loss is accepted`, async (t: TestContext) => {
        const dataDir = tempDir()
        const first = await opened(dataDir)
        first.saveSession({ clientId: 'c1', expiryInterval: 60, protocolVersion: 5, disconnectedAt: 1, subscriptions: [] })
        for (let round = 0; round < 50; round++) {
          for (let i = 0; i < 100; i++) first.queue('c1').push({ msg: message('q', 'x'.repeat(200) + (round * 100 + i)), qos: 1, retain: false, subscriptionIds: null })
          await first.flush() // acknowledged
        }
        await first.close()
        const log = readdirSync(first.dir).filter((f) => f.endsWith('.log')).sort().at(-1) as string
        const path = join(first.dir, log)
        const size = statSync(path).size
        if (damage === 'flipped') {
          const fd = openSync(path, 'r+')
          writeSync(fd, Buffer.alloc(8, 0xff), 0, 8, Math.floor(size / 2))
          closeSync(fd)
        } else {
          truncateSync(path, Math.floor(size / 2))
        }
        const store = new EmbeddedStore(dataDir)
        await rejectsWith(t, store, 'BRK_ERR_STORE_CORRUPT', 'lost data that had been acknowledged',
          damage === 'flipped' ? 'bytes dropped' : 'cut short', 'store repair --accept-loss', 'backup')
        const kept = readdirSync(store.dir).find((f) => f.startsWith('damaged-'))
        t.assert.ok(kept !== undefined, 'the damaged log is kept aside')
        t.assert.equal(statSync(join(store.dir, kept, log)).size, damage === 'flipped' ? size : Math.floor(size / 2), 'as it was found')
        await rejectsWith(t, store, 'BRK_ERR_STORE_CORRUPT', 'lost data that had been acknowledged', kept) // a restart does not hide it

        await acceptLoss(store.dir)
        const back = await opened(dataDir)
        const left = drain(back, 'c1').length
        t.assert.ok(left > 0 && left < 5000, `${left} of 5000 entries left`)
        await back.close()
        await (await opened(dataDir)).close() // accepted: no alarm at the next open
      })
    }

    test('a crash in the middle of writing is not damage: the unacknowledged tail goes quietly', async (t: TestContext) => {
      const dataDir = tempDir()
      const first = await opened(dataDir)
      first.saveSession({ clientId: 'c1', expiryInterval: 60, protocolVersion: 5, disconnectedAt: 1, subscriptions: [] })
      for (let i = 0; i < 100; i++) first.queue('c1').push({ msg: message('q', String(i)), qos: 1, retain: false, subscriptionIds: null })
      await first.flush()
      await first.close()
      // a partial record at the end of the log, as a process killed while writing leaves it
      const log = readdirSync(first.dir).filter((f) => f.endsWith('.log')).sort().at(-1) as string
      const fd = openSync(join(first.dir, log), 'a')
      writeSync(fd, Buffer.from([0x12, 0x34, 0x56, 0x78, 0xff, 0x00, 0x01]))
      closeSync(fd)
      const back = await opened(dataDir)
      t.after(() => back.close())
      t.assert.equal(drain(back, 'c1').length, 100)
    })
  })

  describe('damage: open() rejects with a named error and changes nothing', () => {
    test('a damaged MANIFEST: BRK_ERR_STORE_CORRUPT; LevelDB\'s repair brings the data back', async (t: TestContext) => {
      const dataDir = tempDir()
      await bigStore(dataDir)
      const store = new EmbeddedStore(dataDir)
      const manifest = readdirSync(store.dir).find((f) => f.startsWith('MANIFEST-')) as string
      const fd = openSync(join(store.dir, manifest), 'r+')
      writeSync(fd, Buffer.alloc(64, 0xAB), 0, 64, 0)
      closeSync(fd)
      const before = snapshot(store.dir)
      await rejectsWith(t, store, 'BRK_ERR_STORE_CORRUPT', 'mqttctl reset --all', 'mqttctl store repair', 'deleted nothing')
      await rejectsWith(t, store, 'BRK_ERR_STORE_CORRUPT') // and again: no crash, no wipe
      t.assert.equal(snapshot(store.dir), before)

      await EmbeddedStore.repair(dataDir)
      await store.open()
      t.after(() => store.close())
      t.assert.equal((await collect(store.loadRetained())).length, 30_000)
      t.assert.equal((await collect(store.loadSessions())).length, 1)
    })

    test('a damaged table file is found at open: BRK_ERR_STORE_CORRUPT', async (t: TestContext) => {
      const dataDir = tempDir()
      await bigStore(dataDir)
      const store = new EmbeddedStore(dataDir)
      // one more open and close with no writes, so that LevelDB has moved its log into a recorded
      // table and left no table file it might still write over at the next open
      await store.open()
      await store.close()
      const tables = readdirSync(store.dir).filter((f) => f.endsWith('.ldb'))
      t.assert.ok(tables.length > 0, 'the store has table files')
      for (const f of tables) {
        const size = statSync(join(store.dir, f)).size
        const fd = openSync(join(store.dir, f), 'r+')
        writeSync(fd, Buffer.alloc(4096, 0x5A), 0, 4096, Math.floor(size / 3))
        closeSync(fd)
      }
      const tablesOnly = (snap: string): string => snap.split('\n').filter((l) => tables.includes(l.split(' ')[0])).join('\n')
      const before = tablesOnly(snapshot(store.dir))
      await rejectsWith(t, store, 'BRK_ERR_STORE_CORRUPT', 'mqttctl reset --all')
      // LevelDB's open moves its log into a new table, as at every open; the damaged tables stay as they were
      t.assert.equal(tablesOnly(snapshot(store.dir)), before)
    })

    test('a missing CURRENT file: BRK_ERR_STORE_CORRUPT instead of a new empty database', async (t: TestContext) => {
      const dataDir = tempDir()
      await bigStore(dataDir)
      const store = new EmbeddedStore(dataDir)
      unlinkSync(join(store.dir, 'CURRENT'))
      const before = snapshot(store.dir)
      await rejectsWith(t, store, 'BRK_ERR_STORE_CORRUPT', 'CURRENT')
      t.assert.equal(snapshot(store.dir), before)
    })

    test('a value that does not decode: BRK_ERR_STORE_CORRUPT naming its key', async (t: TestContext) => {
      const dataDir = tempDir()
      await (await opened(dataDir)).close()
      const db = new ClassicLevel<string, Buffer>(join(dataDir, 'store'), { valueEncoding: 'buffer' })
      await db.put('sbroken', Buffer.from('\x01{not json'))
      await db.close()
      await rejectsWith(t, new EmbeddedStore(dataDir), 'BRK_ERR_STORE_CORRUPT', '"sbroken"')
    })

    test('a store in use by another process or instance: BRK_ERR_STORE_UNAVAILABLE', async (t: TestContext) => {
      const dataDir = tempDir()
      const first = await opened(dataDir)
      t.after(() => first.close())
      await rejectsWith(t, new EmbeddedStore(dataDir), 'BRK_ERR_STORE_UNAVAILABLE', 'locked')
    })

    test('a store written by a newer layout: BRK_ERR_STORE_UNAVAILABLE', async (t: TestContext) => {
      const dataDir = tempDir()
      await (await opened(dataDir)).close()
      const db = new ClassicLevel<string, Buffer>(join(dataDir, 'store'), { valueEncoding: 'buffer' })
      await db.put('mformat', Buffer.from('2'))
      await db.close()
      await rejectsWith(t, new EmbeddedStore(dataDir), 'BRK_ERR_STORE_UNAVAILABLE', 'version 2')
    })
  })
})
