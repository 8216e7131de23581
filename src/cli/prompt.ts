/**
 * Confirmation of destructive commands: `--yes` skips the question; on a terminal the
 * user is asked (y/N, on stderr so stdout stays clean); without a terminal, or under `--json`,
 * there is nobody to ask and the command refuses with exit 64 and the suggestion to pass --yes.
 * inquirer is imported only when a question is really asked (start-up cost).
 */
import { CliFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

export interface ConfirmOptions {
  /** `--yes` was given. */
  yes: boolean
  /** `--json` is on (nobody reads a prompt there). */
  json: boolean
  /** The y/N question. */
  question: string
  /** What is refused when nobody can be asked, e.g. `refusing to clear 3 retained messages`. */
  refusal: string
}

/** True to go ahead, false when the user answered no; throws CliFailure (64) when nobody can answer. */
export async function confirmDestructive (opts: ConfirmOptions): Promise<boolean> {
  if (opts.yes) return true
  if (opts.json || process.stdin.isTTY !== true) {
    const why = opts.json ? 'under --json' : 'without a terminal to confirm on'
    throw new CliFailure(`${opts.refusal} ${why}`, ExitCode.Usage, 'CONFIRMATION_REQUIRED', ['pass --yes'])
  }
  const { createPromptModule } = await import('inquirer')
  const prompt = createPromptModule({ output: process.stderr })
  try {
    const answer = await prompt<{ ok: boolean }>([{ type: 'confirm', name: 'ok', message: opts.question, default: false }])
    return answer.ok
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new CliFailure('cancelled', ExitCode.Interrupted, 'CANCELLED')
    throw err
  }
}
