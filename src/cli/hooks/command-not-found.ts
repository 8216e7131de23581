/**
 * oclif's `command_not_found` hook (package.json `oclif.hooks`): oclif calls it when the words of a
 * command line name no command. Either they begin with a command that takes no arguments
 * (`status extra`: a usage error naming `mqttctl status`), or they name nothing, and the error
 * offers the nearest commands (src/cli/usage-errors.ts). Both exit 64; with --json (or
 * MQTTCTL_CONTENT_TYPE=json) the error is the usual JSON document on stdout.
 *
 * Not @oclif/plugin-not-found: it exits 127 (our usage errors are 64), on a terminal it offers to
 * run its guess at once (a typo of `reste` would run `reset`), and it reports `status extra` as
 * the unknown command `status extra`.
 */
import type { Hook, Interfaces } from '@oclif/core'
import { type CliFailure, errorJson } from '../base-command.js'
import { typedCommand, unexpectedArguments, unknownCommand } from '../usage-errors.js'

const hook: Hook.CommandNotFound = async function (opts) {
  const failure = mistake(opts.id, opts.config)
  // No command runs, so oclif's --json handling does not either: print the error document here.
  const argv = opts.argv ?? []
  const end = argv.indexOf('--')
  if ((end === -1 ? argv : argv.slice(0, end)).includes('--json') || opts.config.scopedEnvVar('CONTENT_TYPE') === 'json') {
    process.stdout.write(JSON.stringify(errorJson(failure), null, 2) + '\n')
    this.exit(failure.exitCode)
  }
  throw failure
}

function mistake (id: string, config: Interfaces.Config): CliFailure {
  const words = id.split(':')
  for (let n = words.length - 1; n > 0; n--) {
    const command = config.findCommand(words.slice(0, n).join(':'))
    if (command !== undefined) return unexpectedArguments(command.id, Object.keys(command.args ?? {}), words.slice(n))
  }
  const visible = config.commands.filter((c) => c.hidden !== true).flatMap((c) => [c.id, ...c.aliases]).map(typedCommand)
  const topic = config.findTopic(words[0]!) === undefined ? null : words[0]!
  return unknownCommand(id, visible, topic)
}

export default hook
