import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../src/control/schema.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { ControlClientError } from '../../src/control/client.js'
import { ControlErrorCode } from '../../src/control/schema.js'

export type ConfigSetResult = Methods['config.set']['result']

/** A config value as a line of output: text as is, everything else as JSON. */
function show (value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? 'unset'
}

export default class ConfigSet extends BaseCommand<typeof ConfigSet> {
  static override summary = 'Change a configuration key of the running broker.'
  static override description = `Only live keys change at run time ("mqttctl config show" marks them); the value is checked by the same rules as the config file. Settings negotiated at CONNECT (max_packet_size, max_inflight, max_keepalive, topic_alias_maximum) apply to connections made after the change. The change is not written to the config file: without --persist it lasts until the broker restarts; with --persist it is also saved in the data dir's store and applied over the config file at every start (mqttctl reset --settings drops saved settings; config show marks them).

VALUE is read as JSON when it parses (200, true, "text"), else as text (debug).

Prints "max_inflight: 100 → 200 (live)" (or "(live, saved)"). With --json: {key, previous, value, persisted}.

Exit codes: 0 changed, 65 unknown key or a key that needs a restart (edit the config file and restart), 69 broker not running, 78 invalid value (the message names the key and the rule).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> max_inflight 200',
    '<%= config.bin %> <%= command.id %> log_level debug',
    '<%= config.bin %> <%= command.id %> allow_anonymous false --json',
    '<%= config.bin %> <%= command.id %> max_queued_messages 5000 --persist',
  ]

  static override flags = {
    persist: Flags.boolean({ summary: 'Also save the value, so that it applies at every start (over the config file).' }),
  }

  static override args = {
    key: Args.string({ required: true, description: 'Configuration key (snake_case, as in the config file).' }),
    value: Args.string({ required: true, description: 'New value.' }),
  }

  async run (): Promise<ConfigSetResult> {
    const { key, value } = this.args
    const control = await this.control()
    let res: ConfigSetResult
    try {
      res = await control.request('config.set', { key, value, persist: this.flags.persist }, this.timeoutMs)
    } catch (err) {
      // Local mapping: a value the schema rejects is a configuration error (78), not bad data.
      if (err instanceof ControlClientError && err.kind === 'remote') {
        switch (err.code) {
          case ControlErrorCode.Invalid:
            return this.fail(`invalid value for ${err.message.startsWith(`${key}:`) ? err.message : `${key}: ${err.message}`}`, ExitCode.Config, err.code)
          case ControlErrorCode.RestartRequired:
            return this.fail(err.message, ExitCode.DataError, err.code, ['edit the config file, then restart the broker'])
          case ControlErrorCode.NotFound:
            return this.fail(err.message, ExitCode.DataError, err.code, ['"mqttctl config show" lists the keys'])
        }
      }
      throw err
    }
    this.log(`${res.key}: ${show(res.previous)} → ${show(res.value)} (live${this.flags.persist ? ', saved' : ''})`)
    if (!this.flags.persist) this.note('not saved: the change lasts until the broker restarts (--persist saves it)')
    return res
  }
}
