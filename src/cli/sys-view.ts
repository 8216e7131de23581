/**
 * Support for `mqttctl sys`: key filters, per-second changes between snapshots, the table, and
 * the row count used to redraw it in place on a terminal.
 *
 * Filters (`--filter`) are globs over the `$SYS` keys (the topic suffix after `$SYS/broker/`,
 * levels split on `/`): `*` matches any run of characters within one level (`load/*`, `heap/c*`);
 * a level that is exactly `#` or `**` matches any number of levels, none included (`**` + `/1min`).
 * A pattern that matches a key's first levels selects everything below them, so `clients`,
 * `clients/*` and `clients/#` all select `clients/connected`, `clients/total`, ... and `load/*`
 * selects every load average. Several filters select the union; none selects every key.
 */
import type { SysSnapshot } from '../control/schema.js'
import { renderTable } from './output.js'

/** One line of `mqttctl sys --json`: the snapshot's values (filtered) and their change per second. */
export interface SysFrame {
  ts: string
  values: Record<string, number | string>
  /** Change per second since the previous snapshot, for numeric values; empty on the first one. */
  rates: Record<string, number>
}

/** A predicate over `$SYS` keys from `--filter` patterns (no pattern: every key). */
export function compileSysFilter (patterns: readonly string[]): (key: string) => boolean {
  if (patterns.length === 0) return () => true
  const compiled = patterns.map((p) => p.split('/').map(compileLevel))
  return (key) => {
    const levels = key.split('/')
    return compiled.some((p) => matchLevels(p, 0, levels, 0))
  }
}

/** A level of a pattern: `any` for `#`/`**`, else a regular expression for one level. */
type Level = 'any' | RegExp

function compileLevel (level: string): Level {
  if (level === '#' || level === '**') return 'any'
  const source = level.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')
  return new RegExp(`^${source}$`)
}

/** True when the pattern from `pi` matches the key's levels from `ki` (the key may go on below). */
function matchLevels (pattern: readonly Level[], pi: number, key: readonly string[], ki: number): boolean {
  if (pi === pattern.length) return ki > 0
  const level = pattern[pi]
  if (level === 'any') {
    for (let j = ki; j <= key.length; j++) if (matchLevels(pattern, pi + 1, key, j)) return true
    return false
  }
  return ki < key.length && level.test(key[ki]) && matchLevels(pattern, pi + 1, key, ki + 1)
}

/** Turns successive snapshots into frames: filtered values plus change per second. */
export class SysWatch {
  private previous: { at: number; values: Record<string, number | string> } | null = null

  constructor (private readonly keep: (key: string) => boolean) {}

  next (snapshot: SysSnapshot): SysFrame {
    const at = Date.parse(snapshot.ts)
    const values: Record<string, number | string> = {}
    for (const key of Object.keys(snapshot.values)) {
      if (this.keep(key)) values[key] = snapshot.values[key]
    }
    const rates: Record<string, number> = {}
    const prev = this.previous
    const seconds = prev === null ? 0 : (at - prev.at) / 1000
    if (prev !== null && seconds > 0) {
      for (const key of Object.keys(values)) {
        const now = values[key]
        const before = prev.values[key]
        if (typeof now === 'number' && typeof before === 'number') rates[key] = Math.round((now - before) / seconds * 1000) / 1000
      }
    }
    this.previous = { at, values }
    return { ts: snapshot.ts, values, rates }
  }
}

/** The frame as a three-column table: key, value, Δ/s ('-' where there is no rate). */
export function renderSysTable (frame: SysFrame): string {
  const rows = Object.keys(frame.values).map((key) => ({ key, value: frame.values[key], rate: frame.rates[key] }))
  return renderTable(rows, [
    { header: '$SYS/broker/…', get: (r) => r.key },
    { header: 'value', get: (r) => r.value, numeric: true },
    { header: 'Δ/s', get: (r) => (r.rate === undefined ? null : formatRate(r.rate)), numeric: true },
  ])
}

function formatRate (n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2)
}

/** Terminal rows `text` takes once lines longer than `columns` wrap (colour codes take no room). */
export function screenLines (text: string, columns: number | undefined): number {
  const width = columns !== undefined && columns > 0 ? columns : Number.POSITIVE_INFINITY
  let rows = 0
  for (const line of text.split('\n')) rows += Math.max(1, Math.ceil(line.replace(/\x1b\[[0-9;]*m/g, '').length / width))
  return rows
}
