/**
 * `mqttctl config show [KEY]`: the running configuration as YAML, live keys marked, or one key's
 * value.
 */
import type { Methods } from '../../control/schema.js'
import { ExitCode } from '../exit-codes.js'
import { chalk } from '../output.js'
import { ViewFailure, type ViewIo } from './view.js'

export type ConfigShowResult = Methods['config.show']['result']
/** `config show KEY --json`. */
export interface ConfigValue { key: string; value: unknown; live: boolean }

export async function configShowView (io: ViewIo<object>): Promise<ConfigShowResult | ConfigValue> {
  const res = await io.request('config.show', {})
  const { stringify } = await import('yaml')
  const { key } = io.args
  if (key !== undefined) {
    if (!Object.hasOwn(res.config, key)) {
      throw new ViewFailure(`unknown configuration key '${key}'`, ExitCode.DataError, 'NOT_FOUND', [`known keys: ${Object.keys(res.config).join(', ')}`])
    }
    const one: ConfigValue = { key, value: res.config[key], live: res.live_keys.includes(key) }
    if (io.json) return one
    io.log(one.value !== null && typeof one.value === 'object' ? stringify(one.value).trimEnd() : String(one.value))
    return one
  }
  if (io.json) return res

  const lines: string[] = []
  for (const [k, v] of Object.entries(res.config)) {
    const text = stringify({ [k]: v }).trimEnd()
    if (!res.live_keys.includes(k)) { lines.push(text); continue }
    const [first, ...rest] = text.split('\n')
    lines.push(`${first}  ${chalk.dim(res.persisted.includes(k) ? '# live, saved' : '# live')}`, ...rest)
  }
  io.log(lines.join('\n'))
  io.note('# live: can change at run time with "mqttctl config set KEY VALUE"; the others need a restart. # saved: set with --persist, applied over the config file at every start')
  return res
}
