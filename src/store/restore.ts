/**
 * Restoring a backup file (backup-file.ts) into the data dir of a stopped broker, or a new one.
 *
 * 1. The whole file is read and checked (header, every line, count and checksum) before anything
 *    is written: a damaged file changes nothing.
 * 2. A data dir that already has a store is refused unless `force`; with `force`, the store's lock
 *    is taken first (a broker or mqttctl holding it: StoreError locked).
 * 3. The entries go into a new database beside the store (`store.restoring-<pid>`), which then
 *    takes the store's place; the new store is opened once as the broker would (every value
 *    decoded, queues indexed). If that fails, the old store is put back. The old store is deleted
 *    only once the new one opened.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { type BackupSummary, readBackup } from './backup-file.js'
import { EmbeddedStore } from './embedded.js'
import { StoreError } from './errors.js'

/** Entries written per LevelDB batch. */
const BATCH = 1000

/** A restore refused because the data dir has a store and `force` was not given. */
export class StoreExistsError extends Error {
  override readonly name = 'StoreExistsError'
}

export async function restoreBackup (dataDir: string, file: string, force: boolean): Promise<BackupSummary & { replaced: boolean }> {
  const { summary } = await readBackup(file)
  const storeDir = join(dataDir, 'store')
  const existing = await readdir(storeDir).then((names) => names.length > 0, () => false)
  if (existing && !force) throw new StoreExistsError(`${dataDir} already has a store (--force replaces it)`)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })

  const fresh = join(dataDir, `store.restoring-${process.pid}`)
  await rm(fresh, { recursive: true, force: true })
  try {
    await writeEntries(fresh, file)
  } catch (err) {
    await rm(fresh, { recursive: true, force: true })
    throw err
  }

  const aside = join(dataDir, `store.replaced-${process.pid}`)
  if (existing) {
    await refuseLocked(storeDir)
    await rename(storeDir, aside)
  }
  await rename(fresh, storeDir)
  const store = new EmbeddedStore(dataDir)
  try {
    await store.open()
    await store.close()
  } catch (err) {
    await rm(storeDir, { recursive: true, force: true })
    if (existing) await rename(aside, storeDir)
    throw err
  }
  if (existing) await rm(aside, { recursive: true, force: true })
  return { ...summary, replaced: existing }
}

async function writeEntries (dir: string, file: string): Promise<void> {
  const db = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' })
  await db.open({ createIfMissing: true, errorIfExists: true })
  try {
    let ops: Array<{ type: 'put'; key: string; value: Buffer }> = []
    await readBackup(file, async (key, value) => {
      ops.push({ type: 'put', key, value })
      if (ops.length < BATCH) return
      await db.batch(ops)
      ops = []
    })
    await db.batch(ops, { sync: true })
  } finally {
    await db.close()
  }
}

/** Takes and releases the lock of the store in `dir`: throws StoreError locked while another process holds it. */
async function refuseLocked (dir: string): Promise<void> {
  const db = new ClassicLevel(dir, { createIfMissing: false })
  try {
    await db.open()
  } catch (err) {
    const codes: unknown[] = []
    for (let e: unknown = err; e instanceof Error; e = e.cause) codes.push((e as { code?: unknown }).code)
    if (codes.includes('LEVEL_LOCKED')) throw StoreError.locked(dir, 'it is locked by another process (a broker running on this data_dir, or mqttctl changing it)', err)
    return // a damaged store is what --force replaces
  }
  await db.close()
}
