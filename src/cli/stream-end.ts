/**
 * How a stream the broker ends (`sys`, `trace`) ends the command, the same for every stream
 * (README "Exit codes"):
 * - `shutdown`, the broker is stopping gracefully: a note on stderr, exit 0; the stream is over,
 *   as after --duration;
 * - `disconnected`, the control connection was lost without an end (the broker died): exit 69;
 * - `slow_consumer`, the broker cut a reader that fell too far behind: exit 75;
 * - `cancelled`, we asked for the end (Ctrl-C, --count, --duration, stdout closed): exit 0.
 */
import type { StreamEnd } from '../control/client.js'
import { CliFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

/** Throws the failure of an abnormal end; notes a shutdown with `note`. `what`: "trace", "$SYS watch". */
export function finishStream (end: StreamEnd, what: string, note: (message: string) => void): void {
  switch (end.reason) {
    case 'shutdown':
      note(`the broker is shutting down; the ${what} ended`)
      return
    case 'disconnected':
      throw new CliFailure(`lost the connection to the broker; the ${what} ended`, ExitCode.Unavailable, 'UNAVAILABLE')
    case 'slow_consumer':
      throw new CliFailure(`the broker ended the ${what}: this reader was too slow`, ExitCode.Timeout, 'SLOW_CONSUMER')
    case 'cancelled':
  }
}
