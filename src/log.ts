/**
 * The broker's logger: pino, one JSON object per line, to stderr (or a file for the daemon).
 *
 * Writes are synchronous (`sync: true`): a line is on its way before the call returns, so nothing is
 * lost when the process exits right after a fatal error; the cost is acceptable because the hot path
 * logs nothing at `info`. Secrets never reach the output: `redact` replaces passwords and message
 * payloads wherever the logged object carries them at the listed paths.
 */

import pino from 'pino'

import type { Config } from './config/types.js'

/** The logger every broker module receives. */
export type Logger = pino.Logger

/** Object paths replaced by `[redacted]` in every log line. */
export const REDACTED_PATHS: readonly string[] = ['password', '*.password', 'packet.password', 'will.payload', 'payload']

/** A logger at `level`, writing to stderr, or appending to `opts.destination` (created with its directory if missing). */
export function createLogger(level: Config['log_level'], opts: { destination?: string } = {}): Logger {
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
    destination,
  )
}
