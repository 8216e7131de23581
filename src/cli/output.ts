/**
 * Human output for mqttctl: tables (cli-table3), colour (chalk for stdout, chalkStderr for stderr;
 * when they colour is set once per command by src/cli/colour.ts), and humanized numbers. Data goes to stdout, everything else to
 * stderr; under `--json` commands return their result and print nothing of this.
 */
import { createRequire } from 'node:module'
import chalk, { chalkStderr } from 'chalk'
import type TableConstructor from 'cli-table3'

export { chalk, chalkStderr }

export interface Column<T> {
  header: string
  get: (row: T) => string | number | boolean | null | undefined
  /** Right-align (numbers). */
  numeric?: boolean
}

// loaded at the first table: `--json` runs never pay for it
let Table: typeof TableConstructor | null = null

/**
 * Renders rows as a table (plain borders, no colour codes inside cells). On a terminal narrower
 * than the table, the widest columns are cut (ending in …) until it fits, none below
 * MIN_COLUMN_WIDTH or its header; into a pipe or a file nothing is cut.
 */
export function renderTable<T> (rows: readonly T[], columns: ReadonlyArray<Column<T>>, terminalWidth = stdoutWidth()): string {
  Table ??= createRequire(import.meta.url)('cli-table3') as typeof TableConstructor
  const cells = rows.map((row) => columns.map((c) => {
    const v = c.get(row)
    return v === null || v === undefined ? '-' : String(v)
  }))
  const widths = fitWidths(columns.map((c) => c.header), cells, terminalWidth)
  const table = new Table({
    head: columns.map((c) => chalk.bold(c.header)),
    style: { head: [], border: [], compact: true },
    colAligns: columns.map((c) => (c.numeric === true ? 'right' : 'left')),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    ...(widths === null ? {} : { colWidths: widths.map((w) => w + 2), wordWrap: false }),
  })
  for (const row of cells) table.push(row)
  return table.toString()
}

/** Columns are not cut below this many characters (or their header's length). */
export const MIN_COLUMN_WIDTH = 8

/** The terminal's width, or undefined when stdout is not a terminal. */
function stdoutWidth (): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns : undefined
}

/**
 * Content widths (without padding) that make the table fit `terminalWidth`, or null when it fits
 * as it is (or there is no terminal). Each cell takes its text plus one space each side, and
 * each column one border: total = sum(width + 3) + 1.
 */
export function fitWidths (headers: readonly string[], cells: ReadonlyArray<readonly string[]>, terminalWidth: number | undefined): number[] | null {
  if (terminalWidth === undefined || terminalWidth <= 0) return null
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => visibleLength(row[i] ?? ''))))
  const floor = headers.map((h, i) => Math.min(widths[i]!, Math.max(h.length, MIN_COLUMN_WIDTH)))
  const total = (): number => widths.reduce((sum, w) => sum + w + 3, 1)
  if (total() <= terminalWidth) return null
  while (total() > terminalWidth) {
    let widest = -1
    for (let i = 0; i < widths.length; i++) if (widths[i]! > floor[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i
    if (widest < 0) break
    widths[widest]!--
  }
  return widths
}

function visibleLength (text: string): number {
  return text.replace(/\x1b\[[0-9;]*m/g, '').length
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
