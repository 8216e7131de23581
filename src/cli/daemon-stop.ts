/**
 * `mqttctl stop` and the stop half of `restart`.
 *
 * 1. Ask the broker on the control socket to stop (`node.stop`: listeners close, MQTT 5 clients get
 *    DISCONNECT 0x8B, state is flushed); its reply names its pid (a --foreground broker has no pid file).
 * 2. Nothing answers: a pid file naming a live daemon of this data directory (booting, or hung) gets
 *    SIGTERM, which the broker handles like `node.stop`. Any other pid file, and a socket file
 *    nothing answers on, are stale: removed, and the broker counts as already stopped (exit 0).
 * 3. Wait for the pid to exit (kill(pid, 0), zombies count as exited: process-probe.ts) until
 *    --timeout. Expired: exit 75, or with --force SIGKILL, a short wait for the kill to land, and
 *    the files the killed broker could not remove are cleaned up.
 */
import { ControlClient, ControlClientError } from '../control/client.js'
import { CliFailure } from './base-command.js'
import { removeStaleSocket } from './broker-probe.js'
import { elapsed } from './durations.js'
import { ExitCode } from './exit-codes.js'
import { readPidFile, removeStalePidFile } from '../host/pid-file.js'
import { pollUntil } from './poll.js'
import { isAlive, isDaemonFor } from '../host/process-probe.js'

/** How long a SIGKILLed process may take to disappear. */
const KILL_WAIT_MS = 5000

export interface StopRequest {
  dataDir: string
  socketPath: string
  pidFile: string
  /** Per control request and for the whole wait (global --timeout). */
  timeoutMs: number
  /** SIGKILL the broker if it has not exited within the timeout. */
  force: boolean
}

/** `mqttctl stop --json`. */
export interface StopResult {
  /** The broker's pid; null when none was running. */
  pid: number | null
  stopped_in_ms: number | null
  already_stopped: boolean
  /** True when the broker had to be killed (--force). */
  forced: boolean
}

export interface StopUi {
  note (message: string): void
  progress (message: string): void
}

export async function stopDaemon (req: StopRequest, ui: StopUi): Promise<StopResult> {
  const started = Date.now()
  const pid = await requestStop(req, ui)
  if (pid === null) return { pid: null, stopped_in_ms: null, already_stopped: true, forced: false }

  ui.progress(`stopping mqttd (pid ${pid})…`)
  const deadline = started + req.timeoutMs
  const exited = await pollUntil(deadline, () => (isAlive(pid) ? undefined : true))
  if (exited === true) {
    cleanUpAfter(req, pid)
    return { pid, stopped_in_ms: Date.now() - started, already_stopped: false, forced: false }
  }
  if (!req.force) {
    throw new CliFailure(`the broker (pid ${pid}) is still running ${req.timeoutMs / 1000}s after the stop request; ` +
      'wait longer with --timeout, or kill it with --force', ExitCode.Timeout, 'TIMEOUT')
  }
  ui.note(`the broker (pid ${pid}) did not exit within ${req.timeoutMs / 1000}s: sending SIGKILL`)
  try {
    process.kill(pid, 'SIGKILL')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
  const killed = await pollUntil(Date.now() + KILL_WAIT_MS, () => (isAlive(pid) ? undefined : true))
  if (killed !== true) throw new CliFailure(`the broker (pid ${pid}) survived SIGKILL for ${KILL_WAIT_MS / 1000}s`, ExitCode.Internal, 'KILL_FAILED')
  cleanUpAfter(req, pid)
  return { pid, stopped_in_ms: Date.now() - started, already_stopped: false, forced: true }
}

/** Sends the stop request (or SIGTERM); resolves with the pid to wait for, or null if none runs. */
async function requestStop (req: StopRequest, ui: StopUi): Promise<number | null> {
  let unanswered: ControlClientError | undefined
  try {
    const client = await ControlClient.connect(req.socketPath, req.timeoutMs)
    try {
      return (await client.request('node.stop', {}, req.timeoutMs)).pid
    } finally {
      client.close()
    }
  } catch (err) {
    if (!(err instanceof ControlClientError) || (err.kind !== 'unavailable' && err.kind !== 'timeout')) throw err
    unanswered = err
  }

  const holder = readPidFile(req.pidFile)
  if (holder !== null && isDaemonFor(holder, req.dataDir)) {
    ui.note(`the broker (pid ${holder}) does not answer on ${req.socketPath} (${unanswered.message}): sending SIGTERM`)
    try {
      process.kill(holder, 'SIGTERM')
      return holder
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPERM') throw new CliFailure(`not allowed to signal pid ${holder}`, ExitCode.Permission, 'PERMISSION_DENIED')
      // ESRCH: it exited in between.
    }
  }
  if (unanswered.kind === 'timeout') {
    throw new CliFailure(`something accepts connections on ${req.socketPath} but does not answer, and no broker pid is known: ` +
      'stop it by hand', ExitCode.Timeout, 'TIMEOUT')
  }
  if (holder !== null) {
    removeStalePidFile(req.pidFile)
    ui.note(`removed the stale pid file ${req.pidFile} (pid ${holder} is not a running broker)`)
  }
  if (removeStaleSocket(req.socketPath)) ui.note(`removed the stale control socket ${req.socketPath}`)
  return null
}

/** A broker that exited cleanly removed its files; one that was killed or crashed could not. */
function cleanUpAfter (req: StopRequest, pid: number): void {
  if (readPidFile(req.pidFile) === pid) removeStalePidFile(req.pidFile)
  // Its owner has exited, so nothing answers on a socket file still there.
  removeStaleSocket(req.socketPath)
}

/** `stopped (pid 4242) in 0.3s`, `killed (pid 4242) after 10.0s`, `already stopped`. */
export function describeStop (r: StopResult): string {
  if (r.already_stopped || r.pid === null) return 'already stopped'
  return r.forced ? `killed (pid ${r.pid}) after ${elapsed(r.stopped_in_ms ?? 0)}` : `stopped (pid ${r.pid}) in ${elapsed(r.stopped_in_ms ?? 0)}`
}
