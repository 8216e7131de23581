/**
 * The table flags of list commands: `--filter`, `--sort` and `--limit`, applied on the
 * CLI side to the rows a list method returned, in that order (filter → sort → truncate), so that
 * `--sort=-messages_in --limit 10` is a top 10 and `total` counts every matching row.
 *
 * Fields are the JSON keys of a row (what `--json` prints), declared per command with rowFields(),
 * which makes the compiler require every key of the row type, so that a typo is a usage error
 * (exit 64) that lists the valid names, even when the list is empty.
 *
 * - `--filter FIELD<op>VALUE`, repeatable, all must hold. Operators: `=` `!=` (exact text), `~` `!~`
 *   (JavaScript regular expression, unanchored), `>` `>=` `<` `<=` (numeric when both sides are
 *   numbers, else text order, which suits ISO 8601 times). A missing (null) field reads as the empty
 *   text: `user=` keeps rows without a user; it never satisfies an ordering operator.
 * - `--sort [-]FIELD[,[-]FIELD…]`: `-` sorts descending (`FIELD:desc` says the same). Numbers
 *   numerically, text in natural order (`c2` before `c10`), nulls last either way; ties keep the
 *   broker's order. oclif would read a value `-client_id` as the short flag `-c`, so list commands
 *   rewrite `-FIELD` to `FIELD:desc` before parsing (`normalizeSortArgv`, called by ListCommand).
 * - `--limit N` (0: no limit): the rest is cut and `truncated` says so; commands print
 *   `truncationNote()` on stderr.
 * Cost: O(n log n) per list, in memory. Server-side filtering can replace this later without
 * changing the flags.
 *
 * This module does not load oclif (the fast lane, src/cli/fast-lane.ts, uses it before oclif is
 * loaded): a bad query throws ListQueryError, which BaseCommand turns into a usage error (exit 64).
 * The flags themselves are declared by `listFlags()` in src/cli/list-command.ts.
 */

/** A --filter or --sort that cannot be applied: a usage error (exit 64) listing the valid fields. */
export class ListQueryError extends Error {
  override readonly name = 'ListQueryError'
  constructor (message: string, readonly suggestions: string[]) {
    super(message)
  }
}

/** A list as `--json` prints it: the kept rows, how many matched in all, and whether rows were cut. */
export interface ListPage<T> {
  items: T[]
  /** Rows that matched the filters (before `--limit`). */
  total: number
  truncated: boolean
}

export type FilterOperator = '=' | '!=' | '~' | '!~' | '>' | '>=' | '<' | '<='

export interface Filter {
  field: string
  op: FilterOperator
  value: string
  regex?: RegExp
}

export interface SortKey {
  field: string
  descending: boolean
}

export interface ListQuery {
  filters: Filter[]
  sort: SortKey[]
  /** 0 means no limit. */
  limit: number
}

/**
 * The fields of a row type, for `listQuery`: the compiler requires every key of `T` (what `--json`
 * prints) and no other, so a key added to a row is filterable and sortable at once.
 */
export function rowFields<T extends object> (keys: { [K in keyof T]-?: true }): ReadonlyArray<keyof T & string> {
  return Object.keys(keys) as Array<keyof T & string>
}

/** Default number of rows a list shows. */
export const DEFAULT_LIMIT = 1000

const FILTER_SYNTAX = /^([A-Za-z_][A-Za-z0-9_]*)\s*(!=|!~|>=|<=|=|~|>|<)(.*)$/s

function usage (message: string, fields: readonly string[]): never {
  throw new ListQueryError(message, [`fields: ${fields.join(', ')}`])
}

function checkField (field: string, flag: string, fields: readonly string[]): void {
  if (!fields.includes(field)) usage(`${flag}: unknown field '${field}'`, fields)
}

/** Parses the flags of `listFlags()`; a bad expression or unknown field is a usage error (exit 64). */
export function parseListQuery (
  flags: { filter?: string[] | undefined; sort?: string | undefined; limit?: number | undefined },
  fields: readonly string[]
): ListQuery {
  const filters: Filter[] = []
  for (const expr of flags.filter ?? []) {
    const m = FILTER_SYNTAX.exec(expr)
    if (m === null) usage(`--filter: '${expr}' is not FIELD=VALUE, FIELD!=VALUE, FIELD~REGEX, FIELD!~REGEX or FIELD>N`, fields)
    const [, field, op, value] = m as unknown as [string, string, FilterOperator, string]
    checkField(field, '--filter', fields)
    const filter: Filter = { field, op, value }
    if (op === '~' || op === '!~') {
      try {
        filter.regex = new RegExp(value)
      } catch (err) {
        usage(`--filter: '${value}' is not a valid regular expression (${(err as Error).message})`, fields)
      }
    }
    filters.push(filter)
  }
  const sort: SortKey[] = []
  for (const part of (flags.sort ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([-+]?)([^:]*)(?::(asc|desc))?$/.exec(part)
    if (m === null) usage(`--sort: '${part}' is not FIELD, -FIELD, FIELD:asc or FIELD:desc`, fields)
    const [, sign, field, direction] = m as unknown as [string, string, string, string | undefined]
    const descending = direction === undefined ? sign === '-' : direction === 'desc'
    checkField(field, '--sort', fields)
    sort.push({ field, descending })
  }
  return { filters, sort, limit: flags.limit ?? DEFAULT_LIMIT }
}

/**
 * Rewrites `--sort -a,b` and `--sort=-a,b` to `--sort=a:desc,b` so that oclif does not take `-a`
 * for a short flag. Arguments after `--` are left alone.
 */
export function normalizeSortArgv (argv: readonly string[]): string[] {
  const out: string[] = []
  const rewrite = (value: string): string => value.split(',').map((p) => (p.startsWith('-') ? `${p.slice(1)}:desc` : p)).join(',')
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') { out.push(...argv.slice(i)); break }
    if (arg.startsWith('--sort=')) out.push(`--sort=${rewrite(arg.slice('--sort='.length))}`)
    else if (arg === '--sort' && i + 1 < argv.length && argv[i + 1]!.startsWith('-') && !argv[i + 1]!.startsWith('--')) {
      out.push(`--sort=${rewrite(argv[++i]!)}`)
    } else out.push(arg)
  }
  return out
}

/** A field's value as filters compare it: null and undefined → '', objects → JSON. */
function asText (value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

function field (row: object, name: string): unknown {
  return (row as Record<string, unknown>)[name]
}

const collator = new Intl.Collator('en', { numeric: true })

function order (a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  return collator.compare(asText(a), asText(b))
}

/** Whether `row` passes one filter. */
export function matches (row: object, f: Filter): boolean {
  const value = field(row, f.field)
  switch (f.op) {
    case '=': return asText(value) === f.value
    case '!=': return asText(value) !== f.value
    case '~': return f.regex!.test(asText(value))
    case '!~': return !f.regex!.test(asText(value))
    default: {
      if (value === null || value === undefined) return false
      const operand = f.value.trim() !== '' && Number.isFinite(Number(f.value)) && typeof value === 'number' ? Number(f.value) : f.value
      const c = typeof operand === 'number' ? (value as number) - operand : collator.compare(asText(value), operand)
      return f.op === '>' ? c > 0 : f.op === '>=' ? c >= 0 : f.op === '<' ? c < 0 : c <= 0
    }
  }
}

/** Filters, sorts and truncates `rows` (which it does not modify). */
export function applyListQuery<T extends object> (rows: readonly T[], q: ListQuery): ListPage<T> {
  let kept = q.filters.length === 0 ? [...rows] : rows.filter((row) => q.filters.every((f) => matches(row, f)))
  if (q.sort.length > 0) {
    kept.sort((a, b) => {
      for (const key of q.sort) {
        const va = field(a, key.field)
        const vb = field(b, key.field)
        const aNull = va === null || va === undefined
        const bNull = vb === null || vb === undefined
        if (aNull || bNull) {
          if (aNull && bNull) continue
          return aNull ? 1 : -1 // nulls last, whichever the direction
        }
        const c = order(va, vb)
        if (c !== 0) return key.descending ? -c : c
      }
      return 0
    })
  }
  const total = kept.length
  const truncated = q.limit > 0 && total > q.limit
  if (truncated) kept = kept.slice(0, q.limit)
  return { items: kept, total, truncated }
}

/** The stderr footer of a truncated list: `showing 10 of 42 clients (--limit 0 shows all)`. */
export function truncationNote (page: ListPage<unknown>, noun: string): string {
  return `showing ${page.items.length} of ${page.total} ${noun} (raise --limit, or --limit 0 shows all)`
}
