/**
 * `mqttctl status`: is the broker running? LSB exit codes, for scripts and probes.
 *
 * Built for speed (it runs in health checks): one `node.status` round trip on the control socket,
 * a pid file read, nothing else — no config loading (unless --config is the way to the data dir),
 * no table or colour libraries (src/cli/durations.ts formats the uptime), and oclif finds the
 * command in oclif.manifest.json without loading the other commands.
 */
import { BaseCommand } from '../src/cli/base-command.js'
import { probeBroker, socketFileExists } from '../src/cli/broker-probe.js'
import { pidFilePathIn } from '../src/cli/data-dir.js'
import { uptime } from '../src/cli/durations.js'
import { StatusExit } from '../src/cli/exit-codes.js'
import { readPidFile } from '../src/cli/pid-file.js'
import { isDaemonFor } from '../src/cli/process-probe.js'
import { ControlClientError } from '../src/control/client.js'

/** `mqttctl status --json`. */
export interface StatusResult {
  /**
   * running | stopping: the broker answers. dead: a pid or socket file is left but no process.
   * not_responding: the daemon's process lives but nothing answers (booting, or hung).
   * stopped: nothing left. unknown: the socket cannot be used (permission, protocol).
   */
  state: 'running' | 'stopping' | 'dead' | 'not_responding' | 'stopped' | 'unknown'
  pid: number | null
  uptime_s: number | null
  version: string | null
  node: string | null
  clients: number | null
}

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show whether the broker is running (LSB exit codes: 0 running, 1 dead, 3 stopped).'
  static override description = `One line: running  pid 4242  up 3h12m  v0.1.0  node n1  12 clients.

Exit codes (LSB): 0 running; 1 not running but a pid file or control socket was left behind (crash), or the daemon's process lives but does not answer within --timeout; 3 stopped; 4 unknown (the control socket cannot be used: permission, protocol).`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --data-dir /var/lib/mqttd --json',
  ]

  async run (): Promise<StatusResult> {
    const dataDir = await this.dataDir()
    const socketPath = await this.socketPath()
    const pidFile = pidFilePathIn(dataDir)
    const none = { pid: null, uptime_s: null, version: null, node: null, clients: null }

    let result: StatusResult
    let line: string
    let code: number
    try {
      const s = await probeBroker(socketPath, this.timeoutMs)
      if (s !== null) {
        result = { state: s.state, pid: s.pid, uptime_s: s.uptime_s, version: s.version, node: s.node, clients: s.clients }
        line = `${s.state}  pid ${s.pid}  up ${uptime(s.uptime_s)}  v${s.version}  node ${s.node}  ${s.clients} ${s.clients === 1 ? 'client' : 'clients'}`
        code = StatusExit.Running
      } else {
        const holder = readPidFile(pidFile)
        if (holder !== null && isDaemonFor(holder, dataDir)) {
          result = { ...none, state: 'not_responding', pid: holder }
          line = `not responding  pid ${holder} is running but nothing answers on ${socketPath} (starting, or hung)`
          code = StatusExit.DeadWithPidFile
        } else if (holder !== null) {
          result = { ...none, state: 'dead', pid: holder }
          line = `dead  pid ${holder} is not running but ${pidFile} is left (crashed?); mqttctl start replaces it`
          code = StatusExit.DeadWithPidFile
        } else if (socketFileExists(socketPath)) {
          result = { ...none, state: 'dead' }
          line = `dead  nothing answers on ${socketPath}, which is left (crashed?); mqttctl start replaces it`
          code = StatusExit.DeadWithPidFile
        } else {
          result = { ...none, state: 'stopped' }
          line = 'stopped'
          code = StatusExit.Stopped
        }
      }
    } catch (err) {
      if (!(err instanceof ControlClientError)) throw err
      if (err.kind === 'timeout') {
        const holder = readPidFile(pidFile)
        result = { ...none, state: 'not_responding', pid: holder }
        line = `not responding  ${err.message}`
        code = StatusExit.DeadWithPidFile
      } else {
        result = { ...none, state: 'unknown' }
        line = `unknown  ${err.message}`
        code = StatusExit.Unknown
      }
    }
    this.log(line)
    process.exitCode = code
    return result
  }
}
