/**
 * `mqttctl stop`: ask the running broker to stop and wait until its process has exited
 * (src/cli/daemon-stop.ts). Idempotent: no broker running is exit 0.
 */
import { BaseCommand } from '../src/cli/base-command.js'
import { pidFilePathIn } from '../src/host/data-dir.js'
import { describeStop, stopDaemon, type StopResult } from '../src/cli/daemon-stop.js'
import { forceFlag } from '../src/cli/lifecycle-flags.js'
import { startSpinner } from '../src/cli/spinner.js'

export default class Stop extends BaseCommand<typeof Stop> {
  static override summary = 'Stop the broker gracefully and wait for its process to exit.'
  static override description = `Sends node.stop on the control socket: listeners close, MQTT 5 clients receive DISCONNECT 0x8B (server shutting down), state is flushed, then the process exits. mqttctl waits for the process (pid from the broker's reply or <data dir>/mqttctl.pid) to be gone, for at most --timeout seconds.

A daemon that no longer answers on its control socket is sent SIGTERM. Pid or socket files left by a crash are removed. No broker running is not an error.

Exit codes: 0 stopped (or not running), 69/77 control socket unusable, 75 still running after --timeout (with --force it is killed instead).`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --timeout 60 --force',
    '<%= config.bin %> <%= command.id %> --data-dir /var/lib/mqttd --json',
  ]

  static override flags = {
    force: forceFlag,
  }

  async run (): Promise<StopResult> {
    const dataDir = await this.dataDir()
    const spinner = startSpinner('stopping mqttd…', !this.jsonEnabled())
    let result: StopResult
    try {
      result = await stopDaemon({
        dataDir,
        socketPath: await this.socketPath(),
        pidFile: pidFilePathIn(dataDir),
        timeoutMs: this.timeoutMs,
        force: this.flags.force,
      }, { note: (m) => { spinner.note(`mqttctl: ${m}`) }, progress: (m) => { spinner.update(m) } })
    } finally {
      spinner.stop()
    }
    this.log(describeStop(result))
    return result
  }
}
