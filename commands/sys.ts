/**
 * `mqttctl sys`: the `sys.watch` control stream as a live table, NDJSON, or one snapshot. The
 * filtering, Δ/s and table live in src/cli/sys-view.ts. run() stays pending while streaming and
 * owns SIGINT/SIGTERM: a signal cancels the stream and the command exits 0 (a second signal, once
 * the handler is removed during the cancel, kills the process as usual). A reader of stdout that
 * leaves (`| head -1`) ends it the same way; a broker that ends the stream, as src/cli/stream-end.ts says.
 */
import { Flags } from '@oclif/core'
import type { StreamEnd, StreamHandle } from '../src/control/client.js'
import { BaseCommand } from '../src/cli/base-command.js'
import { ExitCode } from '../src/cli/exit-codes.js'
import { finishStream } from '../src/cli/stream-end.js'
import { chalk } from '../src/cli/output.js'
import { SysWatch, compileSysFilter, renderSysTable, screenLines } from '../src/cli/sys-view.js'

const MIN_INTERVAL_S = 0.2
const MAX_INTERVAL_S = 3600
/** How long a cancelled stream may take to end before mqttctl leaves anyway (ms). */
const CANCEL_GRACE_MS = 2000

export default class SysCommand extends BaseCommand<typeof SysCommand> {
  static override summary = 'Watch the broker\'s $SYS values live, with their change per second.'
  static override description = `Shows the values of the $SYS/broker/... tree (Mosquitto's names: clients/connected, messages/received, load/bytes/sent/1min, ...) read over the control channel, refreshed in place on a terminal, with a Δ/s column (change per second since the previous snapshot). When stdout is not a terminal, one table is printed per snapshot. Ctrl-C stops and exits 0, as does a reader of stdout that leaves (| head) or a broker that shuts down (with a note on stderr); a lost connection exits 69. On a cluster node the tree also holds the cluster's figures (--filter cluster): cluster/nodes, cluster/clients/connected, cluster/subscriptions/count, cluster/publish/messages/received_per_s and sent_per_s, cluster/messages/forwarded, received, dropped and duplicates.

--filter selects keys by glob: '*' within one level, '#' or '**' for any number of levels; a pattern matching a key's first levels selects everything below them ('clients/*', 'load/*/received', '**/1min'). Repeat it for a union.

With --json: NDJSON, one {"ts","values","rates"} object per line per snapshot (rates is {} on the first); with --once a single object.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --filter 'clients/*' --filter 'load/messages/*'",
    '<%= config.bin %> <%= command.id %> --once --json',
    '<%= config.bin %> <%= command.id %> --json --interval 5 > sys.ndjson',
  ]

  static override flags = {
    filter: Flags.string({
      char: 'f',
      summary: "Only keys matching this glob ('*' within a level, '#' or '**' for any depth); repeatable.",
      multiple: true,
    }),
    interval: Flags.custom<number>({
      summary: `Seconds between snapshots (${MIN_INTERVAL_S} to ${MAX_INTERVAL_S}).`,
      default: 1,
      parse: async (input) => {
        const n = Number(input)
        if (!Number.isFinite(n) || n < MIN_INTERVAL_S || n > MAX_INTERVAL_S) {
          throw new Error(`--interval must be a number of seconds from ${MIN_INTERVAL_S} to ${MAX_INTERVAL_S}`)
        }
        return n
      },
    })(),
    once: Flags.boolean({ summary: 'Print one snapshot and exit.' }),
  }

  async run (): Promise<void> {
    const { filter = [], interval, once } = this.flags
    if (filter.some((p) => p === '')) this.fail('--filter needs a non-empty pattern', ExitCode.Usage, 'USAGE')
    const json = this.jsonEnabled()
    const tty = !json && process.stdout.isTTY === true
    const watch = new SysWatch(compileSysFilter(filter))

    // Ctrl-C ends the watch normally (exit 0), replacing Node's default (killed by SIGINT, 130).
    let stopping = false
    let wake!: () => void
    const stopped = new Promise<null>((resolve) => { wake = () => { resolve(null) } })
    const stop = (): void => {
      stopping = true
      wake()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    this.stdoutClosed.addEventListener('abort', stop)
    let drawnLines = 0
    let warnedEmpty = false
    let handle: StreamHandle | null = null
    try {
      const control = await this.control()
      handle = await control.stream('sys.watch', { interval_ms: Math.round(interval * 1000) }, (snapshot) => {
        if (stopping) return
        const frame = watch.next(snapshot)
        if (!warnedEmpty && Object.keys(frame.values).length === 0) {
          warnedEmpty = true
          this.note(`no $SYS value matches --filter ${filter.join(' ')}`)
        }
        if (json) {
          process.stdout.write(JSON.stringify(frame) + '\n')
        } else {
          const text = `${chalk.dim(`$SYS/broker at ${frame.ts}${once ? '' : `, every ${interval}s (Ctrl-C to stop)`}`)}\n${renderSysTable(frame)}`
          // On a terminal, move up over the previous table and clear it; elsewhere, append.
          if (tty && drawnLines > 0) process.stdout.write(`\x1b[${drawnLines}A\x1b[0J`)
          process.stdout.write(tty || once ? text + '\n' : text + '\n\n')
          drawnLines = screenLines(text, process.stdout.columns)
        }
        if (once) stop()
      }, (n) => { this.note(`(${n} snapshot(s) dropped: output is read too slowly)`) })
      // run() stays pending while streaming: oclif exits shortly after it resolves.
      const ended: StreamEnd | null = await Promise.race([handle.done, stopped])
      if (ended !== null) finishStream(ended, '$SYS watch', (m) => { process.stderr.write(m + '\n') })
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      this.stdoutClosed.removeEventListener('abort', stop)
      if (handle !== null) {
        await Promise.race([handle.cancel(), new Promise((resolve) => { setTimeout(resolve, CANCEL_GRACE_MS).unref() })])
      }
    }
  }
}
