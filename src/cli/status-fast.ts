/**
 * Fast path for `mqttctl status`, taken by bin/run.js before oclif loads: on this class of machine
 * oclif's start-up alone costs ~200 ms, and status runs in health checks every few seconds.
 *
 * Only the plain forms are answered here: `status [--data-dir DIR] [--socket PATH] [--timeout N]
 * [--json]` (and the same environment variables as the command). Anything else — --config,
 * --help, an unknown or malformed flag — returns false and oclif runs commands/status.ts, which
 * computes the same report (src/cli/status-report.ts), so both ways print the same thing.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { socketPathIn } from '../host/data-dir.js'
import { statusReport } from './status-report.js'
import { writeStdout } from './stdout-guard.js'

/** Answers `status` and returns true, or returns false to let oclif handle the command line. */
export async function fastStatus (argv: readonly string[]): Promise<boolean> {
  let values: { 'data-dir'?: string; socket?: string; timeout?: string; json?: boolean }
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        'data-dir': { type: 'string' },
        socket: { type: 'string', short: 'S' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch {
    return false
  }
  if (process.env.MQTTCTL_CONFIG !== undefined) return false
  const timeout = values.timeout === undefined ? 10 : Number(values.timeout)
  if (!Number.isInteger(timeout) || timeout < 1) return false
  const dataDir = resolve(values['data-dir'] ?? process.env.MQTTCTL_DATA_DIR ?? 'data')
  const socket = values.socket ?? process.env.MQTTCTL_SOCKET
  const socketPath = socket !== undefined ? resolve(socket) : socketPathIn(dataDir)
  const report = await statusReport(dataDir, socketPath, timeout * 1000)
  process.exitCode = report.code
  // bin/run.js exits right after: wait until the line is written, so that a write error is reported (exit 74).
  await writeStdout((values.json === true ? JSON.stringify(report.result, null, 2) : report.line) + '\n')
  return true
}
