import { Args } from '@oclif/core'
import type { Methods } from '../../src/control/schema.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { chalk } from '../../src/cli/output.js'

export type ConfigShowResult = Methods['config.show']['result']
/** `config show KEY --json`. */
export interface ConfigValue { key: string; value: unknown; live: boolean }

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static override summary = 'Show the running configuration, or one key of it.'
  static override description = `The configuration the broker runs with (file, defaults and changes made with "config set"), as YAML: one "key: value" line per key, with "# live" after the keys that "mqttctl config set" can change without a restart.

Keys saved with "config set --persist" are marked "# live, saved": their saved value applies over the file at every start.

With KEY, only its value. With --json: {config, live_keys, persisted}, or {key, value, live} for one KEY.

Exit codes: 0 ok, 65 unknown key, 69 broker not running.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> max_inflight',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  static override args = {
    key: Args.string({ required: false, description: 'One configuration key (snake_case, as in the config file).' }),
  }

  async run (): Promise<ConfigShowResult | ConfigValue> {
    const control = await this.control()
    const res = await control.request('config.show', {}, this.timeoutMs)
    const { stringify } = await import('yaml')
    const { key } = this.args
    if (key !== undefined) {
      if (!Object.hasOwn(res.config, key)) {
        this.fail(`unknown configuration key '${key}'`, ExitCode.DataError, 'NOT_FOUND', [`known keys: ${Object.keys(res.config).join(', ')}`])
      }
      const one: ConfigValue = { key, value: res.config[key], live: res.live_keys.includes(key) }
      if (this.jsonEnabled()) return one
      this.log(one.value !== null && typeof one.value === 'object' ? stringify(one.value).trimEnd() : String(one.value))
      return one
    }
    if (this.jsonEnabled()) return res

    const lines: string[] = []
    for (const [k, v] of Object.entries(res.config)) {
      const text = stringify({ [k]: v }).trimEnd()
      if (!res.live_keys.includes(k)) { lines.push(text); continue }
      const [first, ...rest] = text.split('\n')
      lines.push(`${first}  ${chalk.dim(res.persisted.includes(k) ? '# live, saved' : '# live')}`, ...rest)
    }
    this.log(lines.join('\n'))
    this.note('# live: can change at run time with "mqttctl config set KEY VALUE"; the others need a restart. # saved: set with --persist, applied over the config file at every start')
    return res
  }
}
