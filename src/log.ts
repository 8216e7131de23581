/**
 * The broker's logger: pino, one JSON object per line, to stderr (`--foreground`) or, for the daemon,
 * to a size-rotated file.
 *
 * - stderr: writes are synchronous (`sync: true`): a line is on its way before the call returns, so
 *   nothing is lost when the process exits right after a fatal error; the cost is acceptable because
 *   the hot path logs nothing at `info`.
 * - Rotated file (`createRotatingLogger`): rotating-file-stream in its classic mode keeps the live file
 *   under one fixed name (`broker.log`, which `mqttctl logs` reads) and, once it reaches `maxBytes`,
 *   shifts it to `.1`, `.1` to `.2`, … dropping the oldest beyond `keep`: the disk use is bounded by
 *   (keep + 1) × maxBytes. Its writes are asynchronous, in this thread; `close()` flushes them, and
 *   the daemon awaits it on every exit path (src/daemon.ts) so a failed start leaves its reason in
 *   the file for `mqttctl start` to show. `reopen()` (SIGHUP, src/reload.ts) closes the file and
 *   opens the same name again, so logrotate may move it away and signal.
 * Secrets never reach the output: `redact` replaces passwords and message payloads wherever the
 * logged object carries them at the listed paths.
 */

import { basename, dirname } from 'node:path'

import pino from 'pino'
import { type RotatingFileStream, createStream } from 'rotating-file-stream'

/** The levels of `log_level`, quietest last. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/** The logger every broker module receives. */
export type Logger = pino.Logger

/** Object paths replaced by `[redacted]` in every log line. */
export const REDACTED_PATHS: readonly string[] = ['password', '*.password', 'packet.password', 'will.payload', 'payload']

/** A logger at `level`, writing to stderr, or appending to `opts.destination` (created with its directory if missing). */
export function createLogger (level: LogLevel, opts: { destination?: string } = {}): Logger {
  const destination =
    opts.destination === undefined
      ? pino.destination({ fd: 2, sync: true })
      : pino.destination({ dest: opts.destination, sync: true, mkdir: true })
  return pino(
    {
      level,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination
  )
}

/** A logger writing to a size-rotated file, and the functions that reopen and close that file. */
export interface RotatingLogger {
  logger: Logger
  /**
   * Closes the file and opens `file` again (created when it was moved away): logrotate's
   * move-then-SIGHUP. Lines logged before the call end up in the old file, later ones in the new.
   */
  reopen (): void
  /** Flushes pending lines and closes the file; later log calls are dropped. Never rejects. */
  close (): Promise<void>
}

/** How the daemon's log file is bounded: rotate at `maxBytes`, keep `keep` rotated files. */
export interface LogRotation {
  maxBytes: number
  keep: number
}

/** A logger at `level` appending to `file` (mode 0600, directory created if missing), rotated by size. */
export function createRotatingLogger (level: LogLevel, file: string, rotation: LogRotation): RotatingLogger {
  const open = (): RotatingFileStream => {
    const opened = createStream(basename(file), {
      path: dirname(file),
      size: `${rotation.maxBytes}B`,
      rotate: rotation.keep,
      mode: 0o600,
    })
    // A log that cannot be written (disk full, directory removed) must not take the broker down; the
    // daemon's stderr is /dev/null, so this is the last place the failure can be reported.
    opened.on('error', (err) => {
      process.stderr.write(`mqttd: cannot write ${file}: ${err.message}\n`)
    })
    return opened
  }
  let stream = open()
  // pino writes to this forwarder, so that `reopen` can swap the file under it.
  const destination = { write: (line: string): void => { stream.write(line) } }
  const logger = pino(
    {
      level,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination
  )
  let closed: Promise<void> | null = null
  /** Files replaced by `reopen`, still flushing their last lines. */
  const retiring = new Set<Promise<void>>()
  return {
    logger,
    reopen: () => {
      if (closed !== null) return
      const previous = stream
      stream = open()
      const ended = endStream(previous)
      retiring.add(ended)
      void ended.then(() => retiring.delete(ended))
    },
    close: () => {
      closed ??= (async () => {
        logger.level = 'silent'
        await Promise.all([endStream(stream), ...retiring])
      })()
      return closed
    },
  }
}

/** Resolves once `stream` has flushed and closed (at once when it already has); never rejects. */
function endStream (stream: RotatingFileStream): Promise<void> {
  return new Promise<void>((resolve) => {
    if (stream.destroyed || stream.writableFinished) {
      resolve()
      return
    }
    stream.once('error', () => { resolve() })
    stream.end(() => { resolve() })
  })
}
