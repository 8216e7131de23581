/**
 * Reload: what SIGHUP and `mqttctl reload` do to a running broker (Mosquitto's SIGHUP, systemd's
 * `ExecReload`, logrotate's `postrotate`), in this order:
 *   1. reopen the log file (the daemon's `broker.log`; a broker logging to stderr has none), so
 *      that after logrotate moved it away every later line, this reload's included, goes to a
 *      new file of the same name;
 *   2. read the config file again with the command-line values it was started with, plus the
 *      settings saved with `config set --persist` (the configuration a restart would give); an
 *      invalid file is logged at error, key by key, and changes nothing (ConfigError is thrown);
 *   3. put every live key (the ones `config set` may change: LIVE_KEYS) whose value differs in
 *      force; every other key that differs is reported "changed in the file, needs a restart" and
 *      left as it is;
 *   4. re-read the certificate files of every mqtts/wss listener for new handshakes; files that
 *      do not make a valid context are logged at error and the listener keeps its certificate;
 *   5. log at info what changed (key: from → to), which certificates were reloaded.
 * Reloads run one at a time (Broker.reload chains them).
 */
import { resolve } from 'node:path'

import { LIVE_KEYS, applyLiveSetting } from './control/handlers/config.js'
import type { ReloadResult } from './control/schema.js'
import { ConfigError } from './config/errors.js'
import { type LoadConfigOptions, loadConfig } from './config/load.js'
import { applyPersistedSettings } from './store/persisted-settings.js'
import type { Config } from './config/types.js'
import type { Logger } from './log.js'
import type { Store } from './store/store.js'

/** What a reload changes: the running broker's parts. */
export interface ReloadTarget {
  readonly config: Config
  readonly log: Logger
  readonly store: Store
  /** What to load again: the config file and command-line values the broker was started with. */
  readonly loadOptions: LoadConfigOptions
  /** Closes and reopens the log file; absent when the broker logs to stderr. */
  readonly reopenLog?: () => void
  /** The mqtts/wss listeners, by name. */
  tlsListeners (): Array<{ name: string; reloadCertificates (): Promise<void> }>
}

/** What asked for a reload (named in its log lines). */
export type ReloadTrigger = 'SIGHUP' | 'mqttctl reload'

/** Reloads `target` from its `loadOptions`; throws ConfigError (logged, nothing changed) when the file is invalid. */
export async function reload (target: ReloadTarget, via: ReloadTrigger): Promise<ReloadResult> {
  const { log } = target
  const file = target.loadOptions.file === undefined ? null : resolve(target.loadOptions.file)
  target.reopenLog?.()

  let next: Config
  try {
    next = await loadConfig(target.loadOptions)
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.message.split('\n')) log.error({ via }, `reload (${via}) refused, nothing changed: invalid configuration: ${line}`)
    } else {
      log.error({ err, via }, `reload (${via}) refused, nothing changed: cannot read the configuration`)
    }
    throw err
  }
  await applyPersistedSettings(target.store, next, LIVE_KEYS, log)

  const running = target.config as unknown as Record<string, unknown>
  const loaded = next as unknown as Record<string, unknown>
  const changed: ReloadResult['changed'] = []
  const restartRequired: string[] = []
  for (const key of new Set([...Object.keys(running), ...Object.keys(loaded)])) {
    if (same(running[key], loaded[key])) continue
    if (LIVE_KEYS.includes(key as keyof Config)) changed.push({ key, previous: running[key], value: loaded[key] })
    else restartRequired.push(key)
  }
  const previousLevel = target.config.log_level
  for (const { key, value } of changed) applyLiveSetting(target, key as keyof Config, value)

  const certificates: ReloadResult['certificates'] = []
  for (const listener of target.tlsListeners()) {
    try {
      await listener.reloadCertificates()
      certificates.push({ listener: listener.name, reloaded: true, error: null })
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      log.error({ listener: listener.name, err: reason }, `cannot reload the certificate of ${listener.name}: ${reason}; it keeps the one it had`)
      certificates.push({ listener: listener.name, reloaded: false, error: reason })
    }
  }

  const result: ReloadResult = { file, changed, restart_required: restartRequired, certificates, log_reopened: target.reopenLog !== undefined }
  logOutcome(log, result, previousLevel, via)
  return result
}

function logOutcome (log: Logger, result: ReloadResult, previousLevel: Config['log_level'], via: ReloadTrigger): void {
  if (result.restart_required.length > 0) {
    log.warn({ restart_required: result.restart_required }, `changed in the file, needs a restart: ${result.restart_required.join(', ')}`)
  }
  const parts = [
    result.changed.length === 0
      ? 'no live key changed'
      : result.changed.map((c) => `${c.key} ${show(c.previous)} → ${show(c.value)}`).join(', '),
  ]
  const reloaded = result.certificates.filter((c) => c.reloaded).map((c) => c.listener)
  if (reloaded.length > 0) parts.push(`certificates reloaded: ${reloaded.join(', ')}`)
  if (result.log_reopened) parts.push('log file reopened')
  // A reload that makes the log quieter is still recorded: this line is written at the more verbose level.
  const level = log.level
  if (log.levels.values[previousLevel] < log.levelVal) log.level = previousLevel
  log.info({ via, file: result.file, changed: result.changed, restart_required: result.restart_required, certificates: result.certificates },
    `configuration reloaded (${via}): ${parts.join('; ')}`)
  log.level = level
}

/** Equal configuration values (scalars, listener lists, the redirect object). */
function same (a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b)
}

function show (value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? 'unset'
}
