/**
 * The deployment files in docs/deploy/ run the broker as documented: the container entry point
 * and the systemd unit's ExecStart start it in the foreground, in the same process (exec), so the
 * signals a supervisor sends (docker stop: SIGTERM; Ctrl-C: SIGINT) stop it gracefully with exit 0,
 * and the unit's ExecReload (SIGHUP) reloads it without a restart.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import mqtt from 'mqtt'
import { loadConfig } from '../../src/config/load.js'
import { ROOT, mqttctlEnv } from '../helpers/mqttctl.js'
import { until } from './harness.js'

interface Running { child: ChildProcess; port: number; lines: string[] }

/** Spawns `argv`, waits for the broker's "listening on" log line (stderr) and returns its port. */
async function run (t: TestContext, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawn(argv[0], argv.slice(1), { cwd: tmpdir(), env: mqttctlEnv(env), stdio: ['ignore', 'ignore', 'pipe'] })
  t.after(() => { child.kill('SIGKILL') })
  const lines: string[] = []
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line: ${lines.join('\n')}`)), 20_000)
    let buffered = ''
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      buffered += s
      const parts = buffered.split('\n')
      buffered = parts.pop() ?? ''
      for (const line of parts) {
        lines.push(line)
        const m = /"port":(\d+).*listening on/.exec(line)
        if (m !== null) { clearTimeout(timer); resolve(Number(m[1])) }
      }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited with ${code}: ${lines.join('\n')}`)) })
  })
  return { child, port, lines }
}

async function fixture (t: TestContext): Promise<{ dataDir: string; config: string }> {
  const root = await mkdtemp(join(tmpdir(), 'mqttd-deploy-'))
  t.after(() => rm(root, { recursive: true, force: true }))
  const config = join(root, 'broker.yaml')
  await writeFile(config, 'listeners:\n  - type: mqtt\n    host: 127.0.0.1\n    port: 0\nstore: memory\n')
  return { dataDir: join(root, 'data'), config }
}

/** An MQTT 5 client connects, then the broker gets `signal`: DISCONNECT 0x8B, exit 0, the same pid. */
async function stopsGracefully (t: TestContext, running: Running, signal: NodeJS.Signals): Promise<void> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${running.port}`, { protocolVersion: 5, reconnectPeriod: 0 })
  t.after(() => client.end(true))
  const disconnect = new Promise<{ reasonCode?: number }>((resolve) => client.once('disconnect', resolve))
  const exit = once(running.child, 'exit')
  running.child.kill(signal)
  const packet = await disconnect
  t.assert.equal(packet.reasonCode, 0x8b, 'DISCONNECT Server shutting down')
  const [code, killedBy] = await exit
  t.assert.deepEqual([code, killedBy], [0, null], `exit 0 after ${signal}: ${running.lines.slice(-3).join('\n')}`)
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`docs/deploy/entrypoint.sh: the broker is the container's process, and ${signal} stops it gracefully`, async (t: TestContext) => {
    const { dataDir, config } = await fixture(t)
    const running = await run(t, ['sh', join(ROOT, 'docs', 'deploy', 'entrypoint.sh'), '--config', config],
      { MQTTD_HOME: ROOT, MQTTD_DATA_DIR: dataDir })
    await stopsGracefully(t, running, signal)
  })
}

test('docs/deploy/entrypoint.sh without --config uses docs/deploy/broker.yaml: every interface, anonymous clients refused', async (t: TestContext) => {
  const shipped = await loadConfig({ file: join(ROOT, 'docs', 'deploy', 'broker.yaml') })
  t.assert.deepEqual(shipped.listeners.map((l) => `${l.type} ${l.host}:${l.port}`), ['mqtt 0.0.0.0:1883'])
  t.assert.equal(shipped.allow_anonymous, false)

  const { dataDir } = await fixture(t)
  // --port 0 instead of the file's 1883 (no fixed ports in tests); the file's other settings apply.
  const running = await run(t, ['sh', join(ROOT, 'docs', 'deploy', 'entrypoint.sh'), '--port', '0'], { MQTTD_HOME: ROOT, MQTTD_DATA_DIR: dataDir })
  t.assert.ok(running.lines.some((l) => l.includes(`"msg":"listening on mqtt 0.0.0.0:${running.port}"`)), running.lines.join('\n'))
  const refused = await mqtt.connectAsync(`mqtt://127.0.0.1:${running.port}`, { protocolVersion: 5, reconnectPeriod: 0 }).then(() => null, (err: { code?: number }) => err.code)
  t.assert.equal(refused, 0x87, 'CONNACK Not authorized')
  const exit = once(running.child, 'exit')
  running.child.kill('SIGTERM')
  t.assert.deepEqual(await exit, [0, null])
})

/** docs/deploy/mqttd.service, and the broker its ExecStart starts (paths mapped onto this checkout and a temporary directory). */
async function runUnit (t: TestContext): Promise<{ unit: string; running: Running }> {
  const unit = await readFile(join(ROOT, 'docs', 'deploy', 'mqttd.service'), 'utf8')
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1]
  t.assert.ok(execStart !== undefined, 'the unit has an ExecStart')
  const { dataDir, config } = await fixture(t)
  const argv = execStart.split(/\s+/).map((arg) => arg
    .replace('/usr/bin/node', process.execPath)
    .replace('/opt/mqttd', ROOT.replace(/\/$/, ''))
    .replace('/etc/mqttd/broker.yaml', config)
    .replace('/var/lib/mqttd', dataDir))
  return { unit, running: await run(t, argv) }
}

test('docs/deploy/mqttd.service: its ExecReload (systemctl reload) sends SIGHUP, which reloads the broker without dropping its clients', async (t: TestContext) => {
  const { unit, running } = await runUnit(t)
  const execReload = /^ExecReload=(.*)$/m.exec(unit)?.[1] ?? ''
  t.assert.equal(execReload, '/bin/kill -HUP $MAINPID')
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${running.port}`, { protocolVersion: 5, reconnectPeriod: 0 })
  t.after(() => client.end(true))
  const argv = execReload.split(/\s+/).map((arg) => arg.replace('$MAINPID', String(running.child.pid)))
  const [code] = await once(spawn(argv[0], argv.slice(1), { stdio: 'ignore' }), 'exit')
  t.assert.equal(code, 0)
  await until('the reload log line', () => running.lines.some((l) => l.includes('configuration reloaded (SIGHUP)')))
  t.assert.equal(running.child.exitCode, null, 'the broker is still running')
  t.assert.ok(client.connected, 'its client is still connected')
  await stopsGracefully(t, running, 'SIGTERM')
})

test('docs/deploy/mqttd.service: its ExecStart runs the broker in the foreground; SIGTERM (systemctl stop) stops it gracefully', async (t: TestContext) => {
  const { running } = await runUnit(t)
  await stopsGracefully(t, running, 'SIGTERM')
})
