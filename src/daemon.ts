/**
 * The daemon entry: `node dist/src/daemon.js --data-dir DIR [--config FILE] [--port N] [--host H]
 * [--node-name NAME]`, with `MQTTD_CLUSTER_REDIS=URL` in its environment for `--cluster URL`
 * (a Redis URL may hold a password: `ps` shows every user a command line, not an environment).
 *
 * `mqttctl start` (src/cli/daemon-start.ts) spawns this file detached, with stdio on /dev/null and
 * the data directory as working directory, after validating the configuration itself. Here:
 *   1. load the configuration (with the same overrides the CLI validated);
 *   2. open the log, `<data_dir>/broker.log`, size-rotated (src/log.ts#createRotatingLogger);
 *   3. claim the pid file `<data_dir>/mqttctl.pid` atomically (src/host/pid-file.ts): a file left by a
 *      crash, or naming a pid now used by another program, is replaced; one naming a live daemon of
 *      this data directory makes this process exit 70 instead of running a second broker;
 *   4. run the broker exactly as `--foreground` does (src/main.ts#serve) until `node.stop` or
 *      SIGTERM/SIGINT; SIGHUP reloads, and reopens the log file (logrotate moves it, then signals);
 *   5. remove the pid file (only if it still names this process), flush the log, exit with serve's
 *      code. Uncaught errors are logged as fatal and take the same path with 70.
 * Every failure is written to the log file, the only place an operator (and `mqttctl start`, which
 * prints the last lines of a daemon that died while booting) can see it. The command line keeps
 * `--data-dir` as the argument after this file's path: `isDaemonFor` (src/host/process-probe.ts)
 * recognises the daemon of a data directory by it.
 */
import { isAbsolute } from 'node:path'
import { parseArgs } from 'node:util'

import { LOG_ROTATION, logFilePathIn, pidFilePathIn } from './host/data-dir.js'
import { PidFileHeldError, claimPidFile, releasePidFile } from './host/pid-file.js'
import { isDaemonFor } from './host/process-probe.js'
import { ConfigError } from './config/errors.js'
import { type LoadedConfig, loadConfigWithSource } from './config/load.js'
import { createRotatingLogger } from './log.js'
import { serve } from './main.js'
import { ExitCode, exitCodeOf } from './errors/catalog.js'

interface DaemonArgs {
  dataDir: string
  configFile?: string
  port?: number
  host?: string
  clusterRedis?: string
  nodeName?: string
}

/** The daemon's arguments, or a reason why they are unusable (a bug in the caller: it is mqttctl). */
function parseDaemonArgs (argv: string[]): DaemonArgs | string {
  let values: { 'data-dir'?: string; config?: string; port?: string; host?: string; 'node-name'?: string }
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'node-name': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
  const dataDir = values['data-dir']
  if (dataDir === undefined || !isAbsolute(dataDir)) return '--data-dir must be an absolute path'
  const clusterRedis = process.env.MQTTD_CLUSTER_REDIS
  delete process.env.MQTTD_CLUSTER_REDIS
  const port = values.port === undefined ? undefined : Number(values.port)
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) return `--port ${values.port}: not a port`
  return {
    dataDir,
    ...(values.config === undefined ? {} : { configFile: values.config }),
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(clusterRedis === undefined || clusterRedis === '' ? {} : { clusterRedis }),
    ...(values['node-name'] === undefined ? {} : { nodeName: values['node-name'] }),
  }
}

async function runDaemon (args: DaemonArgs): Promise<number> {
  let loaded: LoadedConfig | undefined
  let configFailure: unknown
  try {
    loaded = await loadConfigWithSource({
      ...(args.configFile === undefined ? {} : { file: args.configFile }),
      overrides: {
        data_dir: args.dataDir,
        ...(args.port === undefined ? {} : { port: args.port }),
        ...(args.host === undefined ? {} : { host: args.host }),
        ...(args.clusterRedis === undefined ? {} : { cluster_redis: args.clusterRedis }),
        ...(args.nodeName === undefined ? {} : { node_name: args.nodeName }),
      },
    })
  } catch (err) {
    configFailure = err
  }

  const log = createRotatingLogger(loaded?.config.log_level ?? 'info', logFilePathIn(args.dataDir), LOG_ROTATION)
  const logger = log.logger
  if (loaded === undefined) {
    if (configFailure instanceof ConfigError) {
      for (const line of configFailure.message.split('\n')) logger.fatal(`invalid configuration: ${line}`)
    } else {
      logger.fatal({ err: configFailure }, 'cannot load the configuration')
    }
    await log.close()
    return configFailure instanceof ConfigError ? exitCodeOf(configFailure.code) : ExitCode.Internal
  }

  const pidFile = pidFilePathIn(args.dataDir)
  const finish = async (code: number): Promise<number> => {
    releasePidFile(pidFile, process.pid)
    await log.close()
    return code
  }
  try {
    const replaced = await claimPidFile(pidFile, process.pid, (holder) => !isDaemonFor(holder, args.dataDir))
    if (replaced !== null) logger.warn({ stale_pid: replaced }, `replaced the stale pid file ${pidFile} (pid ${replaced} is not a running broker)`)
  } catch (err) {
    if (err instanceof PidFileHeldError) logger.fatal(`another broker (pid ${err.pid}) is running on ${args.dataDir}`)
    else logger.fatal({ err }, `cannot write the pid file ${pidFile}`)
    await log.close()
    return ExitCode.Internal
  }
  // process.exit() paths (a second signal while closing) skip `finish`: never leave our pid behind.
  process.on('exit', () => { releasePidFile(pidFile, process.pid) })
  const crash = (err: unknown): void => {
    logger.fatal({ err }, 'uncaught error: the broker stops')
    void finish(ExitCode.Internal).then((code) => process.exit(code))
  }
  process.on('uncaughtException', crash)
  process.on('unhandledRejection', crash)

  logger.info({ data_dir: args.dataDir }, 'daemon starting')
  return finish(await serve(loaded, logger, log.reopen))
}

const args = parseDaemonArgs(process.argv.slice(2))
if (typeof args === 'string') {
  process.stderr.write(`mqttd daemon: ${args}\n`)
  process.exit(ExitCode.Usage)
}
// Exit explicitly: the broker is closed and the log flushed, whatever timers a library left behind.
process.exit(await runDaemon(args))
