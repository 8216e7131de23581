/**
 * The process's file descriptor limit, and the `max_connections` it leaves room for.
 *
 * Every connection holds one descriptor; the broker needs others besides: the store's files
 * (LevelDB's log, manifest and the table files it keeps open, more as the store grows), the
 * control socket and mqttctl's connections to it, the log file, worker threads (bcrypt), Node's own
 * pipes and event loop. When connections take them all, every `open()` fails with EMFILE: LevelDB
 * cannot roll its log, mqttctl cannot connect, the log cannot rotate. So when the configuration
 * does not set `max_connections`, it defaults to the soft RLIMIT_NOFILE minus a reserve of
 * 64 + limit/16 (rounded up), and at least 1; an unlimited RLIMIT_NOFILE (or one that cannot be
 * read) means no limit (0).
 *
 * Node raises the soft limit to the hard one at start-up, so the limit read here is the one the
 * process runs under. Linux: `/proc/self/limits`; elsewhere `ulimit -n` in a child shell (which
 * inherits this process's limit).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Descriptors kept out of `max_connections`: a fixed part plus one in RESERVE_DIVISOR of the limit. */
export const RESERVE_FIXED = 64
export const RESERVE_DIVISOR = 16

/** The soft RLIMIT_NOFILE of this process; null when unlimited or unknown. */
export function descriptorLimit (): number | null {
  if (process.platform === 'linux') {
    try {
      return parseLimitsFile(readFileSync('/proc/self/limits', 'utf8'))
    } catch {
      // no /proc: ask a shell, as on other systems
    }
  }
  if (process.platform === 'win32') return null
  try {
    return parseLimit(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }))
  } catch {
    return null
  }
}

/** The soft "Max open files" of a `/proc/<pid>/limits` text. */
export function parseLimitsFile (text: string): number | null {
  const line = /^Max open files\s+(\S+)/m.exec(text)
  return line === null ? null : parseLimit(line[1])
}

/** `max_connections` for a descriptor limit (null: unlimited → 0, no limit). */
export function maxConnectionsFor (limit: number | null): number {
  if (limit === null) return 0
  return Math.max(1, limit - RESERVE_FIXED - Math.ceil(limit / RESERVE_DIVISOR))
}

function parseLimit (text: string): number | null {
  const value = Number(text.trim())
  return Number.isSafeInteger(value) && value > 0 ? value : null
}
