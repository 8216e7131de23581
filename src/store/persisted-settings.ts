/**
 * Settings saved with `mqttctl config set KEY VALUE --persist`: kept in the Store (records of kind
 * `setting`, one per key, the value as JSON) and applied over the config file at every start, so a
 * run-time change survives restarts without anybody editing the file (and without the broker
 * writing to it). Only live keys are ever saved; a saved value that no longer validates (written by
 * another version) is skipped with a warning naming it, never a refused start. `mqttctl reset
 * --settings` drops them all.
 */
import type { Logger } from '../log.js'
import type { Store } from './store.js'
import { ConfigError } from '../config/errors.js'
import { parseConfig } from '../config/schema.js'
import type { Config } from '../config/types.js'

/** Applies the saved settings to `config` (in place); returns the keys applied. */
export async function applyPersistedSettings (store: Store, config: Config, liveKeys: readonly string[], log: Logger): Promise<string[]> {
  const applied: string[] = []
  for (const { id: key, value } of await store.loadRecords('setting')) {
    if (!liveKeys.includes(key)) {
      log.warn({ key }, 'a saved setting is not a live key any more: ignored')
      continue
    }
    try {
      const parsed = parseConfig({ [key]: value }) as unknown as Record<string, unknown>
      ;(config as unknown as Record<string, unknown>)[key] = parsed[key]
      applied.push(key)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      log.warn({ key, err: err.message }, 'a saved setting is invalid: ignored')
    }
  }
  if (applied.length > 0) log.info({ keys: applied }, 'settings saved with config set --persist applied')
  return applied
}
