/**
 * Questions about a process id, for the pid file and the lifecycle commands.
 *
 * - `isAlive(pid)`: `kill(pid, 0)` succeeds (EPERM counts as alive: it exists, as another user's)
 *   and, on Linux, the process is not a zombie. The zombie check matters: a detached daemon is
 *   re-parented to PID 1, and not every PID 1 reaps its children (a container's or a sandbox's
 *   init may not), so a broker that has exited can stay a zombie that `kill(pid, 0)` still finds.
 * - `isDaemonFor(pid, dataDir)`: the process is an mqttd daemon serving that data directory. On
 *   Linux its /proc/<pid>/cmdline is `node …/daemon.js --data-dir <dataDir> …` (see src/daemon.ts),
 *   so a pid file whose pid was reused by an unrelated process after a crash is recognised as stale.
 *   Without /proc the answer falls back to `isAlive`.
 * Synchronous and cheap (two small /proc reads): `mqttctl status` uses it.
 */
import { readFileSync } from 'node:fs'

/** The daemon entry's file name, as it appears in the daemon's command line. */
export const DAEMON_ENTRY_NAME = 'daemon.js'

export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const state = linuxState(pid)
  return state === undefined || (state !== 'Z' && state !== 'X')
}

export function isDaemonFor (pid: number, dataDir: string): boolean {
  if (!isAlive(pid)) return false
  let argv: string[]
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
  } catch (err) {
    // No /proc (macOS, BSD): trust the pid file. Gone in between: not ours any more.
    return (err as NodeJS.ErrnoException).code === 'ENOENT' && !procAvailable()
  }
  const entry = argv.findIndex((a) => a === DAEMON_ENTRY_NAME || a.endsWith(`/${DAEMON_ENTRY_NAME}`))
  if (entry < 0) return false
  const flag = argv.indexOf('--data-dir', entry)
  return flag > 0 && argv[flag + 1] === dataDir
}

/** The one-letter state of /proc/<pid>/stat (R, S, D, Z, …); undefined without /proc. */
function linuxState (pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // `pid (comm) S …`: comm may hold spaces and parentheses, so look after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  } catch {
    return undefined
  }
}

let procChecked: boolean | undefined
function procAvailable (): boolean {
  if (procChecked === undefined) {
    try {
      readFileSync('/proc/self/stat')
      procChecked = true
    } catch {
      procChecked = false
    }
  }
  return procChecked
}
