/**
 * Streams end alike when the broker ends them (src/cli/stream-end.ts): a broker that shuts down
 * ends `sys` and `trace` with a note on stderr and exit 0.
 */
import { test, type TestContext } from 'node:test'
import { startBroker } from '../helpers/broker.js'
import { until } from '../helpers/messages.js'
import { spawnMqttctl } from '../helpers/mqttctl.js'

test('a broker that shuts down ends sys and trace with exit 0 and a note', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const socket = ['--socket', broker.controlSocketPath]
  const sys = spawnMqttctl(t, ['sys', '--json', '--interval', '0.2', ...socket])
  const trace = spawnMqttctl(t, ['trace', '--topic', '#', ...socket])
  await until(() => sys.stdout().includes('\n') && broker.engine.tracer.active, 'both streams to run', 10_000)
  await broker.close()
  const [sysExit, traceExit] = await Promise.all([sys.exit, trace.exit])
  t.assert.equal(sysExit.code, 0, sys.stderr())
  t.assert.equal(traceExit.code, 0, trace.stderr())
  t.assert.match(sys.stderr(), /the broker is shutting down; the \$SYS watch ended\n/)
  t.assert.match(trace.stderr(), /the broker is shutting down; the trace ended\n/)
})
