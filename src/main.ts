/**
 * Broker process glue: configuration → logger → data directory → `Broker.start()`, then SIGINT/SIGTERM
 * (or `node.stop` on the control socket) → `Broker.close()`. `runForeground` is
 * `mqttctl start --foreground` (logs to stderr); `serve` is the part it shares with the daemon
 * (src/daemon.ts), which brings its own logger (a rotated file) and pid file.
 *
 * This is the translation point for start-up failures: each becomes one clear line
 * and an exit code (sysexits, from the error catalog src/errors/catalog.ts), never a stack trace. A configuration problem is printed as plain
 * text before the logger exists; everything after goes through the logger. A first signal closes the
 * broker gracefully; a second one while that is under way exits at once with 130. SIGHUP reloads
 * (src/reload.ts: live keys of the config file, TLS certificates, the log file); it is caught from
 * the moment the broker is created, so that one arriving while it starts or stops is logged and
 * ignored rather than ending the process.
 */

import { getSystemErrorMap } from 'node:util'

import { Broker } from './broker.js'
import { ConfigError } from './config/errors.js'
import { exposureNotes } from './config/exposure.js'
import { loadConfigWithSource, type ConfigOverrides, type LoadedConfig } from './config/load.js'
import type { Config } from './config/types.js'
import { formatProblem, preflight } from './config/preflight.js'
import { ExitCode, exitCodeOf } from './errors/catalog.js'
import { readyDataDir } from './host/data-dir-ready.js'
import { createLogger, type Logger } from './log.js'
import { BrokerError } from './protocol/errors.js'

/** What `mqttctl start --foreground` passes on. */
export interface ForegroundOptions {
  configFile?: string
  port?: number
  host?: string
  /** --cluster: replaces `cluster.redis` only. */
  clusterRedis?: string
  /** --node-name: replaces `node_name`. */
  nodeName?: string
  dataDir?: string
}

/** Runs the broker in this process until SIGINT/SIGTERM; resolves with the process exit code. */
export async function runForeground (opts: ForegroundOptions): Promise<number> {
  let loaded: LoadedConfig
  try {
    loaded = await loadConfigWithSource({ ...(opts.configFile === undefined ? {} : { file: opts.configFile }), overrides: overrides(opts) })
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      process.stderr.write(`mqttctl: cannot load the configuration: ${err instanceof Error ? err.message : String(err)}\n`)
      return ExitCode.Internal
    }
    for (const line of err.message.split('\n')) process.stderr.write(`mqttctl: invalid configuration: ${line}\n`)
    return exitCodeOf(err.code)
  }
  const { config } = loaded
  const problems = await preflight(config)
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`mqttctl: ${formatProblem(p, opts.configFile)}\n`)
    return exitCodeOf(problems.every((p) => p.permission) ? 'PERMISSION_DENIED' : 'CONFIG_INVALID')
  }
  const dirProblem = await readyDataDir(config.data_dir)
  if (dirProblem !== undefined) {
    process.stderr.write(`mqttctl: ${dirProblem.message}\n`)
    return dirProblem.permission ? ExitCode.Permission : ExitCode.Internal
  }

  return serve(loaded, createLogger(config.log_level))
}

/**
 * Runs a broker with a loaded configuration until it is stopped (signal or `node.stop`); resolves
 * with the process exit code: 0 after a clean stop, 70/77/78 when it could not start (the reason
 * is logged as fatal). Once it listens, who can reach it is logged (src/config/exposure.ts).
 * SIGHUP and `mqttctl reload` read again what `loaded.source` names; `reopenLog` reopens the log file then.
 */
export async function serve (loaded: LoadedConfig, logger: Logger, reopenLog?: () => void): Promise<number> {
  const dirProblem = await readyDataDir(loaded.config.data_dir)
  if (dirProblem !== undefined) {
    logger.fatal(dirProblem.message)
    return dirProblem.permission ? ExitCode.Permission : ExitCode.Internal
  }

  const broker = new Broker(loaded.config, { logger, source: loaded.source, ...(reopenLog === undefined ? {} : { reopenLog }) })
  const onHangup = (): void => {
    // The reload logs what it did, and why it refused.
    broker.reload('SIGHUP').catch((err: unknown) => {
      if (!(err instanceof ConfigError)) logger.warn(`SIGHUP ignored: ${err instanceof Error ? err.message : String(err)}`)
    })
  }
  process.on('SIGHUP', onHangup)
  try {
    return await run(broker, loaded, logger)
  } finally {
    process.off('SIGHUP', onHangup)
  }
}

async function run (broker: Broker, { config, defaulted }: LoadedConfig, logger: Logger): Promise<number> {
  try {
    await broker.start()
  } catch (err) {
    logger.fatal({ err }, describeStartError(err, config))
    await broker.close().catch((closeErr: unknown) => logger.warn({ err: closeErr }, 'close after failed start failed'))
    return startExitCode(err)
  }

  logger.info({ version: broker.version, node_name: config.node_name, data_dir: config.data_dir }, 'broker started')
  for (const l of broker.listeners) {
    const where = `${l.type} ${l.host}:${l.port}${l.path ?? ''}`
    logger.info({ type: l.type, host: l.host, port: l.port, path: l.path }, `listening on ${where}`)
  }
  for (const note of exposureNotes(broker.listeners, config.allow_anonymous, defaulted)) logger[note.level](note.message)
  return closeOnSignal(broker, logger)
}

function overrides (opts: ForegroundOptions): ConfigOverrides {
  return {
    ...(opts.port === undefined ? {} : { port: opts.port }),
    ...(opts.host === undefined ? {} : { host: opts.host }),
    ...(opts.clusterRedis === undefined ? {} : { cluster_redis: opts.clusterRedis }),
    ...(opts.nodeName === undefined ? {} : { node_name: opts.nodeName }),
    ...(opts.dataDir === undefined ? {} : { data_dir: opts.dataDir }),
  }
}

/** Resolves once the broker has closed after the first SIGINT/SIGTERM; a second signal exits at once. */
function closeOnSignal (broker: Broker, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    let closing = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) {
        logger.warn({ signal }, 'second signal while closing: exiting now')
        process.exit(ExitCode.Interrupted)
      }
      closing = true
      logger.info({ signal }, 'closing')
      broker.close().then(
        () => finish(ExitCode.Ok),
        (err: unknown) => {
          logger.error({ err }, 'close failed')
          finish(ExitCode.Internal)
        }
      )
    }
    const finish = (code: number): void => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      if (code === ExitCode.Ok) logger.info('closed')
      resolve(code)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    // `mqttctl stop` arrives over the control socket and takes the same graceful path.
    broker.onStopRequested = () => { if (!closing) onSignal('SIGTERM') }
  })
}

/** The exit code of a failed start: its catalog entry's for a coded broker error, else 70. */
function startExitCode (err: unknown): number {
  return err instanceof ConfigError || err instanceof BrokerError ? exitCodeOf(err.code) : ExitCode.Internal
}

/**
 * `listener mqtt 0.0.0.0:1883: address already in use` for a bind failure. The failing listener is
 * found by the port (and address) that Node reports on the error or on its `cause`.
 */
function describeStartError (err: unknown, config: Config): string {
  const bind = findBindError(err)
  if (bind === undefined) return `broker failed to start: ${err instanceof Error ? err.message : String(err)}`
  const candidates = config.listeners.filter((l) => l.port === bind.port)
  const listener = candidates.find((l) => l.host === bind.address) ?? candidates[0]
  const where =
    listener === undefined
      ? `${bind.address ?? '?'}:${bind.port}`
      : `${listener.type} ${listener.host}:${listener.port}${listener.type === 'ws' || listener.type === 'wss' ? listener.path : ''}`
  return `listener ${where}: ${systemReason(bind)}`
}

type BindError = NodeJS.ErrnoException & { address?: string; port: number }

function findBindError (err: unknown): BindError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (typeof (e as Partial<BindError>).port === 'number') return e as BindError
  }
  return undefined
}

/** `address already in use`, from the error's errno; the error's message when it has none. */
function systemReason (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const { errno } = err as NodeJS.ErrnoException
  return (errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1]) ?? err.message
}
