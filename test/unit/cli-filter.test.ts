/** src/cli/filter.ts: --filter, --sort and --limit of list commands (pure). */
import { test, type TestContext } from 'node:test'
import { CliFailure, toCliError } from '../../src/cli/base-command.js'
import { ListQueryError, applyListQuery, normalizeSortArgv, parseListQuery } from '../../src/cli/filter.js'

interface Row { id: string; n: number | null; on: boolean; at: string | null }
const FIELDS = ['id', 'n', 'on', 'at']
const ROWS: Row[] = [
  { id: 'c10', n: 5, on: true, at: '2025-03-01T00:00:00.000Z' },
  { id: 'c2', n: null, on: false, at: null },
  { id: 'b1', n: 12, on: true, at: '2024-12-31T23:59:59.000Z' },
  { id: 'c1', n: 5, on: false, at: '2025-01-01T00:00:00.000Z' },
]
const ids = (filter: string[], sort = '', limit = 0): string[] =>
  applyListQuery(ROWS, parseListQuery({ filter, sort, limit }, FIELDS)).items.map((r) => r.id)

test('filters: = != ~ !~ and ordering operators; null reads as empty text', (t: TestContext) => {
  t.assert.deepEqual(ids(['n=5']), ['c10', 'c1'])
  t.assert.deepEqual(ids(['n=']), ['c2'])
  t.assert.deepEqual(ids(['on!=true']), ['c2', 'c1'])
  t.assert.deepEqual(ids(['id~^c\\d$']), ['c2', 'c1'])
  t.assert.deepEqual(ids(['id!~^c']), ['b1'])
  t.assert.deepEqual(ids(['n>5']), ['b1'])
  t.assert.deepEqual(ids(['n>=5', 'n<=5']), ['c10', 'c1'])
  t.assert.deepEqual(ids(['at<2025-01-01']), ['b1'], 'ISO times compare as text; null never matches')
  t.assert.deepEqual(ids(['id=a=b']), [], 'the first operator splits')
})

test('sort: natural text order, numbers, -FIELD and FIELD:desc, nulls last both ways, stable ties', (t: TestContext) => {
  t.assert.deepEqual(ids([], 'id'), ['b1', 'c1', 'c2', 'c10'])
  t.assert.deepEqual(ids([], '-id'), ['c10', 'c2', 'c1', 'b1'])
  t.assert.deepEqual(ids([], 'n'), ['c10', 'c1', 'b1', 'c2'])
  t.assert.deepEqual(ids([], 'n:desc'), ['b1', 'c10', 'c1', 'c2'])
  t.assert.deepEqual(ids([], 'n,-id'), ['c10', 'c1', 'b1', 'c2'])
  t.assert.deepEqual(ids([], 'on:desc,id'), ['b1', 'c10', 'c1', 'c2'])
})

test('limit: total counts every match, truncated says rows were cut, 0 is no limit', (t: TestContext) => {
  const page = applyListQuery(ROWS, parseListQuery({ filter: ['on=true'], sort: 'id', limit: 1 }, FIELDS))
  t.assert.deepEqual(page, { items: [ROWS[2]], total: 2, truncated: true })
  t.assert.equal(applyListQuery(ROWS, parseListQuery({ limit: 0 }, FIELDS)).truncated, false)
  t.assert.equal(applyListQuery(ROWS, parseListQuery({ limit: 4 }, FIELDS)).truncated, false)
})

test('usage errors (exit 64) name the problem and list the fields', (t: TestContext) => {
  for (const flags of [{ filter: ['nope=1'] }, { filter: ['no operator'] }, { filter: ['id~('] }, { sort: 'nope' }, { sort: 'id:sideways' }]) {
    t.assert.throws(() => parseListQuery(flags, FIELDS), (err: Error) => {
      const failure = toCliError(err) as CliFailure
      return err instanceof ListQueryError && failure instanceof CliFailure && failure.exitCode === 64 && failure.suggestions?.[0] === 'fields: id, n, on, at'
    })
  }
})

test('normalizeSortArgv: -FIELD becomes FIELD:desc so oclif does not read it as a short flag', (t: TestContext) => {
  t.assert.deepEqual(normalizeSortArgv(['--sort', '-client_id,user', '--json']), ['--sort=client_id:desc,user', '--json'])
  t.assert.deepEqual(normalizeSortArgv(['--sort=-a', '-c', 'x']), ['--sort=a:desc', '-c', 'x'])
  t.assert.deepEqual(normalizeSortArgv(['--sort', 'a', '--limit', '2']), ['--sort', 'a', '--limit', '2'])
  t.assert.deepEqual(normalizeSortArgv(['--sort', '--json']), ['--sort', '--json'], 'a missing value stays a parse error')
  t.assert.deepEqual(normalizeSortArgv(['--', '--sort', '-a']), ['--', '--sort', '-a'])
})
