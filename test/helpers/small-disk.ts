/**
 * A real full disk for tests: a small tmpfs mounted on a temporary directory (needs root, as
 * `mount` does: callers skip when it returns null), and a filler that takes its last byte.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

/** A tmpfs of `size` (mount's syntax, e.g. `16m`), unmounted after the test; null when this process may not mount. */
export function smallDisk (t: TestContext, size = '16m'): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'mqttd-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' })
  } catch {
    rmSync(dir, { recursive: true, force: true })
    return null
  }
  t.after(() => {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' })
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

/** Fills the file system of `dir` to the last byte; returns the filler's path. */
export function fill (dir: string): string {
  const path = join(dir, 'filler')
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(64 * 1024)
  try {
    for (;;) writeSync(fd, chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    closeSync(fd)
  }
  const small = openSync(path, 'a') // and the last partial block
  try { for (;;) writeSync(small, Buffer.alloc(512)) } catch {} finally { closeSync(small) }
  return path
}
