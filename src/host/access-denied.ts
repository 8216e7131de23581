/**
 * Explains a permission failure (EACCES/EPERM) on a path in one line that says what to fix: the
 * first component this process may not use, who this process runs as and who owns that component:
 *
 *   cannot open /srv/mqttd/data: permission denied (running as nobody; the directory belongs to root)
 *
 * The culprit is found by walking from `/` down to `path`: every directory on the way must be
 * searchable (x), and the last one, or the file itself, usable as `need` asks. Synchronous and
 * cheap (a few stat/access calls and one read of /etc/passwd), for error paths only.
 */
import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs'
import { userInfo } from 'node:os'
import { dirname, resolve } from 'node:path'

/** What the last component must allow: a data directory is read, written and searched; a socket written; a log read. */
export type Need = 'directory' | 'read' | 'write'

const LAST_MODE: Record<Need, number> = {
  directory: constants.R_OK | constants.W_OK | constants.X_OK,
  read: constants.R_OK,
  write: constants.W_OK,
}

/** `cannot open <culprit>: permission denied (running as <user>; the <kind> belongs to <owner>)`. */
export function describeDenied (path: string, need: Need = 'directory'): string {
  const target = resolve(path)
  const chain: string[] = []
  for (let p = target; ; p = dirname(p)) {
    chain.unshift(p)
    if (dirname(p) === p) break
  }
  let culprit = target
  let info: Stats | null = null
  for (const p of chain) {
    const last = p === target
    const mode = last ? LAST_MODE[need] : constants.X_OK
    let here: Stats
    try {
      here = statSync(p)
    } catch {
      break // missing: the deepest existing directory is the one that refused a new entry
    }
    culprit = p
    info = here
    if (!allowed(p, mode)) break
  }
  const owner = info === null ? '' : `; the ${kindOf(info)} belongs to ${userName(info.uid)}`
  return `cannot open ${culprit}: permission denied (running as ${currentUser()}${owner})`
}

/** Whether an errno code is a permission failure. */
export function isPermissionCode (code: string | undefined): boolean {
  return code === 'EACCES' || code === 'EPERM'
}

function allowed (path: string, mode: number): boolean {
  try {
    accessSync(path, mode)
    return true
  } catch {
    return false
  }
}

function kindOf (info: Stats): string {
  if (info.isDirectory()) return 'directory'
  if (info.isSocket()) return 'socket'
  return 'file'
}

function currentUser (): string {
  try {
    return userInfo().username
  } catch {
    return `uid ${process.getuid?.() ?? '?'}` // no passwd entry (a container's arbitrary uid)
  }
}

/** The name of `uid` from /etc/passwd; `uid N` when it has none. */
function userName (uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':')
      if (name !== undefined && name !== '' && Number(id) === uid) return name
    }
  } catch {
    // No passwd file: fall through.
  }
  return `uid ${uid}`
}
