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
import { type PreflightProblem, formatProblem } from '../config/preflight.js'
import { ExitCode } from './exit-codes.js'

export class ConfigFailure extends LineFailure {
  constructor (readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`, problems.map((p) => `invalid configuration: ${p}`), ExitCode.Config, 'CONFIG_INVALID')
  }
}

/** The problems `preflight` found (src/config/preflight.ts): exit 77 when all are permission problems, else 78. */
export function preflightFailure (problems: readonly PreflightProblem[], file: string | undefined): LineFailure {
  const lines = problems.map((p) => formatProblem(p, file))
  const permission = problems.every((p) => p.permission)
  return new LineFailure(lines.join('; '), lines, permission ? ExitCode.Permission : ExitCode.Config, permission ? 'PERMISSION_DENIED' : 'CONFIG_INVALID')
}
