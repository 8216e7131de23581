/**
 * `mqttctl restart` keeps the configuration the broker runs with: without --config it asks the
 * running broker (node.status `config`: file and command-line overrides, also in `state`) and
 * starts the new one from the same; --config replaces it; with nothing running it is a start.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'

import { type StartJson, runCli, runCliJson, testDir } from './harness.js'

interface StateJson {
  config: { file: string | null; overrides: { port?: number; data_dir?: string } }
  listeners: Array<{ host: string }>
  auth: { allow_anonymous: boolean }
}

interface RestartJson {
  reused_config: StateJson['config'] | null
  start: StartJson
}

test('restart without --config restarts from the running broker\'s file: loopback listener, anonymous refused', async (t: TestContext) => {
  const dir = await testDir(t)
  const file = join(dir.root, 'rs.yaml')
  await writeFile(file, `data_dir: ${dir.dataDir}\nallow_anonymous: false\nlisteners:\n  - { type: mqtt, host: 127.0.0.1, port: 0 }\n`)
  const started = await runCliJson<StartJson>(['start', '--config', file])
  t.assert.equal(started.code, 0, started.stderr)
  dir.track(started.json.pid)

  const before = await runCliJson<StateJson>(['state', '--data-dir', dir.dataDir])
  t.assert.deepEqual(before.json.config, { file, overrides: {} })
  const text = await runCli(['state', '--data-dir', dir.dataDir])
  t.assert.match(text.stdout, new RegExp(`^config +${file}$`, 'm'))

  const restarted = await runCliJson<RestartJson>(['restart', '--data-dir', dir.dataDir])
  t.assert.equal(restarted.code, 0, restarted.stderr)
  dir.track(restarted.json.start.pid)
  t.assert.deepEqual(restarted.json.reused_config, { file, overrides: {} })
  t.assert.deepEqual(restarted.json.start.listeners.map((l) => l.host), ['127.0.0.1'])
  const after = await runCliJson<StateJson>(['state', '--data-dir', dir.dataDir])
  t.assert.deepEqual(after.json.config, { file, overrides: {} })
  t.assert.equal(after.json.auth.allow_anonymous, false)

  // --config replaces it: the other file's settings apply, and are what the broker reports.
  const other = join(dir.root, 'other.yaml')
  await writeFile(other, `data_dir: ${dir.dataDir}\nallow_anonymous: true\nlisteners:\n  - { type: mqtt, host: 127.0.0.2, port: 0 }\n`)
  const replaced = await runCliJson<RestartJson>(['restart', '--config', other])
  t.assert.equal(replaced.code, 0, replaced.stderr)
  dir.track(replaced.json.start.pid)
  t.assert.equal(replaced.json.reused_config, null)
  t.assert.deepEqual(replaced.json.start.listeners.map((l) => l.host), ['127.0.0.2'])
  t.assert.deepEqual((await runCliJson<StateJson>(['state', '--data-dir', dir.dataDir])).json.config, { file: other, overrides: {} })
})

test('restart keeps command-line overrides (--port, --data-dir); its own flags replace them; with nothing running it starts', async (t: TestContext) => {
  const dir = await testDir(t)
  const fresh = await runCliJson<RestartJson>(['restart', '--data-dir', dir.dataDir, '--port', '0'])
  t.assert.equal(fresh.code, 0, fresh.stderr)
  dir.track(fresh.json.start.pid)
  t.assert.equal(fresh.json.reused_config, null)
  const source = { file: null, overrides: { port: 0, data_dir: dir.dataDir } }
  t.assert.deepEqual((await runCliJson<StateJson>(['state', '--data-dir', dir.dataDir])).json.config, source)

  const again = await runCliJson<RestartJson>(['restart', '--data-dir', dir.dataDir])
  t.assert.equal(again.code, 0, again.stderr)
  dir.track(again.json.start.pid)
  t.assert.deepEqual(again.json.reused_config, source)
  t.assert.deepEqual((await runCliJson<StateJson>(['state', '--data-dir', dir.dataDir])).json.config, source)

  const note = await runCli(['restart', '--data-dir', dir.dataDir, '--json'])
  t.assert.equal(note.code, 0, note.stderr)
  const third = JSON.parse(note.stdout) as RestartJson
  dir.track(third.start.pid)
  t.assert.equal(note.stderr, '', 'no note under --json')
  const human = await runCli(['restart', '--data-dir', dir.dataDir])
  t.assert.equal(human.code, 0, human.stderr)
  t.assert.match(human.stderr, new RegExp(`restarting with the configuration the broker runs with: no file \\(defaults\\) \\(overrides: port 0, data_dir ${dir.dataDir}\\)`))
})
