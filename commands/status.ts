/**
 * `mqttctl status`: is the broker running? LSB exit codes, for scripts and probes.
 *
 * Built for speed (it runs in health checks): the work is src/cli/status-report.ts (one
 * `node.status` round trip, a pid file read); bin/run.js answers the plain forms without loading
 * oclif at all (src/cli/status-fast.ts), and this command serves the rest (--config, --help, errors).
 */
import { BaseCommand } from '../src/cli/base-command.js'
import { type StatusResult, statusReport } from '../src/cli/status-report.js'

export type { StatusResult }

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show whether the broker is running (LSB exit codes: 0 running, 1 dead, 3 stopped).'
  static override description = `One line: running  pid 4242  up 3h12m  v0.1.0  node n1  12 clients.

Exit codes (LSB): 0 running; 1 not running but a pid file or control socket was left behind (crash), or the daemon's process lives but does not answer within --timeout; 3 stopped; 4 unknown (the control socket cannot be used: permission, protocol), or running but degraded (a second line says why, e.g. degraded: store: No space left on device).`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --data-dir /var/lib/mqttd --json',
  ]

  async run (): Promise<StatusResult> {
    const report = await statusReport(await this.dataDir(), await this.socketPath(), this.timeoutMs)
    this.log(report.line)
    process.exitCode = report.code
    return report.result
  }
}
