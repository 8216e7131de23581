/**
 * BaseCommand: what every mqttctl command shares (oclif "custom base class").
 *
 * - Global flags: `--data-dir` (env MQTTCTL_DATA_DIR), `--config` (to find the data dir of a config
 *   file), `--socket` (env MQTTCTL_SOCKET), `--timeout`; `--json` on every command (oclif's
 *   enableJsonFlag: `run()` returns the result, which is printed as JSON); `--[no-]color` with
 *   NO_COLOR and FORCE_COLOR (src/cli/colour.ts).
 * - stdout: a reader that leaves (EPIPE) ends streams quietly with 0 (`stdoutClosed`), any other
 *   write error is one line and exit 74 (src/cli/stdout-guard.ts).
 * - `control()` connects to the broker's control socket once per command and closes it at the end.
 * - Errors: the one translation point from failures to exit codes (src/cli/exit-codes.ts). A
 *   ControlClientError becomes the matching exit code; under `--json` the error is printed to stdout
 *   as `{"error":{"code","message","exitCode"}}`, otherwise to stderr: a LineFailure as its own
 *   `mqttctl: …` lines (paths and key names must stay whole and greppable), the rest by oclif.
 */
import { resolve } from 'node:path'
import { socketPathIn } from '../host/data-dir.js'
import { Command, Errors, Flags, type Interfaces } from '@oclif/core'
import { ControlClient, ControlClientError } from '../control/client.js'
import { ControlErrorCode } from '../control/schema.js'
import { type AdminChannel, liveChannel, offlineChannel } from './admin-channel.js'
import { applyColourChoice } from './colour.js'
import { ERRORS, type ErrorCode, exitCodeOf } from '../errors/catalog.js'
import { ExitCode, type ExitCodeValue } from './exit-codes.js'
import { takeFastLaneTimeout } from './fast-lane.js'
import { ListQueryError } from './filter.js'
import { guardStdout, stdoutClosed } from './stdout-guard.js'
import { unexpectedArguments } from './usage-errors.js'
import { ViewFailure, type View } from './views/view.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** A failure with its exit code and an optional stable error code for JSON output. */
export class CliFailure extends Errors.CLIError {
  constructor (message: string, readonly exitCode: ExitCodeValue, readonly errorCode = 'FAILED', suggestions?: string[]) {
    super(message, { exit: exitCode, code: errorCode, ...(suggestions === undefined ? {} : { suggestions }) })
  }
}

/**
 * A failure printed as `mqttctl: <line>` per line instead of oclif's error paragraph, which wraps
 * at the terminal width and splits paths and key names (under --json: the usual error document).
 */
export class LineFailure extends CliFailure {
  /** Read by oclif's error handler: BaseCommand.catch has reported this error already. */
  override skipOclifErrorHandling = true

  constructor (message: string, readonly lines: readonly string[], exitCode: ExitCodeValue, errorCode = 'FAILED') {
    super(message, exitCode, errorCode)
  }

  /** Writes one `mqttctl: …` line per entry to stderr. */
  report (): void {
    for (const line of this.lines) process.stderr.write(`mqttctl: ${line}\n`)
  }
}

/** A permission problem (exit 77), one line naming the path and the users (src/host/access-denied.ts). */
export function permissionFailure (message: string): LineFailure {
  return new LineFailure(message, [message], ExitCode.Permission, 'PERMISSION_DENIED')
}

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    'data-dir': Flags.string({
      summary: 'Broker data directory (holds mqttctl.sock, the pid file and broker.log).',
      env: 'MQTTCTL_DATA_DIR',
      helpGroup: 'GLOBAL',
    }),
    config: Flags.string({
      char: 'c',
      summary: 'Broker config file (its data_dir is used when --data-dir is not given).',
      env: 'MQTTCTL_CONFIG',
      helpGroup: 'GLOBAL',
    }),
    socket: Flags.string({
      char: 'S',
      summary: 'Control socket path (default <data-dir>/mqttctl.sock).',
      env: 'MQTTCTL_SOCKET',
      helpGroup: 'GLOBAL',
    }),
    timeout: Flags.integer({
      summary: 'Seconds to wait for the broker to answer.',
      default: 10,
      min: 1,
      helpGroup: 'GLOBAL',
    }),
    color: Flags.boolean({
      summary: 'Colour the output (--color), or not (--no-color). Default: on a terminal, unless NO_COLOR is set; FORCE_COLOR (0 off, 1-3 on) overrides NO_COLOR.',
      allowNo: true,
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  private client: ControlClient | null = null
  private adminChannel: AdminChannel | null = null

  public override async init (): Promise<void> {
    guardStdout()
    await super.init()
    const ctor = this.ctor as typeof BaseCommand
    const { args, flags } = await this.parse({
      flags: ctor.flags,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      args: ctor.args,
      strict: ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
    applyColourChoice((flags as CommandFlags<typeof BaseCommand>).color)
  }

  /** Aborted when the reader of stdout has left (EPIPE): streams stop and end with exit 0. */
  protected get stdoutClosed (): AbortSignal {
    return stdoutClosed
  }

  /** The data directory: --data-dir, else the config file's data_dir, else ./data. */
  protected async dataDir (): Promise<string> {
    const flags = this.flags as CommandFlags<typeof BaseCommand>
    if (flags['data-dir'] !== undefined) return resolve(flags['data-dir'])
    if (flags.config !== undefined) {
      const { loadConfig } = await import('../config/load.js')
      const { ConfigError } = await import('../config/errors.js')
      try {
        return (await loadConfig({ file: flags.config })).data_dir
      } catch (err) {
        if (err instanceof ConfigError) throw new CliFailure(`invalid configuration: ${err.message}`, ExitCode.Config, 'CONFIG_INVALID')
        throw err
      }
    }
    return resolve('data')
  }

  /** The control socket: --socket, else <data dir>/mqttctl.sock. */
  protected async socketPath (): Promise<string> {
    const flags = this.flags as CommandFlags<typeof BaseCommand>
    return flags.socket !== undefined ? resolve(flags.socket) : socketPathIn(await this.dataDir())
  }

  /** A connected control client (one per command run, closed when the command ends). */
  protected async control (): Promise<ControlClient> {
    if (this.client === null) {
      // the fast lane already waited for this broker in vain: report that, do not wait again
      const timedOut = takeFastLaneTimeout()
      if (timedOut !== null) throw timedOut
      const flags = this.flags as CommandFlags<typeof BaseCommand>
      this.client = await ControlClient.connect(await this.socketPath(), flags.timeout * 1000)
    }
    return this.client
  }

  /**
   * Where account and ACL requests go: the running broker, or, when none answers, the data dir's
   * store directly (offline: a note on stderr says so). A store another process holds → exit 69.
   */
  protected async admin (): Promise<AdminChannel> {
    if (this.adminChannel !== null) return this.adminChannel
    try {
      this.adminChannel = liveChannel(await this.control(), this.timeoutMs)
      return this.adminChannel
    } catch (err) {
      if (!(err instanceof ControlClientError && err.kind === 'unavailable')) throw err
    }
    const dataDir = await this.dataDir()
    const { StoreError } = await import('../store/errors.js')
    try {
      this.adminChannel = await offlineChannel(dataDir, await this.bcryptCost())
    } catch (err) {
      if (err instanceof StoreError) {
        const exit = err.code === 'BRK_ERR_STORE_CORRUPT' ? ExitCode.DataError : ExitCode.Unavailable
        throw new CliFailure(`no broker answers and ${err.message}`, exit, err.code)
      }
      throw err
    }
    this.note(`no broker is running: changing the data dir ${dataDir} directly (applies at the next start)`)
    return this.adminChannel
  }

  /** bcrypt cost for offline hashing: the config file's `bcrypt_cost` when --config is given, else the default. */
  private async bcryptCost (): Promise<number> {
    const flags = this.flags as CommandFlags<typeof BaseCommand>
    const { DEFAULTS } = await import('../config/defaults.js')
    if (flags.config === undefined) return DEFAULTS.bcrypt_cost
    const { loadConfig } = await import('../config/load.js')
    return (await loadConfig({ file: flags.config })).bcrypt_cost
  }

  /**
   * Runs a view (src/cli/views/) with this command's flags, arguments and output; its requests go to
   * the control socket, or with `via: 'admin'` to admin() (the broker, else the stopped data dir).
   * The channel is opened at the first request, so flags are checked before the broker is asked.
   */
  protected async view<F, R> (view: View<F, R>, via: 'control' | 'admin' = 'control'): Promise<R> {
    return view({
      flags: this.flags as F,
      args: this.args as Record<string, string | undefined>,
      json: this.jsonEnabled(),
      request: async (method, params) => via === 'admin'
        ? (await this.admin()).request(method as never, params as never)
        : (await this.control()).request(method, params, this.timeoutMs),
      log: (text) => { this.log(text) },
      note: (text) => { this.note(text) },
    })
  }

  /** Request timeout in ms (for ControlClient.request). */
  protected get timeoutMs (): number {
    return (this.flags as CommandFlags<typeof BaseCommand>).timeout * 1000
  }

  /** Throws a failure with an exit code (and a stable code for JSON). */
  protected fail (message: string, exitCode: ExitCodeValue, errorCode = 'FAILED', suggestions?: string[]): never {
    throw new CliFailure(message, exitCode, errorCode, suggestions)
  }

  /** Writes a line to stderr (progress, notes, warnings) unless --json. */
  protected note (message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(message + '\n')
  }

  protected override async catch (err: Error & { exitCode?: number }): Promise<unknown> {
    const failure = err.constructor.name === 'UnexpectedArgsError'
      ? unexpectedArguments(this.id ?? '', Object.keys(this.ctor.args ?? {}), (err as Error & { args: string[] }).args)
      : toCliError(err)
    // Under --json oclif prints the error and exits with `exitCode`, which its own usage errors
    // (unknown flag, bad value) leave unset: carry their documented code (64) over.
    const exit = (failure as { oclif?: { exit?: number } }).oclif?.exit
    if (exit !== undefined && process.exitCode === undefined) process.exitCode = exit
    if (failure instanceof LineFailure && !this.jsonEnabled()) failure.report()
    return super.catch(failure)
  }

  protected override async finally (err: Error | undefined): Promise<unknown> {
    await this.adminChannel?.close()
    this.adminChannel = null
    this.client?.close()
    this.client = null
    return super.finally(err)
  }

  protected override toErrorJson (err: unknown): unknown {
    return errorJson(err)
  }
}

/** The `--json` error document: `{"error":{"code","message","exitCode","suggestions"?}}`. */
export function errorJson (err: unknown): { error: { code: string; message: string; exitCode: number; suggestions?: string[] } } {
  const e = err as { message?: string; code?: string; oclif?: { exit?: number }; suggestions?: string[] }
  return {
    error: {
      code: e.code ?? 'FAILED',
      message: e.message ?? String(err),
      exitCode: e.oclif?.exit ?? 1,
      ...(e.suggestions !== undefined && e.suggestions.length > 0 ? { suggestions: e.suggestions } : {}),
    },
  }
}

/** A failure with a code of the error catalog, which gives its exit code. */
function catalogFailure (code: ErrorCode, message: string, suggestions?: string[]): CliFailure {
  return new CliFailure(message, ERRORS[code].exit ?? ExitCode.Internal, code, suggestions)
}

/**
 * Maps control failures and bad list queries onto exit codes, through the error catalog
 * (src/errors/catalog.ts; a code it does not know, from a newer broker, exits 70); other errors
 * pass through.
 */
export function toCliError (err: Error): Error {
  if (err instanceof ListQueryError) return catalogFailure('USAGE', err.message, err.suggestions)
  if (err instanceof ViewFailure) return new CliFailure(err.message, err.exitCode, err.code, err.suggestions)
  if (!(err instanceof ControlClientError)) return err
  switch (err.kind) {
    case 'unavailable': return catalogFailure('UNAVAILABLE', err.message, ['start it with: mqttctl start'])
    case 'permission': return permissionFailure(err.message)
    case 'timeout': return catalogFailure('TIMEOUT', err.message)
    case 'protocol': return catalogFailure(ControlErrorCode.UnsupportedVersion, err.message)
    case 'remote': return new CliFailure(err.message, exitCodeOf(err.code), err.code ?? ControlErrorCode.Internal)
  }
}
