// Embedded store candidates side by side: LevelDB (classic-level) and LMDB (lmdb).
//
//   node bench/store/bench.mjs [--quick] [--dir DIR]
//
// Needs both packages, resolved from this file or from the current directory: the project depends on
// classic-level; for lmdb, `npm install --no-save lmdb@3`, or run it from a scratch directory where
// both are installed. Everything runs in this process (JS on the main thread, LevelDB on libuv's
// pool and its compaction thread, LMDB on its writer thread) on the machine's disk under --dir.
// Measures (a) durable write throughput, batches of N 200-byte records, each commit durable before
// the next starts; (b) random read latency over 100k keys; (c) RSS after loading 1M records (in a
// child process per backend); (d) what each does with a truncated or overwritten file (in a child
// process per case, since a crash is a possible outcome). Prints Markdown tables.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, openSync, writeSync, closeSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir, cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SELF = fileURLToPath(import.meta.url)
const argv = process.argv.slice(2)
const QUICK = argv.includes('--quick')
const BASE = argv.includes('--dir') ? argv[argv.indexOf('--dir') + 1] : tmpdir()
// 200-byte values cut at random offsets of a random pool: as incompressible as real payloads
const POOL = randomBytes(1 << 20)
const value = () => { const at = Math.floor(Math.random() * (POOL.length - 200)); return POOL.subarray(at, at + 200) }

function load (name, what = (req, n) => req(n)) {
  for (const from of [import.meta.url, join(process.cwd(), 'noop.js')]) {
    try { return what(createRequire(from), name) } catch {}
  }
  console.error(`cannot load ${name}: npm install --no-save ${name}`)
  process.exit(2)
}

const key = (i) => { const k = Buffer.alloc(10); k.write('q:', 0); k.writeBigUInt64BE(BigInt(i), 2); return k }
const tmp = (tag) => mkdtempSync(join(BASE, `store-bench-${tag}-`))
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
const us = (ns) => (Number(ns) / 1000).toFixed(1)
const mb = (b) => (b / 1048576).toFixed(0)
const duSize = (dir) => readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0)

// One adapter per candidate: open, a durable commit of a batch of puts, sync and async get, close.
const backends = {
  'classic-level, chained batch write({sync:true})': (dir) => levelAdapter(dir, true),
  'classic-level, array batch(ops, {sync:true})': (dir) => levelAdapter(dir, false),
  'lmdb, default (overlappingSync) + await db.flushed': (dir) => lmdbAdapter(dir, {}),
  'lmdb, overlappingSync:false': (dir) => lmdbAdapter(dir, { overlappingSync: false }),
}
const [LEVEL, , LMDB] = Object.keys(backends)

function levelAdapter (dir, chained) {
  const { ClassicLevel } = load('classic-level')
  const db = new ClassicLevel(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  return {
    db,
    open: () => db.open(),
    commit: (ops, durable = true) => {
      if (!chained) return db.batch(ops.map(([k, v]) => ({ type: 'put', key: k, value: v })), { sync: durable })
      const b = db.batch()
      for (const [k, v] of ops) b.put(k, v)
      return b.write({ sync: durable })
    },
    get: (k) => db.get(k),
    getSync: (k) => db.getSync(k),
    count: async () => { let n = 0; for await (const _ of db.keys()) n++; return n },
    close: () => db.close(),
  }
}

function lmdbAdapter (dir, extra) {
  const { open } = load('lmdb')
  let db
  return {
    get db () { return db },
    open: async () => { db = open({ path: dir, keyEncoding: 'binary', encoding: 'binary', ...extra }) },
    // puts of one event turn go into one transaction; `flushed` resolves once it is synced to disk
    commit: async (ops, durable = true) => { for (const [k, v] of ops) db.put(k, v); await (durable ? db.flushed : db.committed) },
    get: async (k) => db.getBinary(k),
    getSync: (k) => db.getBinary(k),
    count: async () => { let n = 0; for (const _ of db.getKeys()) n++; return n },
    close: () => db.close(),
  }
}

// (a) durable write throughput: commits run one after another, each awaited.
async function writes (name) {
  const rows = []
  for (const n of [1, 10, 100, 1000]) {
    const dir = tmp('w')
    const b = backends[name](dir)
    await b.open()
    let i = 0
    const batch = () => Array.from({ length: n }, () => [key(i++), value()])
    for (let w = 0; w < 5; w++) await b.commit(batch())
    const budgetMs = QUICK ? 700 : 3000
    const lat = []
    const t0 = performance.now()
    while (performance.now() - t0 < budgetMs) {
      const ops = batch()
      const s = process.hrtime.bigint()
      await b.commit(ops)
      lat.push(process.hrtime.bigint() - s)
    }
    const secs = (performance.now() - t0) / 1000
    lat.sort((x, y) => (x < y ? -1 : 1))
    rows.push({ n, commitsPerS: lat.length / secs, recPerS: (lat.length * n) / secs, p50: pct(lat, 0.5), p99: pct(lat, 0.99) })
    await b.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return rows
}

// (b) random reads over 100k keys (the page cache is warm: the data was just written).
async function reads (name) {
  const dir = tmp('r')
  const b = backends[name](dir)
  await b.open()
  const total = 100_000
  for (let i = 0; i < total; i += 10_000) await b.commit(Array.from({ length: 10_000 }, (_, j) => [key(i + j), value()]), false)
  await b.commit([[key(total), value()]])
  await b.close()
  const r = backends[name](dir)
  await r.open()
  const out = {}
  for (const mode of ['getSync', 'get']) {
    const lat = []
    for (let j = 0; j < total; j++) {
      const k = key(Math.floor(Math.random() * total))
      const s = process.hrtime.bigint()
      const v = mode === 'get' ? await r.get(k) : r.getSync(k)
      lat.push(process.hrtime.bigint() - s)
      if (v === undefined || v.length !== 200) throw new Error(`${name}: bad read`)
    }
    lat.sort((x, y) => (x < y ? -1 : 1))
    out[mode] = { p50: pct(lat, 0.5), p99: pct(lat, 0.99) }
  }
  await r.close()
  rmSync(dir, { recursive: true, force: true })
  return out
}

// (c) child: load 1M records, report RSS (after a GC) before, after loading, after reading all back.
async function rssChild (name) {
  const dir = tmp('m')
  const b = backends[name](dir)
  await b.open()
  // RSS = anonymous (heap, caches) + file-backed (both engines mmap their files: page cache)
  const rss = () => {
    globalThis.gc?.()
    const status = readFileSync('/proc/self/status', 'utf8')
    const kb = (f) => Number(new RegExp(`${f}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) * 1024
    return { rss: process.memoryUsage().rss, anon: kb('RssAnon'), file: kb('RssFile') }
  }
  const before = rss()
  const total = QUICK ? 200_000 : 1_000_000
  for (let i = 0; i < total; i += 10_000) await b.commit(Array.from({ length: 10_000 }, (_, j) => [key(i + j), value()]), i + 10_000 >= total)
  const loaded = rss()
  const n = await b.count()
  const scanned = rss()
  const disk = duSize(dir)
  await b.close()
  rmSync(dir, { recursive: true, force: true })
  process.stdout.write(JSON.stringify({ before, loaded, scanned, n, disk }))
}

// (d) damage: build a store, close it, damage one file, then (in a child) open it and read it all.
const damages = {
  level: {
    'truncate newest .ldb to half': (dir) => { const f = newest(dir, '.ldb'); truncateSync(f, Math.floor(statSync(f).size / 2)) },
    'overwrite 4 KiB in the middle of a .ldb': (dir) => scribble(newest(dir, '.ldb')),
    'truncate the .log (torn tail)': (dir) => { const f = newest(dir, '.log', /^\d+\.log$/); truncateSync(f, Math.floor(statSync(f).size * 0.7)) },
    'overwrite MANIFEST': (dir) => scribble(newest(dir, '', /^MANIFEST-/), 0),
  },
  lmdb: {
    'truncate data.mdb to half': (dir) => { const f = join(dir, 'data.mdb'); truncateSync(f, Math.floor(statSync(f).size / 2)) },
    'overwrite 4 KiB in the middle of data.mdb': (dir) => scribble(join(dir, 'data.mdb')),
    'overwrite both meta pages (first 8 KiB)': (dir) => { scribble(join(dir, 'data.mdb'), 0); scribble(join(dir, 'data.mdb'), 4096) },
  },
}
function newest (dir, ext, re) {
  const files = readdirSync(dir).filter((f) => (re ? re.test(f) : f.endsWith(ext))).map((f) => join(dir, f))
  if (files.length === 0) throw new Error(`no ${ext || re} file in ${dir}: ${readdirSync(dir)}`)
  return files.sort((x, y) => statSync(y).size - statSync(x).size)[0]
}
function scribble (file, at) {
  const pos = at ?? Math.floor(statSync(file).size / 2 / 4096) * 4096
  const fd = openSync(file, 'r+'); writeSync(fd, randomBytes(4096), 0, 4096, pos); closeSync(fd)
}
async function build (name, dir, level) {
  const b = backends[name](dir)
  await b.open()
  // 30k records: LevelDB flushes part of them to .ldb tables and keeps the rest in its .log
  for (let i = 0; i < 30_000; i += 1000) await b.commit(Array.from({ length: 1000 }, (_, j) => [key(i + j), randomBytes(200)]), true)
  if (level) { await b.db.compactRange(key(0), key(20_000)); await b.commit(Array.from({ length: 1000 }, (_, j) => [key(30_000 + j), value()])) }
  await b.close()
}
async function damageChild (name, dir) {
  const result = {}
  try {
    const b = backends[name](dir)
    await b.open()
    result.count = await b.count()
    let bad = 0
    for (let i = 0; i < 31_000; i += 7) { const v = await b.get(key(i)); if (v === undefined || v.length !== 200) bad++ }
    result.badReads = bad
    await b.close()
  } catch (err) {
    result.error = `${err.code ?? err.name}: ${String(err.message).split('\n')[0].slice(0, 120)}`
    if (err.cause) result.error += ` (cause: ${err.cause.code ?? ''} ${String(err.cause.message).slice(0, 100)})`
  }
  process.stdout.write(JSON.stringify(result))
}
async function damage () {
  const rows = []
  for (const [family, cases] of Object.entries(damages)) {
    const name = family === 'level' ? LEVEL : LMDB
    for (const [what, apply] of Object.entries(cases)) {
      const dir = tmp('d')
      await build(name, dir, family === 'level')
      apply(dir)
      const first = child(['--damage', name, dir])
      let repaired = ''
      if (family === 'level' && first.error) {
        await load('classic-level').ClassicLevel.repair(dir)
        const after = child(['--damage', name, dir])
        repaired = after.error ? `still fails: ${after.error}` : `repair() → opens, ${after.count}/31000 keys, ${after.badReads} bad reads`
      }
      rows.push({ family, what, first, repaired })
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return rows
}

function child (args) {
  const r = spawnSync(process.execPath, ['--expose-gc', SELF, ...args, ...(QUICK ? ['--quick'] : []), '--dir', BASE], { encoding: 'utf8', cwd: process.cwd() })
  if (r.signal || r.status !== 0) return { error: `child died: ${r.signal ?? `exit ${r.status}`} ${r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 160)}` }
  try { return JSON.parse(r.stdout) } catch { return { error: `bad child output: ${r.stdout.slice(0, 100)}` } }
}

async function main () {
  if (argv[0] === '--rss') return rssChild(argv[1])
  if (argv[0] === '--damage') return damageChild(argv[1], argv[2])
  const version = (req, n) => { const main = req.resolve(n); return JSON.parse(readFileSync(main.slice(0, main.lastIndexOf(`/${n}/`) + n.length + 2) + 'package.json', 'utf8')).version }
  const versions = ['classic-level', 'lmdb'].map((p) => `${p} ${load(p, version)}`).join(', ')
  console.log(`# store bench: node ${process.version}, ${cpus().length} × ${cpus()[0].model}, ${versions}, dir ${BASE}, loadavg ${loadavg().map((l) => l.toFixed(2)).join(' ')}${QUICK ? ' (quick)' : ''}\n`)
  console.log('## (a) durable commits, one after another (200-byte values)\n')
  console.log('| backend | N/commit | commits/s | records/s | commit p50 µs | commit p99 µs |\n|---|---:|---:|---:|---:|---:|')
  for (const name of Object.keys(backends)) {
    for (const r of await writes(name)) console.log(`| ${name} | ${r.n} | ${r.commitsPerS.toFixed(0)} | ${r.recPerS.toFixed(0)} | ${us(r.p50)} | ${us(r.p99)} |`)
  }
  console.log('\n## (b) random reads, 100k keys, 100k gets\n')
  console.log('| backend | sync get p50 µs | p99 µs | async get p50 µs | p99 µs |\n|---|---:|---:|---:|---:|')
  for (const name of [LEVEL, LMDB]) {
    const r = await reads(name)
    console.log(`| ${name.split(',')[0]} | ${us(r.getSync.p50)} | ${us(r.getSync.p99)} | ${us(r.get.p50)} | ${us(r.get.p99)} |`)
  }
  console.log(`\n## (c) RSS, ${QUICK ? '200k' : '1M'} records of 200 bytes (child process, after gc)\n`)
  console.log('| backend | RSS MB (anon + file), empty | after load | after a full scan | on disk MB |\n|---|---:|---:|---:|---:|')
  for (const name of [LEVEL, LMDB]) {
    const r = child(['--rss', name])
    if (r.error) console.log(`| ${name.split(',')[0]} | ${r.error} ||||`)
    else console.log(`| ${name.split(',')[0]} | ${[r.before, r.loaded, r.scanned].map((m) => `${mb(m.rss)} (${mb(m.anon)} + ${mb(m.file)})`).join(' | ')} | ${mb(r.disk)} |`)
  }
  console.log('\n## (d) damaged files (store of 31k records, closed, one file damaged, then open + read all)\n')
  console.log('| backend | damage | open + read | after repair |\n|---|---|---|---|')
  for (const r of await damage()) {
    const first = r.first.error ?? `opens, ${r.first.count}/31000 keys listed, ${r.first.badReads} bad of 4429 reads`
    console.log(`| ${r.family} | ${r.what} | ${first.replaceAll('|', '/')} | ${(r.repaired || '—').replaceAll('|', '/')} |`)
  }
}

await main()
