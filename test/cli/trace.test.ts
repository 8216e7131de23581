/**
 * `mqttctl trace` end to end: `node bin/run.js trace …` against an in-process broker's control
 * socket, driven by mqtt.js clients. Exit codes: 0 after --count / --duration / Ctrl-C, 64 without
 * a selector, 69 without a broker.
 */
import { test, type TestContext } from 'node:test'
import type { TraceEvent } from '../../src/control/schema.js'
import type { Engine } from '../../src/core/engine.js'
import { connect, startBroker } from '../helpers/broker.js'
import { type LiveCli, spawnMqttctl } from '../helpers/mqttctl.js'

const DEADLINE_MS = 10_000

/** Waits (with a deadline, no fixed sleep) until `cond` holds. */
async function eventually (cond: () => boolean, what: string, cli?: LiveCli): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${cli === undefined ? '' : `; stderr: ${cli.stderr()}`}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Resolves when the trace the CLI started is running in the broker. */
function traceRunning (engine: Engine, cli: LiveCli): Promise<void> {
  return eventually(() => engine.tracer.active, 'the trace to start', cli)
}

test('trace --client c1 --json --count 3 prints 3 NDJSON events of c1 and exits 0', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const cli = spawnMqttctl(t, ['trace', '--client', 'c1', '--json', '--count', '3', '--socket', broker.controlSocketPath])
  await traceRunning(broker.engine, cli)
  const c1 = await connect(t, url, { clientId: 'c1' })
  await c1.subscribeAsync('t/#', { qos: 1 })
  await c1.publishAsync('t/1', 'hello', { qos: 1 })
  const { code } = await cli.exit
  t.assert.equal(code, 0, cli.stderr())
  const lines = cli.stdout().trim().split('\n')
  t.assert.equal(lines.length, 3, cli.stdout())
  const events = lines.map((l) => JSON.parse(l) as TraceEvent)
  t.assert.deepEqual(events.map((e) => [e.dir, e.client_id, e.type]), [['in', 'c1', 'CONNECT'], ['out', 'c1', 'CONNACK'], ['in', 'c1', 'SUBSCRIBE']])
  t.assert.ok(events.every((e) => typeof e.ts_us === 'number' && e.size > 0))
  await eventually(() => !broker.engine.tracer.active, 'the trace to end')
})

test('human output: one line per event with arrows, flags, topic, size, payload and latency', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const cli = spawnMqttctl(t, ['trace', '--topic', 'h/+', '--count', '2', '--socket', broker.controlSocketPath])
  await traceRunning(broker.engine, cli)
  const sub = await connect(t, url, { clientId: 'sub' })
  await sub.subscribeAsync('h/#', { qos: 1 })
  const pub = await connect(t, url, { clientId: 'pub' })
  await pub.publishAsync('h/1', '23.5', { qos: 1 })
  const { code } = await cli.exit
  t.assert.equal(code, 0, cli.stderr())
  const lines = cli.stdout().trim().split('\n')
  t.assert.equal(lines.length, 2, cli.stdout())
  t.assert.match(lines[0], /^\d\d:\d\d:\d\d\.\d{6} ← pub PUBLISH q1 m\d+ r0 d0 "h\/1" \d+B "23\.5"$/)
  t.assert.match(lines[1], /^\d\d:\d\d:\d\d\.\d{6} → sub PUBLISH q1 m\d+ r0 d0 "h\/1" \d+B "23\.5" \+\d+(\.\d+)?(µs|ms|s)$/)
  t.assert.match(cli.stderr(), /tracing topic h\/\+/)
})

test('trace --duration 1 ends by itself with exit 0', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const started = Date.now()
  const cli = spawnMqttctl(t, ['trace', '--client', 'c1', '--duration', '1', '--socket', broker.controlSocketPath])
  const { code } = await cli.exit
  t.assert.equal(code, 0, cli.stderr())
  t.assert.ok(Date.now() - started >= 1000)
  await eventually(() => !broker.engine.tracer.active, 'the trace to end')
})

test('SIGINT cancels the trace and exits 0', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const cli = spawnMqttctl(t, ['trace', '--topic', 'x/#', '--socket', broker.controlSocketPath])
  await traceRunning(broker.engine, cli)
  cli.child.kill('SIGINT')
  const { code, signal } = await cli.exit
  t.assert.equal(signal, null)
  t.assert.equal(code, 0, cli.stderr())
  await eventually(() => !broker.engine.tracer.active, 'the trace to end')
})

test('usage errors exit 64: no selector, bad payload mode, bad duration, bad topic filter', async (t: TestContext) => {
  for (const args of [
    ['trace'],
    ['trace', '--client', 'c1', '--payload', 'huge'],
    ['trace', '--client', 'c1', '--duration', 'soon'],
    ['trace', '--topic', 'a/#/b'],
  ]) {
    const cli = spawnMqttctl(t, [...args, '--socket', '/nonexistent/mqttctl.sock'])
    const { code } = await cli.exit
    t.assert.equal(code, 64, `${args.join(' ')}: ${cli.stderr()}`)
  }
  const cli = spawnMqttctl(t, ['trace', '--json', '--socket', '/nonexistent/mqttctl.sock'])
  t.assert.equal((await cli.exit).code, 64)
  t.assert.match(cli.stdout(), /at least one --client or --topic/)
})

test('no broker on the socket: exit 69', async (t: TestContext) => {
  const cli = spawnMqttctl(t, ['trace', '--client', 'c1', '--socket', '/nonexistent/mqttctl.sock'])
  t.assert.equal((await cli.exit).code, 69, cli.stderr())
})
