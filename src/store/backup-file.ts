/**
 * The backup file of `mqttctl backup` / `mqttctl restore`: every key and value of the embedded
 * store, as gzip'd NDJSON.
 *
 *   {"format":"mqttd-backup","version":1,"created":"…","node":"n1","store_format":"1"}   header
 *   {"k":"<key>","v":"<value, base64>"}                                                  one per entry
 *   {"end":{"entries":N,"sha256":"<hex>","counts":{…}}}                                  trailer
 *
 * The SHA-256 covers every line before the trailer (bytes and newlines), on top of gzip's CRC, so a
 * cut or altered file is found before anything is written from it (`verifyBackup`). The file is
 * written to a temporary name beside the target, synced, then linked into place (never over an
 * existing file) or, with `force`, renamed over it: a reader never sees half a backup. Mode 0600:
 * it holds password hashes and messages.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { link, open, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import { FORMAT_VERSION } from './keys.js'

export const BACKUP_FORMAT = 'mqttd-backup'
export const BACKUP_VERSION = 1

export interface BackupHeader {
  format: typeof BACKUP_FORMAT
  version: typeof BACKUP_VERSION
  created: string
  node: string
  /** The store's key layout version (keys.ts): a restore needs the same. */
  store_format: string
}

/** What a backup holds, by kind of entry. */
export interface BackupCounts {
  sessions: number
  /** QoS 1/2 messages waiting for a session. */
  queued: number
  /** Outbound QoS 1/2 messages sent and not yet acknowledged, and inbound QoS 2 ids awaiting PUBREL. */
  inflight: number
  retained: number
  wills: number
  accounts: number
  topic_rules: number
  ip_rules: number
  /** Saved with `config set --persist`. */
  settings: number
}

export interface BackupSummary {
  path: string
  created: string
  node: string
  entries: number
  bytes: number
  sha256: string
  counts: BackupCounts
}

/** A backup file that cannot be used: not one, another version, cut short or altered. */
export class BackupFileError extends Error {
  override readonly name = 'BackupFileError'
}

/** A backup refused because `path` exists and `force` was not given. */
export class BackupExistsError extends Error {
  override readonly name = 'BackupExistsError'
}

/** Writes `entries` (key order) as a backup file at `path`. */
export async function writeBackup (path: string, entries: AsyncIterable<[string, Buffer]>, node: string, force: boolean, now = new Date()): Promise<BackupSummary> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  const file = await open(tmp, 'wx', 0o600)
  const counts = emptyCounts()
  const hash = createHash('sha256')
  let n = 0
  try {
    const gzip = createGzip()
    const written = pipeline(gzip, file.createWriteStream()) // closes the file when done
    const put = async (line: string, hashed = true): Promise<void> => {
      if (hashed) hash.update(line)
      if (!gzip.write(line)) await Promise.race([once(gzip, 'drain'), written])
    }
    const header: BackupHeader = { format: BACKUP_FORMAT, version: BACKUP_VERSION, created: now.toISOString(), node, store_format: FORMAT_VERSION }
    await put(JSON.stringify(header) + '\n')
    for await (const [k, v] of entries) {
      count(counts, k)
      n++
      await put(JSON.stringify({ k, v: v.toString('base64') }) + '\n')
    }
    const sha256 = hash.digest('hex')
    gzip.end(JSON.stringify({ end: { entries: n, sha256, counts } }) + '\n')
    await written
    await syncPath(tmp)
    const { size } = await stat(tmp)
    if (force) await rename(tmp, path)
    else {
      await link(tmp, path).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'EEXIST' ? new BackupExistsError(`${path} exists (--force replaces it)`) : err
      })
      await unlink(tmp)
    }
    await syncPath(dirname(path))
    return { path, created: header.created, node, entries: n, bytes: size, sha256, counts }
  } catch (err) {
    await file.close().catch(() => {})
    await unlink(tmp).catch(() => {})
    throw err
  }
}

/**
 * Reads a backup file through, checking its header, every line and the trailer's count and
 * checksum; `onEntry` gets each entry as it goes (a restore writes them). Throws BackupFileError.
 */
export async function readBackup (path: string, onEntry?: (key: string, value: Buffer) => void | Promise<void>): Promise<{ header: BackupHeader; summary: BackupSummary }> {
  const source = createReadStream(path)
  const gunzip = createGunzip()
  source.pipe(gunzip)
  const failure = new Promise<never>((_resolve, reject) => {
    const fail = (err: Error): void => { reject(new BackupFileError(`${path}: ${err.message}`)) }
    source.once('error', fail)
    gunzip.once('error', (err) => { fail(new Error(`not a readable gzip file (${err.message})`)) })
  })
  failure.catch(() => {})
  const hash = createHash('sha256')
  let header: BackupHeader | null = null
  let end: { entries: number; sha256: string; counts: BackupCounts } | null = null
  let n = 0
  const bad = (why: string): BackupFileError => new BackupFileError(`${path}: ${why}`)
  const lines = createInterface({ input: gunzip, crlfDelay: Infinity })
  const read = (async () => {
    for await (const line of lines) {
      if (end !== null) throw bad('it goes on after its end')
      let obj: Record<string, unknown>
      try {
        obj = JSON.parse(line) as Record<string, unknown>
      } catch {
        throw bad(`line ${n + 2} is not JSON`)
      }
      if (header === null) {
        if (obj.format !== BACKUP_FORMAT) throw bad(`not an ${BACKUP_FORMAT} file`)
        if (obj.version !== BACKUP_VERSION) throw bad(`backup version ${String(obj.version)}; this mqttctl reads version ${BACKUP_VERSION}`)
        if (obj.store_format !== FORMAT_VERSION) throw bad(`store layout version ${String(obj.store_format)}; this version of the broker reads version ${FORMAT_VERSION}`)
        header = obj as unknown as BackupHeader
        hash.update(line + '\n')
        continue
      }
      if ('end' in obj) {
        end = obj.end as typeof end
        continue
      }
      if (typeof obj.k !== 'string' || typeof obj.v !== 'string') throw bad(`line ${n + 2} is not an entry`)
      hash.update(line + '\n')
      n++
      if (onEntry !== undefined) await onEntry(obj.k, Buffer.from(obj.v, 'base64'))
    }
  })()
  try {
    await Promise.race([read, failure])
  } finally {
    lines.close()
    source.destroy()
  }
  if (header === null) throw bad('it is empty')
  if (end === null) throw bad('it is cut short (no end line)')
  const { entries, sha256, counts } = end as { entries: number; sha256: string; counts: BackupCounts }
  if (entries !== n) throw bad(`it holds ${n} entries, its end line says ${entries}`)
  if (hash.digest('hex') !== sha256) throw bad('its checksum does not match: the file was altered')
  const { created, node } = header as BackupHeader
  const { size } = await stat(path)
  return { header, summary: { path, created, node, entries, bytes: size, sha256, counts } }
}

function emptyCounts (): BackupCounts {
  return { sessions: 0, queued: 0, inflight: 0, retained: 0, wills: 0, accounts: 0, topic_rules: 0, ip_rules: 0, settings: 0 }
}

/** Counts an entry by its key's kind (keys.ts). */
function count (c: BackupCounts, key: string): void {
  switch (key[0]) {
    case 's': c.sessions++; break
    case 'q': c.queued++; break
    case 'i': case 'p': c.inflight++; break
    case 'r': c.retained++; break
    case 'w': c.wills++; break
    case 'a': {
      const kind = key.slice(1, key.indexOf(':'))
      if (kind === 'account') c.accounts++
      else if (kind === 'topic_rule') c.topic_rules++
      else if (kind === 'ip_rule') c.ip_rules++
      else if (kind === 'setting') c.settings++
      break
    }
  }
}

/** fsync of a file or directory (a directory: so that a rename or link in it is durable). */
async function syncPath (path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
