/**
 * End to end, as an operator uses it: a daemon started by `mqttctl start` in a temp data dir, real
 * mqtt.js clients, and every inspection command spawned as `bin/run.js` with its JSON shape and
 * exit code checked; then `stop` leaves no process behind.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import mqtt from 'mqtt'
import type { ClientDetail, ClientSummary, ListResult, State, SubscriptionSummary, TraceEvent } from '../../src/control/schema.js'
import { processExists, runCli, runCliJson, spawnCli, startDaemon, testDir, until } from './harness.js'

test('daemon end to end: state, clients, subscriptions, trace with timings, sys, retained, config, kick, logs, stop', async (t: TestContext) => {
  const dir = await testDir(t)
  const started = await startDaemon(dir)
  const dd = ['--data-dir', dir.dataDir]
  const port = started.listeners[0].port
  t.assert.equal(statSync(join(dir.dataDir, 'mqttctl.sock')).mode & 0o777, 0o600, 'control socket is 0600')
  t.assert.equal(statSync(dir.dataDir).mode & 0o777, 0o700, 'data dir is owner-only')

  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'e2e-sub', protocolVersion: 5, reconnectPeriod: 0 }, false)
  t.after(() => sub.endAsync(true))
  await sub.subscribeAsync('e2e/#', { qos: 1 })
  const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'e2e-pub', protocolVersion: 4, reconnectPeriod: 0 }, false)
  t.after(() => pub.endAsync(true))

  const state = await runCliJson<State>(['state', ...dd])
  t.assert.equal(state.code, 0)
  t.assert.equal(state.json.sessions.online, 2)
  t.assert.equal(state.json.node.pid, started.pid)
  t.assert.equal(state.json.listeners[0].connections, 2)

  const clients = await runCliJson<ListResult<ClientSummary>>(['client', 'list', ...dd, '--sort', 'client_id'])
  t.assert.deepEqual(clients.json.items.map((c) => [c.client_id, c.protocol, c.state]), [['e2e-pub', '3.1.1', 'online'], ['e2e-sub', '5.0', 'online']])
  const show = await runCliJson<ClientDetail>(['client', 'show', 'e2e-sub', ...dd])
  t.assert.deepEqual(show.json.subscriptions_list.map((s) => s.filter), ['e2e/#'])
  const missing = await runCliJson<unknown>(['client', 'show', 'nobody', ...dd])
  t.assert.equal(missing.code, 65)
  const who = await runCliJson<ListResult<SubscriptionSummary>>(['subscription', 'list', '--match', 'e2e/room/1', ...dd])
  t.assert.deepEqual(who.json.items.map((s) => s.client_id), ['e2e-sub'])

  // A trace catches the real publish in and its delivery out, with the delivery's latency.
  const trace = spawnCli(['trace', '--topic', 'e2e/#', '--json', '--count', '2', ...dd])
  let traceOut = ''
  trace.stdout?.setEncoding('utf8').on('data', (s: string) => { traceOut += s })
  const traceDone = new Promise<number | null>((resolve) => { trace.on('close', resolve) })
  // Under --json the trace prints nothing until its first event: the broker's log says when it began.
  await until('trace has started', async () => (await runCli(['logs', '-n', '50', ...dd])).stdout.includes('trace started') ? true : undefined)
  const received = new Promise<void>((resolve) => { sub.once('message', () => { resolve() }) })
  await pub.publishAsync('e2e/room/1', 'hello', { qos: 1, retain: true })
  await received
  t.assert.equal(await traceDone, 0)
  const events = traceOut.trim().split('\n').map((l) => JSON.parse(l) as TraceEvent)
  t.assert.deepEqual(events.map((e) => [e.dir, e.client_id, e.type, e.topic]), [['in', 'e2e-pub', 'PUBLISH', 'e2e/room/1'], ['out', 'e2e-sub', 'PUBLISH', 'e2e/room/1']])
  t.assert.ok(typeof events[1].latency_us === 'number' && events[1].latency_us >= 0)

  const sys = await runCliJson<{ values: Record<string, number | string> }>(['sys', '--once', ...dd])
  t.assert.equal(sys.code, 0)
  t.assert.equal(sys.json.values['clients/connected'], 2)

  const retained = await runCliJson<ListResult<{ topic: string }>>(['retained', 'list', ...dd])
  t.assert.deepEqual(retained.json.items.map((r) => r.topic), ['e2e/room/1'])
  const refuse = await runCli(['retained', 'clear', 'e2e/#', ...dd])
  t.assert.equal(refuse.code, 64, 'no TTY and no --yes')
  const cleared = await runCliJson<{ cleared: number }>(['retained', 'clear', 'e2e/#', '--yes', ...dd])
  t.assert.equal(cleared.json.cleared, 1)

  const set = await runCliJson<{ previous: unknown; value: unknown }>(['config', 'set', 'max_queued_messages', '50', ...dd])
  t.assert.deepEqual([set.code, set.json.previous, set.json.value], [0, 1000, 50])

  // The kicked client sees DISCONNECT 0x98 (administrative action).
  const kicked = new Promise<number | undefined>((resolve) => { sub.once('disconnect', (p) => { resolve(p.reasonCode) }) })
  const kick = await runCliJson<{ kicked: boolean }>(['client', 'kick', 'e2e-sub', ...dd])
  t.assert.equal(kick.json.kicked, true)
  t.assert.equal(await kicked, 0x98)

  const logs = await runCli(['logs', '-n', '5', ...dd])
  t.assert.equal(logs.code, 0)
  t.assert.match(logs.stdout, /kicked/)

  const stop = await runCli(['stop', ...dd])
  t.assert.equal(stop.code, 0)
  t.assert.equal(processExists(started.pid), false, 'no broker process is left')
  t.assert.equal(existsSync(join(dir.dataDir, 'mqttctl.sock')), false)
  t.assert.equal((await runCli(['status', ...dd])).code, 3)
})
