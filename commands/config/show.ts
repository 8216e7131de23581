import { Args } from '@oclif/core'
import { BaseCommand } from '../../src/cli/base-command.js'
import { configShowView, type ConfigShowResult, type ConfigValue } from '../../src/cli/views/config-show.js'

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
    return this.view(configShowView)
  }
}
