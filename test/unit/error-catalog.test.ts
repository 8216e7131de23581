/**
 * The error catalog (src/errors/catalog.ts) holds every code: each control error code and store
 * error code has its entry, and each `ExitCode.X, 'CODE'` pair raised by mqttctl's sources agrees
 * with the catalog, so a new code without an entry (or with another exit code) fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ControlErrorCode } from '../../src/control/schema.js'
import { ERRORS, errorEntry, ExitCode, exitCodeOf } from '../../src/errors/catalog.js'
import { StoreError } from '../../src/store/errors.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

function sources (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

test('every control error code has a catalog entry of the control channel, and no other has', (t: TestContext) => {
  const codes = Object.values(ControlErrorCode)
  for (const code of codes) t.assert.equal(errorEntry(code)?.origin, 'control', code)
  const catalogued = Object.entries(ERRORS).filter(([, e]) => e.origin === 'control').map(([code]) => code)
  t.assert.deepEqual(catalogued.sort(), [...codes].sort())
})

test('every store error code has a catalog entry of the store', (t: TestContext) => {
  const errors = [
    StoreError.corrupt('/d', 'bad', undefined),
    StoreError.lost('/d', { found_at: 'now', detail: 'gone', kept_in: null }, 'mqttctl store repair'),
    StoreError.locked('/d', 'held'),
    StoreError.unavailable('/d', 'full'),
  ]
  for (const err of errors) t.assert.equal(errorEntry(err.code)?.origin, 'store', err.code)
  t.assert.deepEqual([...new Set(errors.map((e) => e.code))].sort(),
    Object.entries(ERRORS).filter(([, e]) => e.origin === 'store').map(([code]) => code).sort())
})

test('the exit codes of the catalog are the documented ones', (t: TestContext) => {
  t.assert.equal(exitCodeOf('BRK_ERR_CONFIG_INVALID'), 78)
  t.assert.equal(exitCodeOf('BRK_ERR_STORE_CORRUPT'), 70)
  t.assert.equal(exitCodeOf(ControlErrorCode.NotFound), 65)
  t.assert.equal(exitCodeOf(ControlErrorCode.NoSuchUser), 67)
  t.assert.equal(exitCodeOf(ControlErrorCode.UnsupportedVersion), 76)
  t.assert.equal(exitCodeOf('NOT_A_CODE'), 70, 'an unknown code (a newer broker) is internal')
  t.assert.equal(exitCodeOf('toString'), 70, 'only own entries count')
  const exits = new Set<number>(Object.values(ExitCode))
  for (const [code, e] of Object.entries(ERRORS)) t.assert.ok(e.exit === null || exits.has(e.exit), code)
})

test("each `ExitCode.X, 'CODE'` raised in src/ and commands/ agrees with the catalog", (t: TestContext) => {
  const pair = /ExitCode\.(\w+),\s*'([A-Z_]+)'/g
  let checked = 0
  for (const file of [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'commands'))]) {
    const text = readFileSync(file, 'utf8')
    for (const [, exit, code] of text.matchAll(pair)) {
      const entry = errorEntry(code)
      t.assert.ok(entry !== undefined, `${file}: '${code}' has no entry in src/errors/catalog.ts`)
      const value = ExitCode[exit as keyof typeof ExitCode]
      t.assert.ok(entry.exit === null || entry.exit === value, `${file}: '${code}' exits ${value}, the catalog says ${String(entry.exit)}`)
      checked++
    }
  }
  t.assert.ok(checked > 10, `found ${checked} pairs`)
})
