/**
 * SIGHUP and `mqttctl reload` on a real daemon (src/reload.ts): live keys of the edited config file
 * take effect and are logged from → to, keys that need a restart are reported and kept, an invalid
 * file changes nothing (exit 78 for `mqttctl reload`), TLS listeners serve a new certificate to new
 * connections (a bad one is refused and the old one kept), and the log file is reopened after
 * logrotate moved it away.
 */
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import tls from 'node:tls'
import { X509Certificate } from 'node:crypto'

import mqtt from 'mqtt'

import { makeCerts } from '../helpers/certs.js'
import { type CliErrorJson } from '../helpers/mqttctl.js'
import { processExists, runCli, runCliJson, startDaemon, testDir, until, type StartJson, type TestDir } from './harness.js'

interface LogLine { level: number; msg: string; [key: string]: unknown }

async function logLines (dir: TestDir, file = 'broker.log'): Promise<LogLine[]> {
  const text = await readFile(join(dir.dataDir, file), 'utf8').catch(() => '')
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogLine)
}

/** Waits for the `n`-th log line whose message matches `pattern` (1-based). */
async function logged (dir: TestDir, pattern: RegExp, n = 1, file = 'broker.log'): Promise<LogLine> {
  return until(`log line ${n} matching ${pattern}`, async () => (await logLines(dir, file)).filter((l) => pattern.test(l.msg))[n - 1])
}

async function configValue (dir: TestDir, key: string): Promise<unknown> {
  const res = await runCliJson<{ config: Record<string, unknown> }>(['config', 'show', '--data-dir', dir.dataDir])
  return res.json.config[key]
}

test('SIGHUP: live keys of the edited file take effect and are logged; restart keys are reported and kept; an invalid file changes nothing', async (t: TestContext) => {
  const dir = await testDir(t)
  const file = join(dir.root, 'broker.yaml')
  await writeFile(file, 'node_name: n1\nmax_inflight: 100\n')
  const started = await startDaemon(dir, ['--config', file])
  const url = `mqtt://127.0.0.1:${started.listeners[0].port}`

  await writeFile(file, 'node_name: n2\nmax_inflight: 7\n')
  process.kill(started.pid, 'SIGHUP')
  const line = await logged(dir, /^configuration reloaded \(SIGHUP\)/)
  t.assert.match(line.msg, /max_inflight 100 → 7/)
  t.assert.equal(line.level, 30, 'info')
  t.assert.deepEqual(line.changed, [{ key: 'max_inflight', previous: 100, value: 7 }])
  const restart = await logged(dir, /^changed in the file, needs a restart: node_name$/)
  t.assert.equal(restart.level, 40, 'warn')
  t.assert.ok(processExists(started.pid), 'the daemon survives SIGHUP')

  // A new MQTT 5 client is offered the new Receive Maximum; the node name stays until a restart.
  const client = mqtt.connect(url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.after(() => client.endAsync(true))
  const connack = await new Promise<mqtt.IConnackPacket>((resolve) => { client.once('connect', resolve) })
  t.assert.equal(connack.properties?.receiveMaximum, 7)
  t.assert.equal(await configValue(dir, 'node_name'), 'n1')

  // An invalid file: logged at error with the key, nothing changes, the broker keeps running.
  await writeFile(file, 'max_inflight: -1\n')
  process.kill(started.pid, 'SIGHUP')
  const refused = await logged(dir, /^reload \(SIGHUP\) refused, nothing changed: invalid configuration: .*max_inflight/)
  t.assert.equal(refused.level, 50, 'error')
  t.assert.equal(await configValue(dir, 'max_inflight'), 7)
  t.assert.equal((await runCli(['status', '--data-dir', dir.dataDir])).code, 0)

  // mqttctl reload: the same, over the control socket.
  const invalid = await runCliJson<CliErrorJson>(['reload', '--data-dir', dir.dataDir])
  t.assert.equal(invalid.code, 78)
  t.assert.match(invalid.json.error.message, /max_inflight/)
  await writeFile(file, 'node_name: n1\nmax_inflight: 9\nlog_level: warn\n')
  const text = await runCli(['reload', '--data-dir', dir.dataDir])
  t.assert.equal(text.code, 0, text.stderr)
  t.assert.equal(text.stdout, `reloaded ${file}\nmax_inflight: 7 → 9\nlog_level: info → warn\nlog file reopened\n`)
  const quieter = await logged(dir, /^configuration reloaded \(mqttctl reload\)/)
  t.assert.match(quieter.msg, /log_level info → warn/, 'a reload that quiets the log is still recorded')
  const json = await runCliJson<{ changed: unknown[]; restart_required: string[]; log_reopened: boolean; file: string }>(['reload', '--data-dir', dir.dataDir])
  t.assert.equal(json.code, 0)
  t.assert.deepEqual(json.json, { file, changed: [], restart_required: [], certificates: [], log_reopened: true })
})

test('SIGHUP after logrotate moved broker.log away: later lines go to a new broker.log', async (t: TestContext) => {
  const dir = await testDir(t)
  const started = await startDaemon(dir)
  await logged(dir, /^broker started$/)
  await rename(join(dir.dataDir, 'broker.log'), join(dir.dataDir, 'broker.log.1'))
  process.kill(started.pid, 'SIGHUP')
  const line = await logged(dir, /^configuration reloaded \(SIGHUP\): no live key changed; log file reopened$/)
  t.assert.ok(line)
  const old = (await logLines(dir, 'broker.log.1')).map((l) => l.msg)
  t.assert.ok(old.includes('broker started'), 'the moved file keeps the earlier lines')
  t.assert.ok(!old.some((m) => m.startsWith('configuration reloaded')), 'and gets none after the signal')
  // the broker keeps logging to the new file
  t.assert.equal((await runCli(['stop', '--data-dir', dir.dataDir])).code, 0)
  const after = (await logLines(dir)).map((l) => l.msg)
  t.assert.ok(after.includes('closed'), `the stop is logged in the new file: ${after.join(' | ')}`)
})

/** The SHA-256 fingerprint of the certificate a TLS handshake with `port` presents. */
async function servedFingerprint (port: number): Promise<string> {
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
  try {
    await new Promise<void>((resolve, reject) => { socket.once('secureConnect', resolve); socket.once('error', reject) })
    return socket.getPeerCertificate().fingerprint256
  } finally {
    socket.destroy()
  }
}

async function fingerprintOf (pem: string): Promise<string> {
  return new X509Certificate(await readFile(pem)).fingerprint256
}

test('SIGHUP reloads the certificate of an mqtts listener for new connections; an unusable one is refused and the old one kept', async (t: TestContext) => {
  const dir = await testDir(t)
  const [first, second] = await Promise.all([
    mkdir(join(dir.root, 'a')).then(() => makeCerts(join(dir.root, 'a'))),
    mkdir(join(dir.root, 'b')).then(() => makeCerts(join(dir.root, 'b'))),
  ])
  const cert = join(dir.root, 'server.pem')
  const key = join(dir.root, 'server.key')
  await copyFile(first.cert, cert)
  await copyFile(first.key, key)
  const file = join(dir.root, 'broker.yaml')
  await writeFile(file, 'listeners:\n  - { type: mqtts, host: 127.0.0.1, port: 0, cert: server.pem, key: server.key }\n')
  const res = await runCliJson<StartJson>(['start', '--data-dir', dir.dataDir, '--config', file])
  t.assert.equal(res.code, 0, res.stderr)
  dir.track(res.json.pid)
  const port = res.json.listeners[0].port
  const listener = `mqtts 127.0.0.1:${port}`
  t.assert.equal(await servedFingerprint(port), await fingerprintOf(first.cert))

  await copyFile(second.cert, cert)
  await copyFile(second.key, key)
  process.kill(res.json.pid, 'SIGHUP')
  const line = await logged(dir, /^configuration reloaded \(SIGHUP\)/)
  t.assert.match(line.msg, new RegExp(`certificates reloaded: ${listener}`))
  t.assert.equal(await servedFingerprint(port), await fingerprintOf(second.cert), 'new connections get the new certificate')

  // A key that does not match the certificate: logged at error, the second certificate stays.
  await copyFile(first.key, key)
  const reload = await runCliJson<{ certificates: Array<{ listener: string; reloaded: boolean; error: string | null }> }>(['reload', '--data-dir', dir.dataDir])
  t.assert.equal(reload.code, 65)
  t.assert.equal(reload.json.certificates.length, 1)
  t.assert.equal(reload.json.certificates[0].listener, listener)
  t.assert.equal(reload.json.certificates[0].reloaded, false)
  const error = await logged(dir, new RegExp(`^cannot reload the certificate of ${listener}: .+; it keeps the one it had$`))
  t.assert.equal(error.level, 50)
  t.assert.equal(await servedFingerprint(port), await fingerprintOf(second.cert))
})
