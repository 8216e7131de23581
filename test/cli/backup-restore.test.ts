/**
 * `mqttctl backup` and `mqttctl restore` end to end: a daemon with accounts, a persistent session
 * with queued QoS 1 messages and retained messages is backed up while a client keeps publishing;
 * the file is restored into a new data dir, a broker started there, and the account logs in, the
 * session resumes (session present) with its queue — a gap-free prefix of what was published —
 * and the retained messages are there. Refusals: an existing file, a store already there, a
 * running broker, a damaged file (nothing written).
 */
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import type { Methods } from '../../src/control/schema.js'
import { mqttctl as cli, mqttctlJson as cliJson } from '../helpers/mqttctl.js'
import { startDaemon, testDir, until, type TestDir } from './harness.js'

type BackupJson = Methods['store.backup']['result']

async function startLocked (dir: TestDir): Promise<number> {
  const config = join(dir.root, 'broker.yaml')
  await writeFile(config, 'allow_anonymous: false\n')
  return (await startDaemon(dir, ['--config', config])).listeners[0].port
}

async function connect (t: TestContext, port: number, opts: IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 5, ...opts }, false)
  t.after(() => client.endAsync(true))
  return client
}

const ALICE = { clientId: 'alice-sub', username: 'alice', password: 'alice-pass', clean: false, properties: { sessionExpiryInterval: 3600 } }

test('backup while publishing, restore into a new data dir: login, session present with its queue, retained', async (t: TestContext) => {
  const a = await testDir(t)
  const port = await startLocked(a)
  for (const [user, pw] of [['alice', 'alice-pass'], ['bob', 'bob-pass']]) {
    t.assert.equal((await cli(['account', 'set', user, '--password-stdin', '--data-dir', a.dataDir], { stdin: pw })).code, 0)
  }
  const alice = await connect(t, port, ALICE)
  await alice.subscribeAsync('q/#', { qos: 1 })
  await alice.endAsync()

  const bob = await connect(t, port, { clientId: 'bob-pub', username: 'bob', password: 'bob-pass' })
  for (let i = 1; i <= 5; i++) await bob.publishAsync('q/pre', `pre-${i}`, { qos: 1 })
  await bob.publishAsync('r/1', 'one', { qos: 1, retain: true })
  await bob.publishAsync('r/2', 'two', { qos: 1, retain: true })

  // a publisher that keeps going while the backup runs
  let published = 0
  let stop = false
  const publishing = (async () => {
    while (!stop && published < 5000) await bob.publishAsync('q/live', `live-${++published}`, { qos: 1 })
  })()
  await until('the publisher to be under way', () => published >= 20)
  const file = join(a.root, 'backup.ndjson.gz')
  const backup = await cliJson<BackupJson>(['backup', file, '--data-dir', a.dataDir])
  stop = true
  await publishing
  t.assert.equal(backup.code, 0, backup.stderr)
  t.assert.equal(backup.json.live, true)
  const { counts } = backup.json
  t.assert.deepEqual([counts.sessions, counts.accounts, counts.retained], [1, 2, 2])
  t.assert.ok(counts.queued >= 25 && counts.queued <= 5 + published, `queued ${counts.queued} of ${5 + published}`)
  t.assert.equal((await stat(file)).mode & 0o777, 0o600)
  t.assert.equal((await readFile(file))[0], 0x1f) // gzip

  const again = await cli(['backup', file, '--data-dir', a.dataDir])
  t.assert.deepEqual([again.code, /exists \(--force replaces it\)/.test(again.stderr)], [65, true], again.stderr)
  const running = await cli(['restore', file, '--data-dir', a.dataDir])
  t.assert.deepEqual([running.code, /a broker is running/.test(running.stderr)], [69, true], running.stderr)

  // a damaged copy writes nothing
  const c = await testDir(t)
  const bytes = await readFile(file)
  bytes[bytes.length - 12] ^= 0xff
  const damagedFile = join(c.root, 'damaged.gz')
  await writeFile(damagedFile, bytes)
  const damaged = await cli(['restore', damagedFile, '--data-dir', c.dataDir])
  t.assert.deepEqual([damaged.code, /the backup cannot be used, nothing was written/.test(damaged.stderr)], [65, true], damaged.stderr)
  t.assert.equal(await stat(join(c.dataDir, 'store')).then(() => true, () => false), false)

  const b = await testDir(t)
  const restored = await cliJson<Methods['store.backup']['result'] & { replaced: boolean }>(['restore', file, '--data-dir', b.dataDir])
  t.assert.equal(restored.code, 0, restored.stderr)
  t.assert.deepEqual([restored.json.entries, restored.json.counts, restored.json.replaced], [backup.json.entries, counts, false])
  const twice = await cli(['restore', file, '--data-dir', b.dataDir])
  t.assert.deepEqual([twice.code, /already has a store \(--force replaces it\)/.test(twice.stderr)], [65, true], twice.stderr)
  t.assert.equal((await cli(['restore', file, '--force', '--data-dir', b.dataDir])).code, 0)
  // offline backup of the restored dir: the same entries
  const offline = await cliJson<BackupJson>(['backup', join(b.root, 'again.gz'), '--data-dir', b.dataDir])
  t.assert.deepEqual([offline.code, offline.json.live, offline.json.entries, offline.json.counts], [0, false, backup.json.entries, counts], offline.stderr)

  const portB = await startLocked(b)
  const got: string[] = []
  const resumed = mqtt.connect(`mqtt://127.0.0.1:${portB}`, { reconnectPeriod: 0, protocolVersion: 5, ...ALICE })
  t.after(() => resumed.endAsync(true))
  resumed.on('message', (_topic, payload) => { got.push(payload.toString()) })
  const [connack] = await new Promise<[mqtt.IConnackPacket]>((resolve, reject) => {
    resumed.once('connect', (p) => { resolve([p]) })
    resumed.once('error', reject)
  })
  t.assert.equal(connack.sessionPresent, true)
  await until(`${counts.queued} queued messages`, () => got.length >= counts.queued)
  const live = Array.from({ length: counts.queued - 5 }, (_, i) => `live-${i + 1}`)
  t.assert.deepEqual(got, ['pre-1', 'pre-2', 'pre-3', 'pre-4', 'pre-5', ...live])

  const reader = await connect(t, portB, { clientId: 'bob-read', username: 'bob', password: 'bob-pass' })
  const retained: string[] = []
  reader.on('message', (topic, payload, packet) => { if (packet.retain) retained.push(`${topic}=${payload.toString()}`) })
  await reader.subscribeAsync('r/#', { qos: 1 })
  await until('2 retained messages', () => retained.length >= 2)
  t.assert.deepEqual(retained.sort(), ['r/1=one', 'r/2=two'])
  await t.assert.rejects(connect(t, portB, { clientId: 'x', username: 'alice', password: 'wrong' }), (err: { code?: number }) => err.code === 0x86)
})
