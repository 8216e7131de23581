/**
 * What every mqttctl command does when stdout fails, installed once per process (bin/run.js, and
 * BaseCommand.init for commands run another way):
 * - EPIPE, the reader left (`mqttctl sys --json | head -1`): nothing is printed, `stdoutClosed`
 *   is aborted so that streams (sys, trace, logs -f) stop, and the command ends as it would have,
 *   0 on success. A change already asked for (reset, account set) still completes.
 * - any other write error (`mqttctl state > /dev/full`: ENOSPC, EIO…): one line on stderr and
 *   exit 74 (EX_IOERR) at once; what was to be printed is lost, so going on would only hide that.
 * Our listener goes before the one oclif installs when it loads (which ignores EPIPE and throws
 * anything else, printing a stack trace), and ends the process before that one runs.
 */
import { ExitCode } from './exit-codes.js'

const closed = new AbortController()
let installed = false

/** Aborted once stdout is closed by its reader (EPIPE): stop producing output. */
export const stdoutClosed: AbortSignal = closed.signal

export function guardStdout (): void {
  if (installed) return
  installed = true
  process.stdout.prependListener('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      closed.abort()
      return
    }
    process.stderr.write(`mqttctl: cannot write to stdout: ${err.message}\n`)
    process.exit(ExitCode.IoError)
  })
}

/** Writes `text` to stdout and resolves once it is written (or failed, which the guard handles). */
export function writeStdout (text: string): Promise<void> {
  return new Promise((resolve) => { process.stdout.write(text, () => { resolve() }) })
}
