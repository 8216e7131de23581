/**
 * Connection events in the log (src/core/connection-log.ts): `client connected` and `client
 * disconnected` at info with who, where from, which listener and protocol, clean start / session
 * present, and for a disconnect its reason and duration; nothing of them at `log_level: warn`.
 */
import { test, type TestContext } from 'node:test'

import { captureLog, connect, startBroker, type LogLine } from '../helpers/broker.js'
import { until } from '../helpers/messages.js'

const connected = (lines: LogLine[]): LogLine[] => lines.filter((l) => l.msg === 'client connected')
const disconnected = (lines: LogLine[]): LogLine[] => lines.filter((l) => l.msg === 'client disconnected')

test('connects and disconnects are logged at info: client id, user, peer, listener, protocol, clean start, session present, reason, duration', async (t: TestContext) => {
  const { logger, lines } = captureLog('info')
  const { url, port } = await startBroker(t, {}, undefined, logger)
  const listener = `mqtt 127.0.0.1:${port}`

  const first = await connect(t, url, { protocolVersion: 5, clientId: 'c1', username: 'u1', clean: false, properties: { sessionExpiryInterval: 60 } })
  const [up] = connected(lines)
  t.assert.equal(up.level, 30)
  const localPort = (first.stream as unknown as { localPort: number }).localPort
  t.assert.deepEqual({ ...up, time: 0, pid: 0, hostname: '' }, {
    level: 30,
    time: 0,
    pid: 0,
    hostname: '',
    msg: 'client connected',
    clientId: 'c1',
    user: 'u1',
    peer: `127.0.0.1:${localPort}`,
    listener,
    protocol: '5.0',
    clean_start: false,
    session_present: false,
    keepalive: 60,
  })

  await first.endAsync()
  await until(() => disconnected(lines).length === 1, 'the disconnect line')
  const [down] = disconnected(lines)
  t.assert.equal(down.level, 30)
  t.assert.equal(down.clientId, 'c1')
  t.assert.equal(down.user, 'u1')
  t.assert.equal(down.listener, listener)
  t.assert.equal(down.reason, 'client_disconnect')
  t.assert.equal(down.reason_code, undefined, 'the broker sent no DISCONNECT')
  t.assert.ok(typeof down.duration_ms === 'number' && down.duration_ms >= 0)

  // The session is resumed, then taken over: the old connection's reason and the DISCONNECT 0x8E it was sent.
  await connect(t, url, { protocolVersion: 5, clientId: 'c1', username: 'u1', clean: false, properties: { sessionExpiryInterval: 60 } })
  t.assert.equal(connected(lines)[1].session_present, true)
  await connect(t, url, { protocolVersion: 4, clientId: 'c1', username: 'u1', clean: true })
  await until(() => disconnected(lines).length === 2, 'the takeover line')
  const takenOver = disconnected(lines)[1]
  t.assert.equal(takenOver.reason, 'session_taken_over')
  t.assert.equal(takenOver.reason_code, 0x8e)
  const v4 = connected(lines)[2]
  t.assert.deepEqual([v4.protocol, v4.clean_start, v4.session_present], ['3.1.1', true, false])
})

test('log_level warn: no connection events', async (t: TestContext) => {
  const { logger, lines } = captureLog('warn')
  const { url, broker } = await startBroker(t, {}, undefined, logger)
  const client = await connect(t, url, { protocolVersion: 5, clientId: 'quiet' })
  t.assert.equal(broker.engine.connections.size, 1)
  await client.endAsync()
  await until(() => broker.engine.connections.size === 0, 'the broker closed the connection')
  t.assert.deepEqual([connected(lines).length, disconnected(lines).length], [0, 0])
})
