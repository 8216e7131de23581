/**
 * The daemon's pid file, `<data_dir>/mqttctl.pid`: one decimal line.
 *
 * - `claimPidFile` is atomic: the pid is written to a private temporary file, then hard-linked to
 *   the real name, which fails if a pid file exists. An existing file that `isStale` judges dead
 *   (its process gone, a zombie, or a reused pid that is not our daemon) is replaced with one
 *   `rename`, so a file left by a crash never prevents the next start; one held by a live daemon is
 *   refused with `PidFileHeldError`. Readers never see a partly written file.
 * - `releasePidFile` removes the file only while it still names us (synchronous, so exit paths can
 *   call it), so a daemon never deletes a successor's file.
 * - `readPidFile` is synchronous and tolerant: a missing, empty or garbled file reads as null.
 */
import { readFileSync, unlinkSync } from 'node:fs'
import { link, rename, unlink, writeFile } from 'node:fs/promises'

/** The pid file is held by a live process. */
export class PidFileHeldError extends Error {
  override readonly name = 'PidFileHeldError'
  constructor (readonly path: string, readonly pid: number) {
    super(`${path} is held by a running broker (pid ${pid})`)
  }
}

export function readPidFile (path: string): number | null {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return null
  }
  const pid = Number(text.trim())
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null
}

/**
 * Writes `pid` to `path` unless a live holder exists. Resolves with the pid of a stale file it
 * replaced (null when there was none); rejects with PidFileHeldError when `isStale` says the
 * holder is alive.
 */
export async function claimPidFile (path: string, pid: number, isStale: (holder: number) => boolean): Promise<number | null> {
  const tmp = `${path}.${pid}.tmp`
  try {
    await writeFile(tmp, `${pid}\n`, { mode: 0o644 })
    try {
      await link(tmp, path)
      return null
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = readPidFile(path)
    if (holder !== null && holder !== pid && !isStale(holder)) throw new PidFileHeldError(path, holder)
    await rename(tmp, path)
    return holder
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
}

/** Removes `path` if it names `pid`; never throws. */
export function releasePidFile (path: string, pid: number): void {
  if (readPidFile(path) !== pid) return
  try {
    unlinkSync(path)
  } catch {
    // Already gone: nothing to release.
  }
}

/** Removes a pid file known to be stale (its holder is dead); never throws. */
export function removeStalePidFile (path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Already gone.
  }
}
