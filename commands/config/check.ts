/**
 * `mqttctl config check FILE`: everything `start` checks before it spawns a broker
 * (src/config/load.ts, then src/config/preflight.ts), without starting one: an "ok" summary and
 * exit 0, or every problem, one per line, and exit 78 (77 when all are permission problems).
 */
import { Args } from '@oclif/core'

import { BaseCommand } from '../../src/cli/base-command.js'
import { probeBroker } from '../../src/cli/broker-probe.js'
import { socketPathIn } from '../../src/host/data-dir.js'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { ConfigError } from '../../src/config/errors.js'
import { loadConfig } from '../../src/config/load.js'
import { type PreflightProblem, formatProblem, preflight } from '../../src/config/preflight.js'
import type { Config } from '../../src/config/types.js'

/** `config check --json`. */
export interface ConfigCheckResult {
  ok: boolean
  file: string
  /** null when the file does not load. */
  data_dir: string | null
  listeners: Array<{ type: string; host: string; port: number }>
  /** Every problem, each with its key; `permission`: this user may not read or write something. */
  problems: PreflightProblem[]
}

export default class ConfigCheck extends BaseCommand<typeof ConfigCheck> {
  static override summary = 'Check a config file as start would, without starting anything.'
  static override description = `Loads FILE and validates every key, then checks what a start needs beyond valid keys: the data directory can be created or used (read, write), the TLS files (cert, key, ca) can be read, the certificate and key parse and belong together, every listener's host resolves and its port can be bound (a port held by the broker already running on that data directory counts as free: restart would release it). start and restart run the same checks before they spawn or stop anything.

--data-dir replaces the file's data_dir, as for start. With --json: {ok, file, data_dir, listeners, problems: [{key, message, permission}]}.

Exit codes: 0 ok, 78 problems (each printed on its own line, naming its key), 77 when every problem is a permission one.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /etc/mqttd/broker.yaml',
    '<%= config.bin %> <%= command.id %> broker.yaml --json',
  ]

  static override args = {
    file: Args.string({ required: true, description: 'The config file (YAML or JSON).' }),
  }

  async run (): Promise<ConfigCheckResult> {
    const { file } = this.args
    const dataDirFlag = this.flags['data-dir']
    const result: ConfigCheckResult = { ok: false, file, data_dir: null, listeners: [], problems: [] }
    let config: Config | undefined
    try {
      config = await loadConfig({ file, overrides: dataDirFlag === undefined ? {} : { data_dir: dataDirFlag } })
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      result.problems = err.issues.map((i) => ({ key: i.path, message: i.message, permission: false }))
    }
    if (config !== undefined) {
      result.data_dir = config.data_dir
      result.listeners = config.listeners.map((l) => ({ type: l.type, host: l.host, port: l.port }))
      const running = await probeBroker(socketPathIn(config.data_dir), this.timeoutMs).catch(() => null)
      result.problems = await preflight(config, new Set(running?.listeners.map((l) => l.port)))
    }
    result.ok = result.problems.length === 0
    if (!result.ok) {
      process.exitCode = result.problems.every((p) => p.permission) ? ExitCode.Permission : ExitCode.Config
      if (!this.jsonEnabled()) for (const p of result.problems) process.stderr.write(`mqttctl: ${formatProblem(p, file)}\n`)
      return result
    }
    const listeners = result.listeners.map((l) => `${l.type} ${l.host}:${l.port}`).join(', ')
    this.log(`ok: ${file}: data dir ${result.data_dir ?? ''}, ${result.listeners.length} ${result.listeners.length === 1 ? 'listener' : 'listeners'} (${listeners})`)
    return result
  }
}
