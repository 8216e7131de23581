/**
 * Human output for mqttctl: tables (cli-table3), colour (chalk for stdout, chalkStderr for stderr;
 * when they colour is set once per command by src/cli/colour.ts), and humanized numbers. Data goes to stdout, everything else to
 * stderr; under `--json` commands return their result and print nothing of this.
 */
import chalk, { chalkStderr } from 'chalk'
import Table from 'cli-table3'

export { chalk, chalkStderr }

export interface Column<T> {
  header: string
  get: (row: T) => string | number | boolean | null | undefined
  /** Right-align (numbers). */
  numeric?: boolean
}

/** Renders rows as a table (plain borders, no colour codes inside cells). */
export function renderTable<T> (rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  const table = new Table({
    head: columns.map((c) => chalk.bold(c.header)),
    style: { head: [], border: [], compact: true },
    colAligns: columns.map((c) => (c.numeric === true ? 'right' : 'left')),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  })
  for (const row of rows) {
    table.push(columns.map((c) => {
      const v = c.get(row)
      return v === null || v === undefined ? '-' : String(v)
    }))
  }
  return table.toString()
}

/** Key: value lines, keys padded to one width. */
export function renderFields (fields: ReadonlyArray<[string, unknown]>): string {
  const width = Math.max(...fields.map(([k]) => k.length))
  return fields.map(([k, v]) => `${chalk.dim(k.padEnd(width))}  ${v === null || v === undefined ? '-' : String(v)}`).join('\n')
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function humanBytes (n: number): string {
  let value = n
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`
}

/** A rate with at most one decimal. */
export function humanRate (perSecond: number): string {
  return perSecond >= 100 ? `${Math.round(perSecond)}/s` : `${perSecond.toFixed(1)}/s`
}
