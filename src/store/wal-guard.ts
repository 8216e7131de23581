/**
 * WalGuard: no silent loss from a damaged write-ahead log of the embedded store.
 *
 * LevelDB replays its `*.log` files when it opens. With the checks the binding leaves on, a damaged
 * record is dropped ("(ignoring error) …: dropping N bytes" in the store's `LOG`) and the log file is
 * deleted once replayed; a log cut short is read up to the cut without a word. Either way
 * acknowledged messages would be gone and the broker would start as if nothing happened. Three
 * things make that visible:
 *
 * 1. Before the database opens, every `*.log` is hard-linked into `held/` (a copy where links are
 *    not possible), so the damaged file still exists after LevelDB has replayed and deleted it.
 * 2. Every group commit carries its number (key `mcommit`), and once a commit is durable the number
 *    is written to `COMMITTED` next to the database (no fsync: it is never ahead of the database,
 *    so a crash can only make it lag and never raise a false alarm). A database that opens with an
 *    older number than `COMMITTED` has lost acknowledged commits: a log cut short.
 * 3. After opening, this open's `LOG` is read for dropped bytes.
 *
 * On damage the held logs move to `damaged-<time>/`, a `DAMAGED` file records what happened, and
 * opening fails until an operator decides (`mqttctl store repair --accept-loss`, or a restore from a
 * backup); every later start refuses too, so a restart does not hide the loss.
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { copyFile, link, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** The store metadata key holding the number of the last group commit. */
export const COMMIT_KEY = 'mcommit'
const COMMITTED_FILE = 'COMMITTED'
const MARKER_FILE = 'DAMAGED'
const HELD_DIR = 'held'
const LOG_FILE = /^\d+\.log$/
const DROPPED = /dropping (\d+) bytes; (.*)$/

/** What the DAMAGED file records. */
export interface DamageRecord {
  /** When it was found (ISO 8601). */
  found_at: string
  /** What was lost, in words. */
  detail: string
  /** Where the damaged log files were kept (absolute path), or null when there were none. */
  kept_in: string | null
}

/** The commit number as stored (8 bytes, big-endian). */
export function encodeCommitNumber (n: number): Buffer {
  const buf = Buffer.alloc(8)
  buf.writeBigUInt64BE(BigInt(n))
  return buf
}

export function decodeCommitNumber (buf: Buffer | undefined): number {
  return buf === undefined || buf.length !== 8 ? 0 : Number(buf.readBigUInt64BE())
}

/** The damage recorded by an earlier open, or null. */
export async function readDamage (storeDir: string): Promise<DamageRecord | null> {
  try {
    return JSON.parse(await readFile(join(storeDir, MARKER_FILE), 'utf8')) as DamageRecord
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    return { found_at: 'unknown', detail: `its ${MARKER_FILE} file cannot be read (${(err as Error).message})`, kept_in: null }
  }
}

/** The operator accepted the loss: forget the damage and restart the commit check from the database. */
export async function acceptLoss (storeDir: string): Promise<void> {
  await rm(join(storeDir, MARKER_FILE), { force: true })
  await rm(join(storeDir, COMMITTED_FILE), { force: true })
}

/**
 * After LevelDB's RepairDB: the commit check restarts from the database. RepairDB rebuilds the
 * database from its table and log files and may bring back an older version of a key it finds in
 * several of them (the commit number is rewritten by every commit), so `COMMITTED` would raise a
 * false alarm. A loss in the logs is checked before the repair runs (store repair opens the store
 * first), so nothing is hidden by this.
 */
export async function forgetCommitted (storeDir: string): Promise<void> {
  await rm(join(storeDir, COMMITTED_FILE), { force: true })
}

/** The commit number in `COMMITTED`, or null when there is none yet (a new or older store). */
export async function readCommitted (storeDir: string): Promise<number | null> {
  try {
    return decodeCommitNumber(await readFile(join(storeDir, COMMITTED_FILE)))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** Links (or copies) every write-ahead log into `held/`, before the database opens. */
export async function holdLogs (storeDir: string): Promise<void> {
  const held = join(storeDir, HELD_DIR)
  await rm(held, { recursive: true, force: true })
  let names: string[]
  try {
    names = (await readdir(storeDir)).filter((n) => LOG_FILE.test(n))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  if (names.length === 0) return
  await mkdir(held)
  for (const name of names) {
    await link(join(storeDir, name), join(held, name)).catch(() => copyFile(join(storeDir, name), join(held, name)))
  }
}

/** The open went well: the held logs are not needed. */
export async function releaseLogs (storeDir: string): Promise<void> {
  await rm(join(storeDir, HELD_DIR), { recursive: true, force: true })
}

/** What this open's LevelDB `LOG` says it dropped while replaying the logs, in words; [] when nothing. */
export async function droppedOnReplay (storeDir: string): Promise<string[]> {
  let text: string
  try {
    text = await readFile(join(storeDir, 'LOG'), 'utf8')
  } catch {
    return []
  }
  const out: string[] = []
  for (const line of text.split('\n')) {
    const m = DROPPED.exec(line)
    if (m !== null) out.push(`${m[1]} bytes dropped (${m[2]})`)
  }
  return out
}

/** Moves the held logs aside and writes the DAMAGED record; returns it. */
export async function recordDamage (storeDir: string, detail: string, now = new Date()): Promise<DamageRecord> {
  const held = join(storeDir, HELD_DIR)
  const kept = join(storeDir, `damaged-${now.toISOString().replace(/[:.]/g, '-')}`)
  const keptIn = await rename(held, kept).then(() => kept, () => null)
  const record: DamageRecord = { found_at: now.toISOString(), detail, kept_in: keptIn }
  await writeFile(join(storeDir, MARKER_FILE), JSON.stringify(record, null, 2) + '\n')
  return record
}

/** Keeps `COMMITTED` up to date after each durable commit: one small write at offset 0, no fsync. */
export class CommitJournal {
  private fd: number

  constructor (storeDir: string) {
    this.fd = openSync(join(storeDir, COMMITTED_FILE), 'w', 0o600)
  }

  record (n: number): void {
    if (this.fd >= 0) writeSync(this.fd, encodeCommitNumber(n), 0, 8, 0)
  }

  close (): void {
    if (this.fd >= 0) closeSync(this.fd)
    this.fd = -1
  }
}
