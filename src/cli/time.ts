/**
 * Relative times for human output: `3m12s ago`, `in 5m`. Machine output (`--json`) keeps the
 * broker's ISO 8601 strings; these are for tables only.
 */
import { uptime } from './durations.js'

/** `3m12s ago` for a past ISO time, `-` for null. */
export function ago (iso: string | null, now = Date.now()): string {
  if (iso === null) return '-'
  const ms = now - Date.parse(iso)
  return Number.isNaN(ms) ? iso : `${uptime(Math.max(0, ms) / 1000)} ago`
}

/** `in 5m` for a future ISO time (`expired` once past), `never` for null. */
export function fromNow (iso: string | null, now = Date.now()): string {
  if (iso === null) return 'never'
  const ms = Date.parse(iso) - now
  if (Number.isNaN(ms)) return iso
  return ms <= 0 ? 'expired' : `in ${uptime(ms / 1000)}`
}
