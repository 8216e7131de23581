/**
 * The dependency rule of src/ (docs/architecture.md): every top-level folder or file of src/ is a
 * unit on one floor of LAYERS, and a module may import (statically, dynamically or for types
 * only) modules of its own unit and of units on lower floors, never higher or on its own floor.
 * src/ never imports commands/ or test/. Read from the TypeScript sources, so a new edge fails
 * here before anyone builds on it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SRC = join(ROOT, 'src')

/** Floors, lowest first; units on one floor do not import each other. */
export const LAYERS: ReadonlyArray<readonly string[]> = [
  ['errors'],
  ['protocol', 'host'],
  ['log'],
  ['config'],
  ['store'],
  ['auth'],
  ['metrics'],
  ['transport'],
  ['core'],
  ['tracing', 'cluster'],
  ['control'],
  ['reload'],
  ['broker'],
  ['main'],
  ['daemon', 'cli'],
  ['bench'],
]

const floorOf = new Map(LAYERS.flatMap((units, floor) => units.map((u) => [u, floor] as const)))

function sources (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

/** src/core/engine.ts → core; src/broker.ts → broker. */
function unitOf (path: string): string {
  const [first, ...rest] = relative(SRC, path).split('/')
  return rest.length === 0 ? first!.replace(/\.(d\.)?ts$/, '') : first!
}

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g

interface Edge { from: string; to: string; fromUnit: string; toUnit: string }

function edges (): Edge[] {
  const out: Edge[] = []
  for (const file of sources(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts')
      out.push({ from: relative(ROOT, file), to: relative(ROOT, target), fromUnit: unitOf(file), toUnit: target.startsWith(SRC + '/') ? unitOf(target) : relative(ROOT, target) })
    }
  }
  return out
}

test('every unit of src/ is on a floor', (t: TestContext) => {
  const units = new Set(sources(SRC).map(unitOf))
  t.assert.deepEqual([...units].filter((u) => !floorOf.has(u)).sort(), [])
})

test('src/ imports downward only: no unit imports one on its own or a higher floor', (t: TestContext) => {
  const wrong = edges()
    .filter((e) => e.fromUnit !== e.toUnit)
    .filter((e) => {
      const to = floorOf.get(e.toUnit)
      return to === undefined || to >= floorOf.get(e.fromUnit)!
    })
    .map((e) => `${e.from} → ${e.to}`)
  t.assert.deepEqual(wrong, [])
})

test('the rule can fail: an import from a lower floor to a higher one is caught', (t: TestContext) => {
  // the check above, applied to a made-up edge (store → core) and a real one (core → store)
  const check = (fromUnit: string, toUnit: string): boolean => floorOf.get(toUnit)! < floorOf.get(fromUnit)!
  t.assert.equal(check('store', 'core'), false)
  t.assert.equal(check('core', 'store'), true)
  t.assert.equal(check('cli', 'daemon'), false)
})
