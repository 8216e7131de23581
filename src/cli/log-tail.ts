/**
 * The last N lines of the broker's log, read backwards in 64 KiB blocks so the cost is proportional
 * to N, not to the file's size (a full 10 MiB log is never read whole). When the live file holds
 * fewer than N lines, the rotated files (broker.log.1, .2, …) are read too, newest first, so
 * `mqttctl logs -n 200` right after a rotation still shows 200 lines.
 *
 * `lastCompleteLines` stops at `end`, a size the caller took from its own open handle, and leaves
 * out a last line that has no newline yet (a write in progress), reporting where the complete lines
 * end: the follower (log-follow.ts) continues from exactly there, so no line is lost or repeated.
 */
import { open, type FileHandle } from 'node:fs/promises'

const BLOCK = 64 * 1024

export interface TailResult {
  /** Complete lines, oldest first. */
  lines: string[]
  /** Offset just after the last newline at or before `end`. */
  completeEnd: number
}

/** Up to `n` complete lines before `end` in an open file. */
export async function lastCompleteLines (handle: FileHandle, end: number, n: number): Promise<TailResult> {
  const blocks: Buffer[] = []
  let pos = end
  let completeEnd = -1
  let newlines = 0
  // Read backwards until the text after the first newline seen holds more than n lines (the
  // piece before that newline may be the end of a longer line) or the file's start is reached.
  while (pos > 0 && !(completeEnd >= 0 && newlines > n)) {
    const size = Math.min(BLOCK, pos)
    pos -= size
    const block = Buffer.alloc(size)
    await handle.read(block, 0, size, pos)
    blocks.unshift(block)
    if (completeEnd < 0) {
      const last = block.lastIndexOf(0x0a)
      if (last >= 0) {
        completeEnd = pos + last + 1
        newlines = countNewlines(block.subarray(0, last + 1))
      }
    } else {
      newlines += countNewlines(block)
    }
  }
  if (completeEnd < 0 || n <= 0) return { lines: [], completeEnd: Math.max(0, completeEnd) }
  const lines = Buffer.concat(blocks).subarray(0, completeEnd - pos).toString('utf8').split('\n')
  lines.pop() // the empty string after the last newline
  return { lines: lines.slice(-n).map((l) => l.replace(/\r$/, '')), completeEnd }
}

function countNewlines (buf: Buffer): number {
  let count = 0
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) count++
  return count
}

/**
 * Up to `n` lines from `files` (newest file first; missing files are skipped), oldest line first.
 * `live` is the newest file already opened by the caller, with the size to read up to.
 */
export async function tailLogFiles (live: { handle: FileHandle; end: number } | null, rotated: readonly string[], n: number): Promise<TailResult> {
  const first = live === null ? { lines: [], completeEnd: 0 } : await lastCompleteLines(live.handle, live.end, n)
  let lines = first.lines
  for (const path of rotated) {
    if (lines.length >= n) break
    let handle: FileHandle
    try {
      handle = await open(path, 'r')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw err
    }
    try {
      const { size } = await handle.stat()
      lines = [...(await lastCompleteLines(handle, size, n - lines.length)).lines, ...lines]
    } finally {
      await handle.close()
    }
  }
  return { lines, completeEnd: first.completeEnd }
}
