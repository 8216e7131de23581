/**
 * An invalid configuration found by the CLI before it starts anything (exit 78).
 *
 * oclif would print it as one error paragraph wrapped at the terminal width, which splits key
 * names and messages across lines; a configuration can have several problems, each of which must
 * stay greppable. So it is a LineFailure: the problems are printed one per line, in the same form as
 * `mqttctl start --foreground` does (`mqttctl: invalid configuration: <file>: <key>: <problem>`). Under --json the error
 * document carries the same lines in its message.
 */
import { LineFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

export class ConfigFailure extends LineFailure {
  constructor (readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`, problems.map((p) => `invalid configuration: ${p}`), ExitCode.Config, 'CONFIG_INVALID')
  }
}
