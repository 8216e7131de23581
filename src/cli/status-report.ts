/**
 * The answer of `mqttctl status`, computed once for both ways in: the oclif command
 * (commands/status.ts) and the fast path of bin/run.js (src/cli/status-fast.ts), which skips
 * loading oclif for the plain forms used by health checks.
 *
 * One `node.status` round trip on the control socket and a pid file read; imports nothing heavy.
 */
import { ControlClientError } from '../control/client.js'
import { probeBroker, socketFileExists } from './broker-probe.js'
import { pidFilePathIn } from '../host/data-dir.js'
import { uptime } from './durations.js'
import { StatusExit } from './exit-codes.js'
import { readPidFile } from '../host/pid-file.js'
import { isDaemonFor } from '../host/process-probe.js'

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
  /** What is wrong with a running broker (`store: <reason>` while its store cannot write: exit 4); null otherwise. */
  degraded: string | null
}

export interface StatusReport {
  result: StatusResult
  /** The human line. */
  line: string
  /** LSB exit code. */
  code: number
}

export async function statusReport (dataDir: string, socketPath: string, timeoutMs: number): Promise<StatusReport> {
  const pidFile = pidFilePathIn(dataDir)
  const none = { pid: null, uptime_s: null, version: null, node: null, clients: null, degraded: null }
  try {
    const s = await probeBroker(socketPath, timeoutMs)
    if (s !== null) {
      const line = `${s.state}  pid ${s.pid}  up ${uptime(s.uptime_s)}  v${s.version}  node ${s.node}  ${s.clients} ${s.clients === 1 ? 'client' : 'clients'}`
      const degraded = s.store_error ?? null
      return {
        result: { state: s.state, pid: s.pid, uptime_s: s.uptime_s, version: s.version, node: s.node, clients: s.clients, degraded: degraded === null ? null : `store: ${degraded}` },
        line: degraded === null ? line : `${line}\ndegraded: store: ${degraded}`,
        code: degraded === null ? StatusExit.Running : StatusExit.Unknown,
      }
    }
    const holder = readPidFile(pidFile)
    if (holder !== null && isDaemonFor(holder, dataDir)) {
      return {
        result: { ...none, state: 'not_responding', pid: holder },
        line: `not responding  pid ${holder} is running but nothing answers on ${socketPath} (starting, or hung)`,
        code: StatusExit.DeadWithPidFile,
      }
    }
    if (holder !== null) {
      return {
        result: { ...none, state: 'dead', pid: holder },
        line: `dead  pid ${holder} is not running but ${pidFile} is left (crashed?); mqttctl start replaces it`,
        code: StatusExit.DeadWithPidFile,
      }
    }
    if (socketFileExists(socketPath)) {
      return {
        result: { ...none, state: 'dead' },
        line: `dead  nothing answers on ${socketPath}, which is left (crashed?); mqttctl start replaces it`,
        code: StatusExit.DeadWithPidFile,
      }
    }
    return { result: { ...none, state: 'stopped' }, line: 'stopped', code: StatusExit.Stopped }
  } catch (err) {
    if (!(err instanceof ControlClientError)) throw err
    if (err.kind === 'timeout') {
      return {
        result: { ...none, state: 'not_responding', pid: readPidFile(pidFile) },
        line: `not responding  ${err.message}`,
        code: StatusExit.DeadWithPidFile,
      }
    }
    return { result: { ...none, state: 'unknown' }, line: `unknown  ${err.message}`, code: StatusExit.Unknown }
  }
}
