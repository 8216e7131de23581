/**
 * Makes sure a data directory exists and this process may use it (read, write, search), before
 * a broker starts on it or a command hands it to a daemon. A problem comes back as one line naming
 * the directory (src/host/access-denied.ts for permissions) and whether it is a permission problem
 * (exit 77) or another (exit 70), never as a stack trace or a loop (src/host/make-dir.ts).
 */
import { accessSync, constants } from 'node:fs'
import { dirname } from 'node:path'
import { getSystemErrorMap } from 'node:util'

import { describeDenied, isPermissionCode } from './access-denied.js'
import { makeDir } from './make-dir.js'

export interface DataDirProblem {
  message: string
  /** EACCES/EPERM/EROFS: the operator must change permissions or mounts (exit 77). */
  permission: boolean
}

/** Creates `dir` (mode 0700) if needed and checks access; undefined when it is usable. */
export async function readyDataDir (dir: string): Promise<DataDirProblem | undefined> {
  try {
    await makeDir(dir)
  } catch (err) {
    const { code, errno, path } = err as NodeJS.ErrnoException
    if (isPermissionCode(code)) return { message: describeDenied(dir), permission: true }
    const reason = (errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1]) ?? (err as Error).message
    const hint = code === 'ENOENT' ? ` (the file system of ${dirname(path ?? dir)} does not take new directories)` : ''
    return { message: `cannot create the data directory ${dir}: ${reason}${hint}`, permission: code === 'EROFS' }
  }
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK)
  } catch {
    return { message: describeDenied(dir), permission: true }
  }
  return undefined
}
