/**
 * Shell completion (@oclif/plugin-autocomplete): `mqttctl autocomplete bash` builds the completion
 * functions from the commands' manifest; bash, loading them as the setup line does, completes
 * commands with spaces between topics and their flags.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { mqttctl } from '../helpers/mqttctl.js'

/** COMPREPLY of the generated bash function for the words typed so far (the last one being completed). */
function complete (functions: string, words: string[]): Promise<string[]> {
  const script = String.raw`source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=$` + String.raw`{#COMP_LINE}; _mqttctl_autocomplete; printf '%s\n' "$` + String.raw`{COMPREPLY[@]}"`
  const bash = spawn('bash', ['-c', script, 'complete', functions, ...words], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  bash.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  return new Promise((resolve, reject) => {
    bash.on('error', reject)
    bash.on('close', () => { resolve(out.split('\n').filter((l) => l !== '')) })
  })
}

test('bash completion: commands and flags', async (t: TestContext) => {
  const home = await mkdtemp(join(tmpdir(), 'mqttctl-completion-'))
  t.after(() => rm(home, { recursive: true, force: true }))
  const env = { HOME: home, XDG_CACHE_HOME: join(home, 'cache') }
  const setup = await mqttctl(['autocomplete', 'script', 'bash'], { env })
  t.assert.equal(setup.code, 0, setup.stderr)
  t.assert.match(setup.stdout, /MQTTCTL_AC_BASH_SETUP_PATH=/)
  const built = await mqttctl(['autocomplete', 'bash'], { env })
  t.assert.equal(built.code, 0, built.stderr)
  const functions = join(home, 'cache', 'mqttctl', 'autocomplete', 'functions', 'bash', 'mqttctl.bash')
  t.assert.deepEqual(await complete(functions, ['mqttctl', 'client', 'l']), ['list'])
  t.assert.deepEqual(await complete(functions, ['mqttctl', 'client', 'list', '--fi']), ['--filter'])
  t.assert.deepEqual(await complete(functions, ['mqttctl', 'store', 'repair', '--acc']), ['--accept-loss'])
})
