/**
 * Every example of every command's help can be pasted into a shell as it is: a metacharacter a
 * shell would act on (`>` redirects, `*` globs, `$` expands, `#` starts a comment…) is quoted,
 * unless it stands alone as an operator (`| jq …`, `> trace.ndjson`, `&&`). An unquoted
 * `--filter online>0` would create a file named 0.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test, type TestContext } from 'node:test'
import { ROOT } from '../helpers/mqttctl.js'

const OPERATORS = new Set(['|', '||', '&&', '>', '>>', '<', '2>&1', ';'])
const SPECIAL = /[<>|&;()*?[\]$`!{}]/

/** The words of a shell command line whose unquoted part holds a metacharacter (operators aside). */
function unquotedSpecials (line: string): string[] {
  const bad: string[] = []
  let word = ''
  let unquoted = ''
  let quote: '"' | "'" | null = null
  const endWord = (): void => {
    if (word !== '' && !OPERATORS.has(word) && (SPECIAL.test(unquoted) || unquoted.startsWith('#') || unquoted.startsWith('~'))) bad.push(word)
    word = ''
    unquoted = ''
  }
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote !== null) {
      if (c === quote) quote = null
      word += c
      if (quote === '"' && c === '\\') word += line[++i] ?? ''
      continue
    }
    if (c === ' ' || c === '\t') { endWord(); continue }
    if (c === "'" || c === '"') { quote = c; word += c; continue }
    if (c === '\\') { word += c + (line[++i] ?? ''); continue }
    word += c
    unquoted += c
  }
  endWord()
  return bad
}

async function commandExamples (): Promise<Array<{ id: string; example: string }>> {
  const dir = join(ROOT, 'dist', 'commands')
  const out: Array<{ id: string; example: string }> = []
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js')).sort()) {
    const id = file.slice(0, -'.js'.length).split(/[\\/]/).join(' ')
    const mod = await import(pathToFileURL(join(dir, file)).href) as { default: { examples?: Array<string | { command: string }> } }
    for (const ex of mod.default.examples ?? []) {
      const text = typeof ex === 'string' ? ex : ex.command
      out.push({ id, example: text.replaceAll('<%= config.bin %>', 'mqttctl').replaceAll('<%= command.id %>', id) })
    }
  }
  return out
}

test('the lexer flags unquoted metacharacters and accepts quoted ones and operators', (t: TestContext) => {
  t.assert.deepEqual(unquotedSpecials('mqttctl account list --filter online>0'), ['online>0'])
  t.assert.deepEqual(unquotedSpecials('mqttctl retained list --topic home/#'), [])
  t.assert.deepEqual(unquotedSpecials("mqttctl retained list --topic '#' --filter \"size>10\" | jq . > out.json"), [])
  t.assert.deepEqual(unquotedSpecials('mqttctl sys --filter clients/*'), ['clients/*'])
  t.assert.deepEqual(unquotedSpecials("mqttctl x --filter 'filter~^\\$share/'"), [])
})

test('every example in every command\'s help is quoted for a shell', async (t: TestContext) => {
  const examples = await commandExamples()
  t.assert.ok(examples.length > 40, `found ${examples.length} examples`)
  const unsafe = examples.filter(({ example }) => unquotedSpecials(example).length > 0).map(({ id, example }) => `${id}: ${example}`)
  t.assert.deepEqual(unsafe, [])
})
