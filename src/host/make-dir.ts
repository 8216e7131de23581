/**
 * `mkdir -p` that always ends. Node's own `mkdir(dir, { recursive: true })` retries forever when
 * mkdir fails with ENOENT under a parent that exists, which is what file systems that refuse new
 * entries answer (`/proc/x`, `/sys/x`): the process spins at full CPU and never reports anything.
 * Here each missing ancestor is created once, top down, and the first failure is thrown as it is
 * (its `code` and `path` intact), so the caller can name the directory and choose an exit code.
 */
import { mkdir, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

/** Creates `dir` and its missing ancestors with `mode` (existing ones keep theirs); an existing directory is fine. */
export async function makeDir (dir: string, mode = 0o700): Promise<void> {
  const path = resolve(dir)
  try {
    await mkdir(path, { mode })
    return
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException
    if (code === 'EEXIST') return existingDirectory(path, err)
    const parent = dirname(path)
    if (code !== 'ENOENT' || parent === path) throw err
  }
  await makeDir(dirname(path), mode)
  try {
    await mkdir(path, { mode })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return existingDirectory(path, err)
    throw err
  }
}

/** `path` exists: fine if it is a directory (or a link to one), ENOTDIR otherwise. */
async function existingDirectory (path: string, cause: unknown): Promise<void> {
  const info = await stat(path).catch(() => null)
  if (info?.isDirectory() === true) return
  if (info === null) throw cause
  throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR', path, syscall: 'mkdir' })
}
