/**
 * An invalid configuration found by the CLI before it starts anything (exit 78).
 *
 * oclif would print it as one error paragraph wrapped at the terminal width, which splits key
 * names and messages across lines; a configuration can have several problems, each of which must
 * stay greppable. So the command prints the problems itself, one per line, in the same form as
 * `mqttctl start --foreground` does (`mqttctl: invalid configuration: <file>: <key>: <problem>`),
 * and oclif is told not to print it again (`skipOclifErrorHandling`). Under --json the error
 * document carries the same lines in its message.
 */
import { CliFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

export class ConfigFailure extends CliFailure {
  /** Read by oclif's error handler: the command has reported this error already. */
  override skipOclifErrorHandling = true

  constructor (readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`, ExitCode.Config, 'CONFIG_INVALID')
  }

  /** Writes one `mqttctl: invalid configuration: …` line per problem to stderr. */
  report (): void {
    for (const p of this.problems) process.stderr.write(`mqttctl: invalid configuration: ${p}\n`)
  }
}
