/**
 * `config.show` and `config.set` (fubar's settings/1 and settings/2).
 *
 * A live key is validated by the same schema as the config file, then applied to the running
 * broker at once: the engine reads its Config object on every use, so replacing the value is the
 * whole change. Settings negotiated with a client at CONNECT (max_packet_size, max_inflight,
 * topic_alias_maximum, max_keepalive) apply to connections made after the change. Keys that shape
 * listeners, storage or identity need a restart and are refused with RESTART_REQUIRED. With
 * `persist` the value is also saved in the Store and applied over the file at every start
 * (src/store/persisted-settings.ts).
 */
import { ConfigError } from '../../config/errors.js'
import { redactedConfig } from '../../config/redact.js'
import { parseConfig } from '../../config/schema.js'
import type { Config } from '../../config/types.js'
import { ControlError, type ControlServer } from '../server.js'
import { ControlErrorCode } from '../schema.js'
import type { BrokerView } from './context.js'

/** Keys `config set` changes on a running broker. */
export const LIVE_KEYS: ReadonlyArray<keyof Config> = [
  'log_level', 'allow_anonymous', 'max_packet_size', 'max_keepalive', 'max_inflight', 'max_inflight_bytes', 'max_queued_messages', 'max_queued_bytes',
  'max_connect_packet_size', 'max_outgoing_bytes', 'max_connections', 'max_topic_length', 'max_topic_levels', 'max_subscriptions_per_client',
  'topic_alias_maximum', 'connect_timeout', 'write_timeout', 'direct_messaging', 'sys_interval', 'bcrypt_cost',
  'allow_client_id_takeover_across_users', 'auth_backoff_failures', 'auth_backoff_max', 'auth_max_pending', 'auth_cache_size',
  'auth_cache_ttl',
]

/** Puts a validated `value` of live key `key` in force: in the Config object and, for log_level, in the logger. */
export function applyLiveSetting (broker: Pick<BrokerView, 'config' | 'log'>, key: keyof Config, value: unknown): void {
  ;(broker.config as unknown as Record<string, unknown>)[key] = value
  if (key === 'log_level') broker.log.level = value as Config['log_level']
}

/** A command-line value as the config file would hold it: JSON when it parses, else the text. */
function parseValue (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * Null when `key` is a key of the config file, else a did-you-mean hint (possibly empty). Asks the
 * file schema rather than `key in config`, which took `toString` for a key and missed `redirect`
 * when unset.
 */
function unknownKey (key: string): string | null {
  try {
    parseConfig({ [key]: undefined })
    return null
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    const hint = /\(did you mean [^)]*\)/.exec(err.issues[0]?.message ?? '')
    return hint === null ? '' : ` ${hint[0]}`
  }
}

export function registerConfigHandlers (server: ControlServer, broker: BrokerView): void {
  const config = broker.config

  const store = broker.engine.store
  const persisted = async (): Promise<string[]> => (await store.loadRecords('setting')).map((r) => r.id)

  server.handle('config.show', async () => ({
    config: redactedConfig(config) as unknown as Record<string, unknown>,
    live_keys: [...LIVE_KEYS],
    persisted: await persisted(),
  }))

  server.handle('config.set', async ({ key, value, persist = false }) => {
    const unknown = unknownKey(key)
    if (unknown !== null) throw new ControlError(ControlErrorCode.NotFound, `unknown configuration key '${key}'${unknown}`)
    if (!LIVE_KEYS.includes(key as keyof Config)) {
      throw new ControlError(ControlErrorCode.RestartRequired, `${key} cannot change while the broker runs: edit the config file and restart`)
    }
    // Live keys are scalars validated on their own: the file schema checks the key alone.
    let parsed: Config
    try {
      parsed = parseConfig({ [key]: parseValue(value) })
    } catch (err) {
      if (err instanceof ConfigError) throw new ControlError(ControlErrorCode.Invalid, err.message)
      throw err
    }
    const name = key as keyof Config
    const previous = config[name]
    applyLiveSetting(broker, name, parsed[name])
    if (persist) {
      store.putRecord('setting', key, parsed[name])
      await store.flush()
    }
    return { key, previous, value: parsed[name], persisted: persist || (await persisted()).includes(key) }
  })
}
