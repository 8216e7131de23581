/**
 * mqttctl start / status / stop / restart end to end: the real CLI spawns a real daemon in a
 * temporary data directory (port 0, the real port read back from `start --json`), real mqtt.js
 * clients connect to it, and exit codes and output are asserted.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'

import mqtt from 'mqtt'

import { processExists, runCli, runCliJson, startDaemon, testDir, until, type StartJson } from './harness.js'

interface StatusJson { state: string; pid: number | null; uptime_s: number | null; version: string | null; node: string | null; clients: number | null }
interface StopJson { pid: number | null; stopped_in_ms: number | null; already_stopped: boolean; forced: boolean }

test('start (daemon) → status 0 → an MQTT client connects → stop (DISCONNECT 0x8B) → status 3', async (t: TestContext) => {
  const dir = await testDir(t)
  const started = await startDaemon(dir)
  t.assert.equal(started.already_running, false)
  t.assert.equal(typeof started.started_in_ms, 'number')
  t.assert.equal(started.listeners.length, 1)
  t.assert.equal(started.listeners[0].type, 'mqtt')
  t.assert.ok(started.listeners[0].port > 0, 'the real port, not 0')
  t.assert.equal(readFileSync(join(dir.dataDir, 'mqttctl.pid'), 'utf8'), `${started.pid}\n`)

  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${started.listeners[0].port}`, { protocolVersion: 5, reconnectPeriod: 0 }, false)
  t.after(() => client.endAsync(true))
  const disconnect = new Promise<number | undefined>((resolve) => { client.once('disconnect', (p) => { resolve(p.reasonCode) }) })

  const human = await runCli(['status', '--data-dir', dir.dataDir])
  t.assert.equal(human.code, 0, human.stderr)
  t.assert.match(human.stdout, new RegExp(`^running  pid ${started.pid}  up \\d+s  v${started.version.replaceAll('.', '\\.')}  node \\S+  1 client\\n$`))
  const status = await runCliJson<StatusJson>(['status', '--data-dir', dir.dataDir])
  t.assert.equal(status.code, 0)
  t.assert.deepEqual({ ...status.json, uptime_s: 0, node: '' }, { state: 'running', pid: started.pid, uptime_s: 0, version: started.version, node: '', clients: 1, degraded: null })

  const stop = await runCli(['stop', '--data-dir', dir.dataDir])
  t.assert.equal(stop.code, 0, stop.stderr)
  t.assert.match(stop.stdout, new RegExp(`^stopped \\(pid ${started.pid}\\) in \\d+\\.\\ds\\n$`))
  t.assert.equal(await disconnect, 0x8b, 'v5 clients are told the server is shutting down')
  t.assert.equal(processExists(started.pid), false)
  t.assert.equal(existsSync(join(dir.dataDir, 'mqttctl.pid')), false, 'the pid file is removed on a clean exit')
  t.assert.equal(existsSync(join(dir.dataDir, 'mqttctl.sock')), false)

  const after = await runCli(['status', '--data-dir', dir.dataDir])
  t.assert.equal(after.code, 3)
  t.assert.equal(after.stdout, 'stopped\n')
})

test('start twice: the second reports the running broker and exits 0', async (t: TestContext) => {
  const dir = await testDir(t)
  const first = await startDaemon(dir)
  const again = await runCli(['start', '--data-dir', dir.dataDir, '--port', '0'])
  t.assert.equal(again.code, 0, again.stderr)
  t.assert.match(again.stdout, new RegExp(`^already running: mqttd \\S+ \\(pid ${first.pid}\\)\\nmqtt 127\\.0\\.0\\.1:${first.listeners[0].port}\\n$`))
  const json = await runCliJson<StartJson>(['start', '--data-dir', dir.dataDir])
  t.assert.equal(json.code, 0)
  t.assert.deepEqual(json.json, { ...first, started_in_ms: null, already_running: true })
})

test('a stale pid file and a stale control socket left by a crash do not prevent start', async (t: TestContext) => {
  const dir = await testDir(t)
  await mkdir(dir.dataDir, { mode: 0o700 })
  const deadPid = await exitedPid()
  await writeFile(join(dir.dataDir, 'mqttctl.pid'), `${deadPid}\n`)
  await leaveStaleSocket(join(dir.dataDir, 'mqttctl.sock'))

  const dead = await runCli(['status', '--data-dir', dir.dataDir])
  t.assert.equal(dead.code, 1, 'LSB 1: dead, with a pid file left')
  t.assert.match(dead.stdout, new RegExp(`^dead  pid ${deadPid} is not running`))

  const started = await startDaemon(dir)
  t.assert.notEqual(started.pid, deadPid)
  t.assert.equal(readFileSync(join(dir.dataDir, 'mqttctl.pid'), 'utf8'), `${started.pid}\n`)
  t.assert.equal((await runCli(['status', '--data-dir', dir.dataDir])).code, 0)
})

test('a pid file naming a live process that is not a broker (pid reuse) is stale too', async (t: TestContext) => {
  const dir = await testDir(t)
  await mkdir(dir.dataDir, { mode: 0o700 })
  await writeFile(join(dir.dataDir, 'mqttctl.pid'), `${process.pid}\n`)
  const started = await startDaemon(dir)
  t.assert.equal(readFileSync(join(dir.dataDir, 'mqttctl.pid'), 'utf8'), `${started.pid}\n`)
})

test('a bad configuration is refused before anything is spawned: exit 78 naming the key', async (t: TestContext) => {
  const dir = await testDir(t)
  const file = join(dir.root, 'broker.yaml')
  await writeFile(file, 'max_inflght: 10\nlisteners:\n  - type: mqtt\n    port: 99999\n')

  const res = await runCli(['start', '--data-dir', dir.dataDir, '--config', file])
  t.assert.equal(res.code, 78, res.stderr)
  t.assert.match(res.stderr, /max_inflght: unknown key \(did you mean max_inflight\?\)/)
  t.assert.match(res.stderr, /listeners\[0\]\.port: must be an integer between 0 and 65535/)
  t.assert.equal(res.stdout, '')
  t.assert.equal(existsSync(join(dir.dataDir, 'broker.log')), false, 'no daemon ran')

  const json = await runCliJson<{ error: { code: string; message: string; exitCode: number } }>(['start', '--data-dir', dir.dataDir, '--config', file])
  t.assert.equal(json.code, 78)
  t.assert.equal(json.json.error.code, 'CONFIG_INVALID')
  t.assert.equal(json.json.error.exitCode, 78)
  t.assert.match(json.json.error.message, /max_inflght/)
})

test('a port in use is refused before anything is spawned: exit 78 naming the listener', async (t: TestContext) => {
  const dir = await testDir(t)
  const blocker = net.createServer()
  await new Promise<void>((resolve) => { blocker.listen(0, '0.0.0.0', resolve) })
  t.after(() => new Promise<void>((resolve) => { blocker.close(() => { resolve() }) }))
  const port = (blocker.address() as net.AddressInfo).port

  const res = await runCli(['start', '--data-dir', dir.dataDir, '--port', String(port)])
  t.assert.equal(res.code, 78, res.stderr)
  t.assert.equal(res.stderr, `mqttctl: invalid configuration: listeners[0].port: 0.0.0.0:${port} is in use by another program\n`)
  t.assert.equal(existsSync(join(dir.dataDir, 'broker.log')), false, 'no daemon ran')
})

test('a broker whose store cannot open dies while booting: exit 70 with its last log lines', async (t: TestContext) => {
  const dir = await testDir(t)
  await mkdir(dir.dataDir)
  await writeFile(join(dir.dataDir, 'store'), 'not a directory\n')

  const res = await runCli(['start', '--data-dir', dir.dataDir, '--port', '0'])
  t.assert.equal(res.code, 70, res.stderr)
  t.assert.match(res.stderr, /FATAL broker failed to start: the store in .*\/store is unavailable/)
  t.assert.match(res.stderr, /INFO {2}daemon starting/, 'the boot log is shown, not just the error')
  t.assert.match(res.stderr, /exited with code 70 while starting/)
  t.assert.equal(existsSync(join(dir.dataDir, 'mqttctl.pid')), false, 'the failed daemon removed its pid file')
  t.assert.equal((await runCli(['status', '--data-dir', dir.dataDir])).code, 3)
})

test('stop when nothing runs exits 0 and says so', async (t: TestContext) => {
  const dir = await testDir(t)
  const res = await runCli(['stop', '--data-dir', dir.dataDir])
  t.assert.equal(res.code, 0, res.stderr)
  t.assert.equal(res.stdout, 'already stopped\n')
  const json = await runCliJson<StopJson>(['stop', '--data-dir', dir.dataDir])
  t.assert.deepEqual(json.json, { pid: null, stopped_in_ms: null, already_stopped: true, forced: false })
  t.assert.equal((await runCli(['status', '--data-dir', dir.dataDir])).code, 3)
})

test('stop of a broker that does not answer: 75 after --timeout, killed with --force, files cleaned', async (t: TestContext) => {
  const dir = await testDir(t)
  const started = await startDaemon(dir)
  process.kill(started.pid, 'SIGSTOP') // hung: accepts nothing, handles no signal
  t.after(() => { try { process.kill(started.pid, 'SIGCONT') } catch { /* gone */ } })

  const status = await runCli(['status', '--data-dir', dir.dataDir, '--timeout', '1'])
  t.assert.equal(status.code, 1, status.stdout)
  t.assert.match(status.stdout, /^not responding/)

  const slow = await runCli(['stop', '--data-dir', dir.dataDir, '--timeout', '1'])
  t.assert.equal(slow.code, 75, slow.stderr)
  t.assert.match(slow.stderr, /--force/)
  t.assert.equal(processExists(started.pid), true)

  const forced = await runCliJson<StopJson>(['stop', '--data-dir', dir.dataDir, '--timeout', '1', '--force'])
  t.assert.equal(forced.code, 0, forced.stderr)
  t.assert.equal(forced.json.forced, true)
  t.assert.equal(forced.json.pid, started.pid)
  t.assert.equal(processExists(started.pid), false)
  t.assert.equal((await runCli(['status', '--data-dir', dir.dataDir])).code, 3, 'pid file and socket of the killed broker are removed')
})

test('restart replaces the broker; a bad configuration leaves the running one alone (78)', async (t: TestContext) => {
  const dir = await testDir(t)
  const first = await startDaemon(dir)

  const bad = join(dir.root, 'bad.yaml')
  await writeFile(bad, 'max_packet_size: tiny\n')
  const refused = await runCli(['restart', '--data-dir', dir.dataDir, '--config', bad])
  t.assert.equal(refused.code, 78, refused.stderr)
  t.assert.match(refused.stderr, /max_packet_size/)
  t.assert.equal(processExists(first.pid), true, 'nothing was stopped')

  const res = await runCliJson<{ stop: StopJson; start: StartJson }>(['restart', '--data-dir', dir.dataDir, '--port', '0'])
  t.assert.equal(res.code, 0, res.stderr)
  dir.track(res.json.start.pid)
  t.assert.equal(res.json.stop.pid, first.pid)
  t.assert.notEqual(res.json.start.pid, first.pid)
  t.assert.equal(res.json.start.already_running, false)
  t.assert.equal(processExists(first.pid), false)
  const status = await runCliJson<StatusJson>(['status', '--data-dir', dir.dataDir])
  t.assert.equal(status.json.pid, res.json.start.pid)
})

/** The pid of a process that has exited (and been reaped by us). */
async function exitedPid (): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  const pid = child.pid
  if (pid === undefined) throw new Error('spawn failed')
  await new Promise((resolve) => { child.once('exit', resolve) })
  return pid
}

/** Leaves a Unix socket file nothing listens on, as a killed broker does. */
async function leaveStaleSocket (path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' })
  await new Promise((resolve) => { child.once('exit', resolve) })
  await until('the stale socket file', () => existsSync(path))
}

test('status answers the same through the fast path and through oclif', async (t: TestContext) => {
  const dir = await testDir(t)
  // --config sends the command line to oclif (commands/status.ts); the plain form takes the fast path.
  for (const running of [false, true]) {
    if (running) await startDaemon(dir)
    const fast = await runCli(['status', '--data-dir', dir.dataDir, '--json'])
    const viaOclif = await runCli(['status', '--data-dir', dir.dataDir, '--json', '--config', join(dir.root, 'unused.yaml')])
    t.assert.equal(fast.code, running ? 0 : 3)
    t.assert.equal(viaOclif.code, fast.code)
    const a = JSON.parse(fast.stdout) as Record<string, unknown>
    const b = JSON.parse(viaOclif.stdout) as Record<string, unknown>
    delete a.uptime_s
    delete b.uptime_s
    t.assert.deepEqual(a, b)
  }
})
