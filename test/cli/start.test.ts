import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'

/** The package root: this file runs as `<root>/dist/test/cli/start.test.js`. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `node bin/run.js ...args` from the package root and collects its output. */
function runCli (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

test('start --foreground takes no daemon-only flags: usage error (64)', async () => {
  const json = await runCli(['start', '--foreground', '--json'])
  assert.equal(json.code, 64, json.stderr)
  const wait = await runCli(['start', '--foreground', '--wait-timeout', '5'])
  assert.equal(wait.code, 64, wait.stderr)
  assert.match(wait.stderr, /--wait-timeout/)
})

test('start --foreground with a bad config file exits 78 and names the bad keys', async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'mqttd-cli-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'broker.yaml')
  await writeFile(file, 'max_inflght: 10\nlisteners:\n  - type: mqtt\n    port: 99999\n')

  const res = await runCli(['start', '--foreground', '--config', file, '--data-dir', join(dir, 'data')])
  assert.equal(res.code, 78, res.stderr)
  assert.match(res.stderr, /mqttctl: invalid configuration: .*max_inflght: unknown key \(did you mean max_inflight\?\)/)
  assert.match(res.stderr, /mqttctl: invalid configuration: .*listeners\[0\]\.port: must be an integer between 0 and 65535/)
  assert.equal(res.stdout, '')
})
