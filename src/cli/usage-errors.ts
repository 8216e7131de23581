/**
 * Usage errors about the command line itself, worded with the command as the user typed it
 * (`mqttctl client list`, never oclif's internal id `client:list`), exit 64:
 * - an unknown command, with a "did you mean" (src/cli/hooks/command-not-found.ts);
 * - arguments a command does not take: oclif folds words after a command without arguments into
 *   the id it looks up (`status extra` → `status:extra`, "not found"), and reports too many for
 *   a command with arguments as "Unexpected argument: b" without naming the command.
 */
import { closest, distance } from 'fastest-levenshtein'
import { CliFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

/** `client:list` → `client list`. */
export const typedCommand = (id: string): string => id.split(':').join(' ')

const quoteList = (words: readonly string[]): string => words.map((w) => `'${w}'`).join(', ')

/** `mqttctl status takes no arguments, but was given 'extra'`. */
export function unexpectedArguments (id: string, argNames: readonly string[], extra: readonly string[]): CliFailure {
  const command = `mqttctl ${typedCommand(id)}`
  const takes = argNames.length === 0
    ? 'takes no arguments, but was given'
    : `takes ${argNames.length === 1 ? '1 argument' : `${argNames.length} arguments`} (${argNames.map((a) => a.toUpperCase()).join(' ')}), but was also given`
  return new CliFailure(`${command} ${takes} ${quoteList(extra)}`, ExitCode.Usage, 'UNEXPECTED_ARGUMENT', [`${command} --help`])
}

/**
 * Commands the user may have meant by `typed` (words joined by spaces): those whose words all
 * begin with the typed ones (`sub list` → `subscription list`), else the nearest by edit distance
 * when it is near enough to be a typo (at most 2 edits, or a third of the length for long names).
 */
export function didYouMean (typed: string, commands: readonly string[]): string[] {
  const words = typed.split(' ')
  const byPrefix = commands.filter((c) => {
    const parts = c.split(' ')
    return parts.length === words.length && parts.every((p, i) => p.startsWith(words[i]!))
  })
  if (byPrefix.length > 0) return byPrefix.slice(0, 3)
  if (commands.length === 0) return []
  const best = closest(typed, [...commands])
  return distance(typed, best) <= Math.max(2, Math.floor(typed.length / 3)) ? [best] : []
}

/** `'stats' is not a mqttctl command; did you mean 'mqttctl state'?` */
export function unknownCommand (id: string, commands: readonly string[], topic: string | null): CliFailure {
  const typed = typedCommand(id)
  const guesses = didYouMean(typed, commands)
  const guess = guesses.length === 0 ? '' : `; did you mean ${guesses.map((g) => `'mqttctl ${g}'`).join(' or ')}?`
  const help = topic === null ? 'mqttctl --help lists every command' : `mqttctl ${typedCommand(topic)} --help lists its commands`
  return new CliFailure(`'${typed}' is not a mqttctl command${guess}`, ExitCode.Usage, 'UNKNOWN_COMMAND', [help])
}
