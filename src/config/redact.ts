/**
 * The configuration as it may be shown (`mqttctl config show`, logs): secrets replaced. Today the
 * one secret a config holds is the password of `cluster.redis` (`redis://user:password@host`).
 */
import type { Config } from './types.js'

export const REDACTED = '***'

/** `url` with its password (if any) replaced by `***`; anything that does not parse is returned as is. */
export function redactUrl (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password === '') return url
    parsed.password = REDACTED
    return parsed.toString()
  } catch {
    return url
  }
}

/** A deep copy of `config` with every secret replaced. */
export function redactedConfig (config: Config): Config {
  const copy = structuredClone(config)
  if (copy.cluster !== undefined) copy.cluster.redis = redactUrl(copy.cluster.redis)
  return copy
}
