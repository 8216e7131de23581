/**
 * Following the broker's log like `tail -F`: new complete lines are delivered as they are written,
 * across rotations, until the signal aborts.
 *
 * Polling (every 200 ms) rather than fs.watch: watch events are not reliable across rename-based
 * rotation and on every file system, and a log viewer can afford a fifth of a second. Each tick
 *   1. reads what was appended to the open file since the last position (a last line without its
 *      newline waits in a buffer until the newline comes);
 *   2. checks the path: another inode there means the file was rotated (rotating-file-stream closes
 *      the live file, renames it to .1 and opens a new one): the old file is drained and closed, a
 *      pending partial line is delivered, and the new file is read from its start; a path that is
 *      missing for a moment (between rename and re-create) is simply checked again; a file that
 *      shrank in place was truncated and is read again from its start.
 * A log that does not exist yet is waited for.
 */
import { open, stat, type FileHandle } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

const POLL_MS = 200
const CHUNK = 64 * 1024

export interface FollowStart {
  /** The live file, opened by the caller, or null if it does not exist yet. */
  handle: FileHandle | null
  /** Where to continue reading in `handle`. */
  position: number
}

/** Delivers each new line of `path` to `onLine` until `signal` aborts; closes the handle at the end. */
export async function followLog (path: string, start: FollowStart, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
  let handle = start.handle
  let ino = handle === null ? -1 : (await handle.stat()).ino
  let position = start.position
  let pending = ''

  const drain = async (): Promise<void> => {
    if (handle === null) return
    const buf = Buffer.alloc(CHUNK)
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, position)
      if (bytesRead === 0) return
      position += bytesRead
      const text = pending + buf.toString('utf8', 0, bytesRead)
      const lines = text.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) onLine(line.replace(/\r$/, ''))
    }
  }

  try {
    while (!signal.aborted) {
      await drain()
      const current = await stat(path).catch(() => null)
      if (current !== null && current.ino !== ino) {
        // Rotated (or created): finish the old file, then start on the new one.
        await drain()
        if (pending !== '') { onLine(pending); pending = '' }
        await handle?.close()
        handle = await open(path, 'r').catch(() => null)
        ino = handle === null ? -1 : (await handle.stat()).ino
        position = 0
        continue
      }
      if (current !== null && handle !== null && current.size < position) {
        position = 0
        pending = ''
        continue
      }
      await sleep(POLL_MS, undefined, { signal }).catch(() => undefined)
    }
  } finally {
    await handle?.close()
  }
}
