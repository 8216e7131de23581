/**
 * Where mqttctl gets a password from, first match wins:
 * 1. `--password P`, with a warning on stderr (not under --json): it lands in the shell history and
 *    other users see it in `ps`. `--password -` means 2.
 * 2. `--password-stdin`: all of stdin up to its end, minus ONE trailing line end (`\n` or `\r\n`).
 *    Every other byte is kept (spaces, a second newline, an embedded NUL): what was piped in is the
 *    password. It must be UTF-8, as MQTT carries it.
 * 3. The environment variable MQTTCTL_PASSWORD.
 * 4. On a terminal (stdin is a TTY): a hidden prompt (inquirer's password prompt, `*` mask, drawn
 *    on stderr so stdout keeps only the result). A new password is asked twice; after
 *    MAX_PROMPT_TRIES mismatches the command gives up (64). inquirer is imported only then.
 * 5. Otherwise exit 64: nobody can type it.
 * The password is then checked with passwordProblem() (1 to 72 bytes, bcrypt's limit): exit 65 with
 * its message. It is never printed, logged, or part of a JSON result.
 */
import { isUtf8 } from 'node:buffer'
import { Flags } from '@oclif/core'
import { passwordProblem } from '../auth/passwords.js'
import { CliFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

/** Environment variable read when no flag gives the password. */
export const PASSWORD_ENV = 'MQTTCTL_PASSWORD'
/** How often the two entries of a new password may differ before the command gives up. */
export const MAX_PROMPT_TRIES = 3

/** `--password` and `--password-stdin`, for every command that takes a password. */
export const passwordFlags = {
  password: Flags.string({
    summary: 'The password ("-" reads it from stdin). Visible in shell history and ps: prefer --password-stdin or the prompt.',
    helpValue: 'PASSWORD',
    exclusive: ['password-stdin'],
  }),
  'password-stdin': Flags.boolean({
    summary: 'Read the password from stdin: everything up to the end, minus one trailing newline.',
    exclusive: ['password'],
  }),
}

/** The parsed values of passwordFlags. */
export interface PasswordFlagValues {
  password?: string | undefined
  'password-stdin'?: boolean | undefined
}

export interface PasswordRequest {
  flags: PasswordFlagValues
  /** --json is on: no warnings on stderr. */
  json: boolean
  /** A new password (account set, passwd): the prompt asks twice. */
  confirm: boolean
  /** Whose password, for the prompt. */
  username: string
}

export type PasswordSource = 'flag' | 'stdin' | 'env' | 'prompt'

/** The password from the first source that has one (see the header); throws CliFailure 64 or 65. */
export async function resolvePassword (req: PasswordRequest): Promise<{ password: string; source: PasswordSource }> {
  const found = await findPassword(req)
  const problem = passwordProblem(found.password)
  if (problem !== null) throw new CliFailure(problem, ExitCode.DataError, 'INVALID_PASSWORD')
  return found
}

async function findPassword (req: PasswordRequest): Promise<{ password: string; source: PasswordSource }> {
  const { password, 'password-stdin': fromStdin } = req.flags
  if (password !== undefined && password !== '-') {
    if (!req.json) {
      process.stderr.write('warning: a password given with --password lands in the shell history and is visible in ps; prefer --password-stdin, MQTTCTL_PASSWORD or the prompt\n')
    }
    return { password, source: 'flag' }
  }
  if (password === '-' || fromStdin === true) return { password: await readStdinPassword(req.json), source: 'stdin' }
  const env = process.env[PASSWORD_ENV]
  if (env !== undefined) return { password: env, source: 'env' }
  if (process.stdin.isTTY === true) return { password: await promptPassword(req), source: 'prompt' }
  throw new CliFailure('password not provided via --password, --password-stdin, MQTTCTL_PASSWORD or a terminal', ExitCode.Usage, 'PASSWORD_REQUIRED', [
    'pipe it in: printf \'%s\' "$PASSWORD" | mqttctl … --password-stdin',
  ])
}

/** All of stdin, minus one trailing `\n` or `\r\n`; nothing else is touched. */
async function readStdinPassword (json: boolean): Promise<string> {
  if (process.stdin.isTTY === true && !json) process.stderr.write('reading the password from stdin (end it with Ctrl-D)\n')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Buffer)
  let bytes = Buffer.concat(chunks)
  if (bytes.at(-1) === 0x0a) {
    bytes = bytes.subarray(0, -1)
    if (bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1)
  }
  if (!isUtf8(bytes)) throw new CliFailure('the password read from stdin is not valid UTF-8', ExitCode.DataError, 'INVALID_PASSWORD')
  return bytes.toString('utf8')
}

/** The hidden prompt on the terminal; a new password twice, until both entries match. */
async function promptPassword (req: PasswordRequest): Promise<string> {
  const { createPromptModule } = await import('inquirer')
  const prompt = createPromptModule({ output: process.stderr })
  const ask = async (message: string): Promise<string> => {
    const answer = await prompt<{ password: string }>([{
      type: 'password',
      name: 'password',
      message,
      mask: '*',
      validate: (value: string) => passwordProblem(value) ?? true,
    }])
    return answer.password
  }
  try {
    if (!req.confirm) return await ask(`Password for "${req.username}":`)
    for (let attempt = 1; attempt <= MAX_PROMPT_TRIES; attempt++) {
      const first = await ask(`New password for "${req.username}":`)
      const second = await ask('Repeat it:')
      if (first === second) return first
      process.stderr.write(attempt < MAX_PROMPT_TRIES ? 'the two passwords do not match; try again\n' : 'the two passwords do not match\n')
    }
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new CliFailure('cancelled', ExitCode.Interrupted, 'CANCELLED')
    throw err
  }
  throw new CliFailure(`the two passwords did not match ${MAX_PROMPT_TRIES} times`, ExitCode.Usage, 'PASSWORD_MISMATCH')
}
