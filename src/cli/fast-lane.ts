/**
 * The fast lane: bin/run.js answers the common read-only commands here, before oclif is loaded.
 * Loading and configuring oclif is most of what a short command costs (about 60 % of
 * `client list --json`); these commands run in scripts and monitoring loops.
 *
 * A command is taken when it is one of VIEWS and its command line is a plain one: the flags and
 * arguments its oclif manifest (oclif.manifest.json, written by the build) declares, valid values
 * of `options` flags, positive integers, no --config (its data_dir would need the config loader),
 * no --help, no `--`, no MQTTCTL_CONTENT_TYPE. It then runs the command's view (src/cli/views/),
 * the same function the oclif command runs, so both ways print the same bytes.
 *
 * Anything else returns false and oclif runs the command as usual: a malformed command line, an
 * unknown flag, a bad --filter, no broker (account and acl lists then read the stopped data dir),
 * a broker's error answer. Nothing was printed by then, and these commands only read, so running
 * them again is harmless; only a timeout is not waited for twice: oclif's run reports the one met
 * here (takeFastLaneTimeout). MQTTCTL_FAST_LANE=0 turns the lane off.
 */
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { ControlClient, ControlClientError } from '../control/client.js'
import type { View } from './views/view.js'

interface Lane {
  view: () => Promise<View<never, unknown>>
  /** `--sort -FIELD` needs rewriting first (src/cli/filter.ts#normalizeSortArgv). */
  list: boolean
}

/** The commands the lane answers, by oclif id. */
const VIEWS: Readonly<Record<string, Lane>> = {
  'client:list': { view: async () => (await import('./views/client-list.js')).clientListView as View<never, unknown>, list: true },
  'client:show': { view: async () => (await import('./views/client-show.js')).clientShowView as View<never, unknown>, list: false },
  'subscription:list': { view: async () => (await import('./views/subscription-list.js')).subscriptionListView as View<never, unknown>, list: true },
  'retained:list': { view: async () => (await import('./views/retained-list.js')).retainedListView as View<never, unknown>, list: true },
  'account:list': { view: async () => (await import('./views/account-list.js')).accountListView as View<never, unknown>, list: true },
  'acl:rule:list': { view: async () => (await import('./views/acl-rule-list.js')).aclRuleListView as View<never, unknown>, list: true },
  'acl:ip:list': { view: async () => (await import('./views/acl-ip-list.js')).aclIpListView as View<never, unknown>, list: true },
  state: { view: async () => (await import('./views/state.js')).stateView as View<never, unknown>, list: false },
  'config:show': { view: async () => (await import('./views/config-show.js')).configShowView as View<never, unknown>, list: false },
}

/** What the lane reads of a command in oclif.manifest.json. */
interface ManifestFlag {
  type: 'boolean' | 'option'
  char?: string
  multiple?: boolean
  allowNo?: boolean
  options?: string[]
  default?: unknown
  env?: string
}
interface ManifestCommand {
  flags: Record<string, ManifestFlag>
  args: Record<string, { required?: boolean }>
}

const MANIFEST = join(fileURLToPath(import.meta.url), '../../../../oclif.manifest.json')

let timeoutMet: ControlClientError | null = null

/** A timeout the lane met, once: BaseCommand.control() reports it instead of waiting again. */
export function takeFastLaneTimeout (): ControlClientError | null {
  const err = timeoutMet
  timeoutMet = null
  return err
}

/** Answers the command line and returns true, or returns false to let oclif run it. */
export async function fastLane (argv: readonly string[]): Promise<boolean> {
  if (process.env.MQTTCTL_FAST_LANE === '0' || process.env.MQTTCTL_CONTENT_TYPE !== undefined) return false
  const found = commandOf(argv)
  if (found === null) return false
  const [id, rest] = found
  const lane = VIEWS[id]!
  let manifest: { commands: Record<string, ManifestCommand> }
  try {
    manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as typeof manifest
  } catch {
    return false
  }
  const command = manifest.commands[id]
  if (command === undefined) return false
  let argvOfCommand = rest
  if (lane.list) argvOfCommand = (await import('./filter.js')).normalizeSortArgv(rest)
  const parsed = parseCommandLine(command, argvOfCommand)
  if (parsed === null || parsed.flags.config !== undefined) return false
  return runView(await lane.view(), parsed)
}

/** The command id and the arguments after it: the longest run of leading words that names a lane. */
function commandOf (argv: readonly string[]): [string, string[]] | null {
  const first = argv[0]
  if (first !== undefined && first.includes(':')) return first in VIEWS ? [first, argv.slice(1)] : null
  for (let n = Math.min(3, argv.length); n > 0; n--) {
    const words = argv.slice(0, n)
    if (words.some((w) => w.startsWith('-'))) continue
    const id = words.join(':')
    if (id in VIEWS) return [id, argv.slice(n)]
  }
  return null
}

interface CommandLine {
  flags: Record<string, unknown>
  args: Record<string, string | undefined>
}

/** Flags and arguments as oclif would parse them, or null for anything the lane leaves to oclif. */
function parseCommandLine (command: ManifestCommand, argv: string[]): CommandLine | null {
  const options: NonNullable<ParseArgsConfig['options']> = {}
  for (const [name, flag] of Object.entries(command.flags)) {
    options[name] = { type: flag.type === 'boolean' ? 'boolean' : 'string', multiple: flag.multiple === true, ...(flag.char === undefined ? {} : { short: flag.char }) }
    if (flag.type === 'boolean' && flag.allowNo === true) options[`no-${name}`] = { type: 'boolean' }
  }
  let values: Record<string, unknown>
  let positionals: string[]
  try {
    ({ values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true }))
  } catch {
    return null
  }
  if (argv.includes('--')) return null
  const flags: Record<string, unknown> = {}
  for (const [name, flag] of Object.entries(command.flags)) {
    let value: unknown = values[name] ?? (flag.env === undefined ? undefined : process.env[flag.env])
    if (flag.type === 'boolean') {
      if (values[`no-${name}`] === true) {
        if (value !== undefined) return null
        value = false
      }
      if (typeof value === 'string') return null // a boolean from the environment: oclif's rules
    } else if (value === undefined) {
      value = flag.default
    } else if (typeof flag.default === 'number') {
      if (typeof value !== 'string' || !/^[1-9][0-9]*$/.test(value)) return null
      value = Number(value)
    } else if (flag.options !== undefined && !(Array.isArray(value) ? value : [value]).every((v) => flag.options!.includes(v as string))) {
      return null
    }
    if (value !== undefined) flags[name] = value
  }
  const argNames = Object.keys(command.args)
  if (positionals.length > argNames.length) return null
  const args: Record<string, string | undefined> = {}
  for (const [i, name] of argNames.entries()) {
    if (positionals[i] === undefined && command.args[name]!.required === true) return null
    args[name] = positionals[i]
  }
  return { flags, args }
}

/** Runs the view against the broker; false (nothing printed) when it fails. */
async function runView (view: View<never, unknown>, { flags, args }: CommandLine): Promise<boolean> {
  const { ControlClient, ControlClientError } = await import('../control/client.js')
  const { applyColourChoice } = await import('./colour.js')
  const { writeStdout } = await import('./stdout-guard.js')
  const { socketPathIn } = await import('../host/data-dir.js')
  applyColourChoice(flags.color as boolean | undefined)
  const dataDir = resolve((flags['data-dir'] as string | undefined) ?? 'data')
  const socketPath = flags.socket !== undefined ? resolve(flags.socket as string) : socketPathIn(dataDir)
  const timeoutMs = (flags.timeout as number) * 1000
  const json = flags.json === true
  let client: ControlClient | null = null
  const out: string[] = []
  const notes: string[] = []
  try {
    client = await ControlClient.connect(socketPath, timeoutMs)
    const control = client
    const result = await view({
      flags: flags as never,
      args,
      json,
      request: (method, params) => control.request(method, params, timeoutMs),
      log: (text) => { out.push(text) },
      note: (text) => { if (!json) notes.push(text) },
    })
    if (json) out.push(JSON.stringify(result, null, 2))
  } catch (err) {
    if (err instanceof ControlClientError && err.kind === 'timeout') timeoutMet = err
    return false
  } finally {
    client?.close()
  }
  // printed only once the view succeeded, so that a fallback to oclif starts from a clean slate;
  // data first, then the notes about it, as the oclif command prints them
  await writeStdout(out.map((line) => line + '\n').join(''))
  for (const note of notes) process.stderr.write(note + '\n')
  return true
}
