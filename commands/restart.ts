/**
 * `mqttctl restart`: validate the configuration, stop the running broker (if any), start a daemon.
 * Validating first means a bad configuration (exit 78) never leaves the broker stopped. Without
 * --config the running broker is asked (`node.status`) which file and overrides it was started
 * with, and those are used again (src/cli/config-source.ts); with no broker running it is a start.
 */
import { BaseCommand } from '../src/cli/base-command.js'
import { probeBroker } from '../src/cli/broker-probe.js'
import { describeConfigSource, redactedConfigSource, reuseConfigSource } from '../src/cli/config-source.js'
import { describeStart, prepareStart, startDaemon, startRequestFrom, type StartRequest, type StartResult } from '../src/cli/daemon-start.js'
import { describeStop, stopDaemon, type StopResult } from '../src/cli/daemon-stop.js'
import { DEFAULT_WAIT_TIMEOUT_S, clusterFlag, forceFlag, hostFlag, nodeNameFlag, portFlag, waitTimeoutFlag } from '../src/cli/lifecycle-flags.js'
import { startSpinner, type Spinner } from '../src/cli/spinner.js'
import type { ConfigSource } from '../src/config/types.js'

/** `mqttctl restart --json`. */
export interface RestartResult {
  /** The configuration of the running broker that was used again (null: --config given, or none was running); a Redis password shown as ***. */
  reused_config: ConfigSource | null
  stop: StopResult
  start: StartResult
}

export default class Restart extends BaseCommand<typeof Restart> {
  static override summary = 'Restart the broker as a daemon (stop, then start), with the configuration it runs with.'
  static override description = `Without --config, the running broker is asked which config file and command-line overrides (--port, --host, --data-dir, --node-name, --cluster) it was started with, and the new one is started with the same (flags given to restart replace single overrides, e.g. --port). --cluster URL replaces cluster.redis only, as for start; a password in it is shown as ***. With --config, that file is used instead. With no broker running, restart is start.

Checks the configuration first (exit 78, and nothing is stopped, when it is invalid), stops the running broker as mqttctl stop does (waiting at most --timeout seconds; --force kills it after that), then starts a daemon as mqttctl start does. Takes the flags of both. Exits with the code of the step that failed.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config /etc/mqttd/broker.yaml --json',
    '<%= config.bin %> <%= command.id %> --node-name n2 --cluster rediss://mqttd:secret@redis.example:6380/0',
  ]

  static override flags = {
    port: portFlag,
    host: hostFlag,
    'node-name': nodeNameFlag,
    cluster: clusterFlag,
    'wait-timeout': waitTimeoutFlag,
    force: forceFlag,
  }

  async run (): Promise<RestartResult> {
    const { flags } = this
    const { request, reused } = await this.request()
    if (reused !== null) this.note(`mqttctl: restarting with the configuration the broker runs with: ${describeConfigSource(reused)}`)
    const prep = await prepareStart(request)
    const stop = await this.step('stopping mqttd…', (ui) =>
      stopDaemon({ dataDir: prep.dataDir, socketPath: prep.socketPath, pidFile: prep.pidFile, timeoutMs: this.timeoutMs, force: flags.force }, ui))
    this.log(describeStop(stop))
    const start = await this.step('starting mqttd…', (ui) => startDaemon(prep, ui))
    for (const line of describeStart(start)) this.log(line)
    return { reused_config: reused === null ? null : redactedConfigSource(reused), stop, start }
  }

  /** The flags' StartRequest; without --config, completed with the running broker's own configuration. */
  private async request (): Promise<{ request: StartRequest; reused: ConfigSource | null }> {
    const request = startRequestFrom(this.flags, DEFAULT_WAIT_TIMEOUT_S, this.timeoutMs)
    if (request.configFile !== undefined) return { request, reused: null }
    const running = await probeBroker(await this.socketPath(), this.timeoutMs)
    if (running === null) return { request, reused: null }
    return { request: reuseConfigSource(request, running.config), reused: running.config }
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
