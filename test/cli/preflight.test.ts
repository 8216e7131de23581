/**
 * What start needs beyond valid keys is checked before anything is spawned or stopped
 * (src/config/preflight.ts), by `start`, `restart` and `mqttctl config check`: TLS files readable,
 * certificate and key parsed and matching, hosts of this machine, ports free (or held by the
 * broker being restarted), the data directory usable. Every problem names its key.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'

import { makeCerts } from '../helpers/certs.js'
import { type StartJson, processExists, runCli, runCliJson, startDaemon, testDir } from './harness.js'

interface CheckJson {
  ok: boolean
  problems: Array<{ key: string; message: string; permission: boolean }>
}

test('restart --config with a TLS listener whose files are missing: 78 naming the keys, the broker left running', async (t: TestContext) => {
  const dir = await testDir(t)
  const first = await startDaemon(dir)
  const file = join(dir.root, 'tls.yaml')
  await writeFile(file, `data_dir: ${dir.dataDir}\nlisteners:\n  - { type: mqtts, host: 127.0.0.1, port: 0, cert: tls/server.pem, key: tls/server.key }\n`)

  const res = await runCli(['restart', '--config', file])
  t.assert.equal(res.code, 78, res.stderr)
  t.assert.equal(res.stderr,
    `mqttctl: invalid configuration: ${file}: listeners[0].cert: cannot read ${dir.root}/tls/server.pem: no such file or directory\n` +
    `mqttctl: invalid configuration: ${file}: listeners[0].key: cannot read ${dir.root}/tls/server.key: no such file or directory\n`)
  t.assert.equal(processExists(first.pid), true, 'nothing was stopped')
  const status = await runCliJson<{ pid: number }>(['status', '--data-dir', dir.dataDir])
  t.assert.equal(status.code, 0)
  t.assert.equal(status.json.pid, first.pid)
})

test('config check: ok with a good TLS listener; every problem listed with its key (78), as --json too', async (t: TestContext) => {
  const dir = await testDir(t)
  await mkdir(join(dir.root, 'tls'))
  const certs = await makeCerts(join(dir.root, 'tls'))
  const good = join(dir.root, 'good.yaml')
  await writeFile(good, `data_dir: ${dir.dataDir}\nlisteners:\n  - { type: mqtts, host: 127.0.0.1, port: 0, cert: ${certs.cert}, key: ${certs.key}, ca: ${certs.ca} }\n`)
  const ok = await runCli(['config', 'check', good])
  t.assert.equal(ok.code, 0, ok.stderr)
  t.assert.equal(ok.stdout, `ok: ${good}: data dir ${dir.dataDir}, 1 listener (mqtts 127.0.0.1:0)\n`)

  const blocker = net.createServer()
  await new Promise<void>((resolve) => { blocker.listen(0, '127.0.0.1', resolve) })
  t.after(() => new Promise<void>((resolve) => { blocker.close(() => { resolve() }) }))
  const taken = (blocker.address() as net.AddressInfo).port
  const notPem = join(dir.root, 'not.pem')
  await writeFile(notPem, 'hello\n')
  await writeFile(join(dir.root, 'file'), '')
  const bad = join(dir.root, 'bad.yaml')
  await writeFile(bad, [
    `data_dir: ${join(dir.root, 'file', 'data')}`,
    'listeners:',
    `  - { type: mqtts, host: 127.0.0.1, port: 0, cert: ${certs.cert}, key: ${certs.clientKey} }`,
    `  - { type: wss, host: 127.0.0.1, port: 0, cert: ${notPem}, key: ${certs.key} }`,
    `  - { type: mqtt, host: 127.0.0.1, port: ${taken} }`,
    '  - { type: ws, host: 192.0.2.1, port: 0 }',
    '',
  ].join('\n'))
  const res = await runCli(['config', 'check', bad])
  t.assert.equal(res.code, 78, res.stderr)
  const lines = res.stderr.trimEnd().split('\n')
  const expected = [
    /^mqttctl: invalid configuration: .*bad\.yaml: data_dir: .*\/file is not a directory$/,
    /^mqttctl: invalid configuration: .*bad\.yaml: listeners\[0\]\.key: .*client\.key is not the private key of the certificate .*server\.pem \(listeners\[0\]\.cert\)$/,
    /^mqttctl: invalid configuration: .*bad\.yaml: listeners\[1\]\.cert: .*not\.pem is not a PEM certificate \(/,
    new RegExp(`^mqttctl: invalid configuration: .*bad\\.yaml: listeners\\[2\\]\\.port: 127\\.0\\.0\\.1:${taken} is in use by another program$`),
    /^mqttctl: invalid configuration: .*bad\.yaml: listeners\[3\]\.host: 192\.0\.2\.1 \(192\.0\.2\.1\) is not an address of this machine$/,
  ]
  t.assert.equal(lines.length, expected.length, res.stderr)
  expected.forEach((re, i) => { t.assert.match(lines[i], re) })

  const json = await runCliJson<CheckJson>(['config', 'check', bad])
  t.assert.equal(json.code, 78)
  t.assert.equal(json.json.ok, false)
  t.assert.deepEqual(json.json.problems.map((p) => p.key), ['data_dir', 'listeners[0].key', 'listeners[1].cert', 'listeners[2].port', 'listeners[3].host'])
})

test('restart --config on the port the running broker holds: that port counts as free', async (t: TestContext) => {
  const dir = await testDir(t)
  const first = await startDaemon(dir)
  const port = first.listeners[0].port
  const file = join(dir.root, 'same-port.yaml')
  await writeFile(file, `data_dir: ${dir.dataDir}\nlisteners:\n  - { type: mqtt, host: 0.0.0.0, port: ${port} }\n`)
  t.assert.equal((await runCli(['config', 'check', file])).code, 0, 'config check knows the broker running there')

  const res = await runCliJson<{ start: StartJson }>(['restart', '--config', file])
  t.assert.equal(res.code, 0, res.stderr)
  dir.track(res.json.start.pid)
  t.assert.equal(res.json.start.listeners[0].port, port)
  t.assert.equal(processExists(first.pid), false)
})
