/**
 * `mqttctl logs [-n N] [-f]`: the daemon's log, `<data dir>/broker.log` (and its rotated files).
 * Human output renders each record (src/cli/log-format.ts, colour on a TTY); --json passes the
 * JSON lines through unchanged as NDJSON. `-f` follows across rotations (src/cli/log-follow.ts)
 * until Ctrl-C or SIGTERM, which end it with exit 0.
 */
import { open, type FileHandle } from 'node:fs/promises'

import { Flags } from '@oclif/core'
import chalk from 'chalk'

import { BaseCommand, permissionFailure } from '../src/cli/base-command.js'
import { logFilesNewestFirst } from '../src/host/data-dir.js'
import { ExitCode } from '../src/cli/exit-codes.js'
import { describeDenied, isPermissionCode } from '../src/host/access-denied.js'
import { followLog } from '../src/cli/log-follow.js'
import { formatLogLine } from '../src/cli/log-format.js'
import { tailLogFiles } from '../src/cli/log-tail.js'

export default class Logs extends BaseCommand<typeof Logs> {
  static override summary = "Show the daemon's log (the last lines, or follow it)."
  static override description = `Reads <data dir>/broker.log, then the rotated broker.log.1, .2, … when more lines are asked for than the live file holds. Each line shows the local time, the level, the message and its fields; --json prints the records as they are stored (NDJSON, one JSON object per line). A broker started with --foreground logs to its stderr instead.

With -f, new lines are printed as they are written, across log rotations, until Ctrl-C (exit 0). Exit 65 when there is no log file (without -f; with -f it is waited for), 77 when it may not be read (the line names the directory or file and its owner).`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -n 200',
    '<%= config.bin %> <%= command.id %> -f',
    "<%= config.bin %> <%= command.id %> -n 1000 --json | jq 'select(.level >= 50)'",
  ]

  static override flags = {
    lines: Flags.integer({ char: 'n', summary: 'How many of the last lines to show.', default: 50, min: 0 }),
    follow: Flags.boolean({ char: 'f', summary: 'Keep printing new lines as they are written, until Ctrl-C.' }),
  }

  async run (): Promise<void> {
    const { lines: count, follow, socket } = this.flags
    if (socket !== undefined) {
      this.fail('--socket does not apply to logs: the log is a file in the data directory; choose it with --data-dir or --config', ExitCode.Usage, 'USAGE')
    }
    const [live, ...rotated] = logFilesNewestFirst(await this.dataDir())
    const json = this.jsonEnabled()
    const stop = new AbortController()
    // `mqttctl logs | head` closes the pipe: that is the reader saying "enough", not an error.
    const onStdoutClosed = (): void => { stop.abort() }
    this.stdoutClosed.addEventListener('abort', onStdoutClosed, { once: true })
    const emit = (line: string): void => {
      if (line === '' || stop.signal.aborted) return
      process.stdout.write((json ? asJsonLine(line) : formatLogLine(line, chalk)) + '\n')
    }

    let handle: FileHandle | null
    try {
      handle = await openIfExists(live)
    } catch (err) {
      if (!isPermissionCode((err as NodeJS.ErrnoException).code)) throw err
      throw permissionFailure(describeDenied(live, 'read'))
    }
    if (handle === null && !follow) {
      this.fail(`no log file at ${live}: no daemon has run with this data directory (a --foreground broker logs to stderr)`,
        ExitCode.DataError, 'NOT_FOUND')
    }
    const end = handle === null ? 0 : (await handle.stat()).size
    const tail = await tailLogFiles(handle === null ? null : { handle, end }, rotated, count)
    for (const line of tail.lines) emit(line)

    if (!follow) {
      if (handle !== null) {
        // A last line still being written (no newline yet) is shown as it is.
        if (count > 0 && tail.completeEnd < end) emit((await handle.read(Buffer.alloc(end - tail.completeEnd), 0, end - tail.completeEnd, tail.completeEnd)).buffer.toString('utf8'))
        await handle.close()
      }
      return
    }

    if (handle === null) process.stderr.write(`mqttctl: waiting for ${live} to appear…\n`)
    const onSignal = (): void => { stop.abort() }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      await followLog(live, { handle, position: tail.completeEnd }, emit, stop.signal)
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      this.stdoutClosed.removeEventListener('abort', onStdoutClosed)
    }
  }
}

async function openIfExists (path: string): Promise<FileHandle | null> {
  try {
    return await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** A stored record as it is; anything else (a line a crash cut short) wrapped so the output stays NDJSON. */
function asJsonLine (line: string): string {
  try {
    JSON.parse(line)
    return line
  } catch {
    return JSON.stringify({ raw: line })
  }
}
