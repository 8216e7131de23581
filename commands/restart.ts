/**
 * `mqttctl restart`: validate the configuration, stop the running broker (if any), start a daemon.
 * Validating first means a bad configuration (exit 78) never leaves the broker stopped.
 */
import { BaseCommand } from '../src/cli/base-command.js'
import { describeStart, prepareStart, startDaemon, startRequestFrom, type StartResult } from '../src/cli/daemon-start.js'
import { describeStop, stopDaemon, type StopResult } from '../src/cli/daemon-stop.js'
import { DEFAULT_WAIT_TIMEOUT_S, forceFlag, portFlag, waitTimeoutFlag } from '../src/cli/lifecycle-flags.js'
import { startSpinner, type Spinner } from '../src/cli/spinner.js'

/** `mqttctl restart --json`. */
export interface RestartResult {
  stop: StopResult
  start: StartResult
}

export default class Restart extends BaseCommand<typeof Restart> {
  static override summary = 'Restart the broker as a daemon (stop, then start).'
  static override description = `Checks the configuration first (exit 78, and nothing is stopped, when it is invalid), stops the running broker as mqttctl stop does (waiting at most --timeout seconds; --force kills it after that), then starts a daemon as mqttctl start does. Takes the flags of both. Exits with the code of the step that failed.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config /etc/mqttd/broker.yaml --json',
  ]

  static override flags = {
    port: portFlag,
    'wait-timeout': waitTimeoutFlag,
    force: forceFlag,
  }

  async run (): Promise<RestartResult> {
    const { flags } = this
    const prep = await prepareStart(startRequestFrom(flags, DEFAULT_WAIT_TIMEOUT_S, this.timeoutMs))
    const stop = await this.step('stopping mqttd…', (ui) =>
      stopDaemon({ dataDir: prep.dataDir, socketPath: prep.socketPath, pidFile: prep.pidFile, timeoutMs: this.timeoutMs, force: flags.force }, ui))
    this.log(describeStop(stop))
    const start = await this.step('starting mqttd…', (ui) => startDaemon(prep, ui))
    for (const line of describeStart(start)) this.log(line)
    return { stop, start }
  }

  /** Runs one half with its own spinner, erased before the half's summary is printed. */
  private async step<T> (label: string, work: (ui: { note (m: string): void; progress (m: string): void }) => Promise<T>): Promise<T> {
    const spinner: Spinner = startSpinner(label, !this.jsonEnabled())
    try {
      return await work({ note: (m) => { spinner.note(`mqttctl: ${m}`) }, progress: (m) => { spinner.update(m) } })
    } finally {
      spinner.stop()
    }
  }
}
