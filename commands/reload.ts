/**
 * `mqttctl reload`: what SIGHUP does (src/reload.ts), over the control socket, with the outcome
 * printed: keys changed, keys that need a restart, certificates, log file.
 */
import type { Methods } from '../src/control/schema.js'
import { BaseCommand } from '../src/cli/base-command.js'
import { ExitCode } from '../src/cli/exit-codes.js'
import { chalkStderr } from '../src/cli/output.js'
import { ControlClientError } from '../src/control/client.js'
import { ControlErrorCode } from '../src/control/schema.js'

export type ReloadCommandResult = Methods['reload']['result']

function show (value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? 'unset'
}

export default class Reload extends BaseCommand<typeof Reload> {
  static override summary = 'Reload the running broker: config file, TLS certificates, log file (what SIGHUP does).'
  static override description = `Reads the config file the broker was started with again (with the same command-line values, and the settings saved with config set --persist over it). Live keys (those config set may change) take their new value at once; a value set with config set without --persist goes back to the file's. Other keys that differ are reported as needing a restart and left as they are. mqtts and wss listeners read their certificate and key files again: new connections get the new certificate; files that are unusable are reported and the old certificate is kept. The daemon's log file is closed and opened again (for logrotate).

Prints one line per changed key ("max_inflight: 100 → 200"), then the keys that need a restart, the certificates reloaded and whether the log was reopened. With --json: {file, changed: [{key, previous, value}], restart_required, certificates: [{listener, reloaded, error}], log_reopened}.

Exit codes: 0 reloaded, 65 a certificate could not be reloaded (the rest was), 69 broker not running, 78 the config file is invalid (the message names the key; nothing was changed).`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  async run (): Promise<ReloadCommandResult> {
    const control = await this.control()
    let res: ReloadCommandResult
    try {
      res = await control.request('reload', {}, this.timeoutMs)
    } catch (err) {
      if (err instanceof ControlClientError && err.kind === 'remote' && err.code === ControlErrorCode.Invalid) {
        this.fail(`invalid configuration, nothing changed: ${err.message}`, ExitCode.Config, 'CONFIG_INVALID')
      }
      throw err
    }
    this.log(`reloaded ${res.file ?? '(no config file: defaults and command-line values)'}`)
    if (res.changed.length === 0) this.log('no live key changed')
    for (const c of res.changed) this.log(`${c.key}: ${show(c.previous)} → ${show(c.value)}`)
    if (res.restart_required.length > 0) this.log(`changed in the file, needs a restart: ${res.restart_required.join(', ')}`)
    for (const c of res.certificates) {
      if (c.reloaded) this.log(`certificate reloaded: ${c.listener}`)
      else if (!this.jsonEnabled()) process.stderr.write(chalkStderr.red(`error: certificate of ${c.listener} not reloaded (the old one stays): ${c.error ?? ''}`) + '\n')
    }
    if (res.log_reopened) this.log('log file reopened')
    if (res.certificates.some((c) => !c.reloaded)) process.exitCode = ExitCode.DataError
    return res
  }
}
