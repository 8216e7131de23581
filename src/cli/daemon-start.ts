/**
 * `mqttctl start` (daemon mode) and the start half of `restart`.
 *
 * 1. `prepareStart` loads and validates the configuration in the CLI, with the command line's
 *    overrides, and checks what the start needs beyond it (src/config/preflight.ts: data directory,
 *    TLS files, hosts, ports), before anything is spawned or stopped: a bad key is exit 78 naming
 *    it (77 for permissions), and `restart` never stops a broker it could not start again.
 * 2. `startDaemon`:
 *    - a broker already answering `node.status` on the control socket → reported, exit 0;
 *    - a pid file naming a live daemon of this data directory that does not answer yet (another
 *      `start` is booting it) → waited for like our own; any other pid file is stale, and the
 *      daemon replaces it (a stale socket file is removed by the broker's control server);
 *    - otherwise spawn `node dist/src/daemon.js --data-dir D [--config F] [--port N] [--host H]
 *      [--node-name NAME]` detached, with --cluster's URL in
 *      MQTTD_CLUSTER_REDIS (never on a command line other users can read) (its own session, stdio on /dev/null, cwd =
 *      data dir) and unref it, so this process can exit;
 *    - poll the control socket (pollUntil: 20 ms doubling to 250 ms) until `node.status` answers →
 *      pid, version, bound listeners (real ports, also for port 0), start time; then what the
 *      configuration leaves open or to defaults (src/config/exposure.ts) as notes on stderr;
 *    - the daemon exiting first → its last log lines (this pid's records, pretty-printed) on stderr,
 *      exit 70 (77/78 when the daemon says so); with not one log line, a full file system of the
 *      data directory is named as the reason (src/host/disk-full.ts); no answer within --wait-timeout → exit 75, the daemon
 *      left running (it may still come up: `mqttctl status`, `mqttctl logs`, `mqttctl stop`).
 */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { ControlClientError } from '../control/client.js'
import type { NodeStatus } from '../control/schema.js'
import { type Defaulted, type ExposureNote, exposureNotes } from '../config/exposure.js'
import type { LoadedConfig } from '../config/load.js'
import { readyDataDir } from '../host/data-dir-ready.js'
import { diskFull } from '../host/disk-full.js'
import { CliFailure, LineFailure, permissionFailure } from './base-command.js'
import { probeBroker } from './broker-probe.js'
import { ConfigFailure, preflightFailure } from './config-failure.js'
import { logFilePathIn, logFilesNewestFirst, pidFilePathIn, socketPathIn } from '../host/data-dir.js'
import { elapsed } from './durations.js'
import { ExitCode, type ExitCodeValue } from './exit-codes.js'
import { readPidFile } from '../host/pid-file.js'
import { pollUntil } from './poll.js'
import { isAlive, isDaemonFor } from '../host/process-probe.js'

/** The daemon's environment variable for --cluster (src/daemon.ts). */
export const CLUSTER_REDIS_ENV = 'MQTTD_CLUSTER_REDIS'
/** The compiled daemon entry, next to this module's directory: dist/src/daemon.js. */
const DAEMON_ENTRY = fileURLToPath(new URL('../daemon.js', import.meta.url))
/** Log lines shown when the daemon dies while booting. */
const BOOT_LOG_LINES = 20

/** What the command line says about the broker to start. */
export interface StartRequest {
  configFile?: string
  port?: number
  host?: string
  /** --cluster: replaces `cluster.redis` only (the file's other cluster keys are kept). */
  clusterRedis?: string
  /** --node-name: replaces `node_name`. */
  nodeName?: string
  /** --data-dir as given (relative to the working directory). */
  dataDir?: string
  /** --socket as given: must be the data directory's socket, the only one a broker listens on. */
  socket?: string
  waitTimeoutMs: number
  /** Per control request (global --timeout). */
  requestTimeoutMs: number
}

/** A validated start: the request, where the broker's files are, and what the start says about its exposure. */
export interface PreparedStart {
  request: StartRequest
  dataDir: string
  socketPath: string
  pidFile: string
  /** For the notes on who can reach the broker, made once it has bound its listeners. */
  exposure: { allowAnonymous: boolean; defaulted: Defaulted }
}

/** A bound listener as `start` reports it. */
export interface ListenerAddress {
  type: string
  host: string
  port: number
  path?: string
}

/** `mqttctl start --json`. */
export interface StartResult {
  pid: number
  version: string
  listeners: ListenerAddress[]
  /** From spawn to the first answer on the control socket; null when it was already running. */
  started_in_ms: number | null
  already_running: boolean
  /** Who can reach the new broker, when the configuration leaves it to defaults or opens it to anonymous clients (src/config/exposure.ts). */
  notes: ExposureNote[]
}

/** Progress reporting: notes go to stderr (not under --json); `progress` updates a spinner. */
export interface StartUi {
  note (message: string): void
  progress (message: string): void
}

/** Loads and validates the configuration with the command line's overrides (ConfigFailure, exit 78, naming each key). */
export async function prepareStart (request: StartRequest): Promise<PreparedStart> {
  const { loadConfigWithSource } = await import('../config/load.js')
  const { ConfigError } = await import('../config/errors.js')
  let loaded: LoadedConfig
  try {
    loaded = await loadConfigWithSource({
      ...(request.configFile === undefined ? {} : { file: request.configFile }),
      overrides: {
        ...(request.dataDir === undefined ? {} : { data_dir: request.dataDir }),
        ...(request.port === undefined ? {} : { port: request.port }),
        ...(request.host === undefined ? {} : { host: request.host }),
        ...(request.clusterRedis === undefined ? {} : { cluster_redis: request.clusterRedis }),
        ...(request.nodeName === undefined ? {} : { node_name: request.nodeName }),
      },
    })
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigFailure(err.message.split('\n'))
    throw err
  }
  const { config } = loaded
  const dataDir = config.data_dir
  const socketPath = socketPathIn(dataDir)
  if (request.socket !== undefined && resolve(request.socket) !== socketPath) {
    throw new CliFailure(`--socket ${request.socket}: a broker always listens on <data dir>/mqttctl.sock (${socketPath}); choose the broker with --data-dir or --config`,
      ExitCode.Usage, 'USAGE')
  }
  const { preflight } = await import('../config/preflight.js')
  // Ports bound by the broker running here are free again once restart has stopped it (or start finds it running).
  const running = await probe(socketPath, request.requestTimeoutMs, true)
  const problems = await preflight(config, new Set(running?.listeners.map((l) => l.port)))
  if (problems.length > 0) throw preflightFailure(problems, request.configFile)
  return { request, dataDir, socketPath, pidFile: pidFilePathIn(dataDir), exposure: { allowAnonymous: config.allow_anonymous, defaulted: loaded.defaulted } }
}

/** Starts the daemon (or finds it running) and waits until it answers; see the module comment. */
export async function startDaemon (prep: PreparedStart, ui: StartUi): Promise<StartResult> {
  const { request, dataDir, socketPath, pidFile } = prep
  await createDataDir(dataDir)

  const running = await probe(socketPath, request.requestTimeoutMs)
  if (running !== null) return result(running, null, true, [])

  const holder = readPidFile(pidFile)
  if (holder !== null && isDaemonFor(holder, dataDir)) {
    ui.note(`a broker (pid ${holder}) is already starting on ${dataDir}; waiting for it`)
    ui.progress(`waiting for mqttd (pid ${holder})…`)
    const status = await waitUntilReady(prep, { pid: holder, exit: () => (isAlive(holder) ? undefined : { code: null, signal: null }) })
    return result(status, null, true, [])
  }
  if (holder !== null) ui.note(`stale pid file ${pidFile} (pid ${holder} is not a running broker): it will be replaced`)

  ui.progress('starting mqttd…')
  const started = Date.now()
  const child = spawn(process.execPath, [DAEMON_ENTRY, '--data-dir', dataDir, ...daemonArgs(request)], {
    detached: true,
    stdio: 'ignore',
    cwd: dataDir,
    // The Redis URL may hold a password: in the environment, not on a command line anyone can read.
    env: request.clusterRedis === undefined ? process.env : { ...process.env, [CLUSTER_REDIS_ENV]: request.clusterRedis },
  })
  let exit: DaemonExit | undefined
  child.once('exit', (code, signal) => { exit = { code, signal } })
  child.once('error', (err) => { exit = { code: null, signal: null, error: err } })
  child.unref()
  if (child.pid === undefined) {
    // spawn() reports its own failure (e.g. EAGAIN) asynchronously through 'error'.
    await new Promise((resolve) => setImmediate(resolve))
    throw new CliFailure(`cannot start the broker process: ${exit?.error?.message ?? 'spawn failed'}`, ExitCode.Internal, 'SPAWN_FAILED')
  }
  const status = await waitUntilReady(prep, { pid: child.pid, exit: () => exit })
  const ours = status.pid === child.pid
  const notes = ours ? exposureNotes(status.listeners, prep.exposure.allowAnonymous, prep.exposure.defaulted) : []
  for (const n of notes) ui.note(n.level === 'warn' ? `warning: ${n.message}` : n.message)
  return result(status, Date.now() - started, !ours, notes)
}

/** How a daemon ended (code/signal from the child process; both null when it was not our child). */
interface DaemonExit {
  code: number | null
  signal: NodeJS.Signals | null
  error?: Error
}

interface Watched {
  pid: number
  exit: () => DaemonExit | undefined
}

/** Polls until the control socket answers; fails if the daemon exits first or the wait times out. */
async function waitUntilReady (prep: PreparedStart, daemon: Watched): Promise<NodeStatus> {
  const { request, socketPath } = prep
  const deadline = Date.now() + request.waitTimeoutMs
  const outcome = await pollUntil<NodeStatus | DaemonExit>(deadline, async (remainingMs) => {
    const status = await probe(socketPath, Math.min(request.requestTimeoutMs, remainingMs), true)
    if (status !== null) return status
    return daemon.exit()
  })
  if (outcome === undefined) {
    throw new CliFailure(`the broker (pid ${daemon.pid}) did not answer on ${socketPath} within ${request.waitTimeoutMs / 1000}s; ` +
      'it is left running: see mqttctl logs, mqttctl status, or stop it with mqttctl stop', ExitCode.Timeout, 'TIMEOUT')
  }
  if ('node' in outcome) return outcome
  const logged = await showBootLog(prep.dataDir, daemon.pid)
  const how = outcome.error !== undefined
    ? `could not run (${outcome.error.message})`
    : outcome.signal !== null ? `was killed by ${outcome.signal}` : outcome.code !== null ? `exited with code ${outcome.code}` : 'exited'
  // Not one line logged: the daemon may not have been able to write at all.
  const full = logged ? null : await diskFull(prep.dataDir)
  if (full !== null) {
    const message = `the broker (pid ${daemon.pid}) ${how} while starting: ${full}`
    throw new LineFailure(message, [message], ExitCode.Internal, 'DISK_FULL')
  }
  throw new CliFailure(`the broker (pid ${daemon.pid}) ${how} while starting; the end of ${logFilePathIn(prep.dataDir)} is above`,
    bootExitCode(outcome.code), 'START_FAILED')
}

/** The daemon's own verdict where it is more precise than "internal error". */
function bootExitCode (code: number | null): ExitCodeValue {
  if (code === ExitCode.Config) return ExitCode.Config
  if (code === ExitCode.Permission) return ExitCode.Permission
  return ExitCode.Internal
}

/**
 * The status of a broker answering on `socketPath`, or null. While waiting for a booting daemon
 * (`booting`), a socket that accepts but does not answer in time is "not ready yet", not a failure.
 */
async function probe (socketPath: string, timeoutMs: number, booting = false): Promise<NodeStatus | null> {
  try {
    return await probeBroker(socketPath, timeoutMs)
  } catch (err) {
    if (booting && err instanceof ControlClientError && err.kind === 'timeout') return null
    throw err
  }
}

/** Prints the daemon's last log records (its own pid's; the file's last lines if none match) to stderr; false when there were none. */
async function showBootLog (dataDir: string, pid: number): Promise<boolean> {
  const { open } = await import('node:fs/promises')
  const { tailLogFiles } = await import('./log-tail.js')
  const { formatLogLine } = await import('./log-format.js')
  const { chalkStderr } = await import('chalk')
  const [live, ...rotated] = logFilesNewestFirst(dataDir)
  const handle = await open(live, 'r').catch(() => null)
  let lines: string[] = []
  try {
    const end = handle === null ? 0 : (await handle.stat()).size
    lines = (await tailLogFiles(handle === null ? null : { handle, end }, rotated, 200)).lines
  } finally {
    await handle?.close()
  }
  const own = lines.filter((l) => recordPid(l) === pid)
  const shown = (own.length > 0 ? own : lines).slice(-BOOT_LOG_LINES)
  if (shown.length === 0) {
    process.stderr.write(`(${live} has no lines)\n`)
    return false
  }
  for (const line of shown) process.stderr.write(formatLogLine(line, chalkStderr) + '\n')
  return true
}

/** The `pid` field of a pino record; undefined for anything else. */
function recordPid (line: string): unknown {
  try {
    return (JSON.parse(line) as { pid?: unknown }).pid
  } catch {
    return undefined
  }
}

function daemonArgs (request: StartRequest): string[] {
  return [
    ...(request.configFile === undefined ? [] : ['--config', resolve(request.configFile)]),
    ...(request.port === undefined ? [] : ['--port', String(request.port)]),
    ...(request.host === undefined ? [] : ['--host', request.host]),
    ...(request.nodeName === undefined ? [] : ['--node-name', request.nodeName]),
  ]
}

async function createDataDir (dir: string): Promise<void> {
  const problem = await readyDataDir(dir)
  if (problem === undefined) return
  throw problem.permission ? permissionFailure(problem.message) : new LineFailure(problem.message, [problem.message], ExitCode.Internal, 'DATA_DIR')
}

function result (status: NodeStatus, startedInMs: number | null, alreadyRunning: boolean, notes: ExposureNote[]): StartResult {
  return {
    pid: status.pid,
    version: status.version,
    listeners: status.listeners.map((l) => ({ type: l.type, host: l.host, port: l.port, ...(l.path === undefined ? {} : { path: l.path }) })),
    started_in_ms: alreadyRunning ? null : startedInMs,
    already_running: alreadyRunning,
    notes,
  }
}

/** `started mqttd 0.1.0 (pid 4242) in 1.2s` (or `already running: …`), then one line per listener. */
export function describeStart (r: StartResult): string[] {
  const head = r.already_running || r.started_in_ms === null
    ? `already running: mqttd ${r.version} (pid ${r.pid})`
    : `started mqttd ${r.version} (pid ${r.pid}) in ${elapsed(r.started_in_ms)}`
  return [head, ...r.listeners.map((l) => `${l.type} ${l.host}:${l.port}${l.path ?? ''}`)]
}

/** The StartRequest of `start`/`restart` from their parsed flags (one mapping for both commands). */
export function startRequestFrom (flags: {
  config?: string | undefined
  port?: number | undefined
  host?: string | undefined
  cluster?: string | undefined
  'node-name'?: string | undefined
  'data-dir'?: string | undefined
  socket?: string | undefined
  'wait-timeout'?: number | undefined
}, defaultWaitTimeoutS: number, requestTimeoutMs: number): StartRequest {
  return {
    ...(flags.config === undefined ? {} : { configFile: flags.config }),
    ...(flags.port === undefined ? {} : { port: flags.port }),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.cluster === undefined ? {} : { clusterRedis: flags.cluster }),
    ...(flags['node-name'] === undefined ? {} : { nodeName: flags['node-name'] }),
    ...(flags['data-dir'] === undefined ? {} : { dataDir: flags['data-dir'] }),
    ...(flags.socket === undefined ? {} : { socket: flags.socket }),
    waitTimeoutMs: (flags['wait-timeout'] ?? defaultWaitTimeoutS) * 1000,
    requestTimeoutMs,
  }
}
