/**
 * Keep alive (src/core/keepalive.ts): a connection that receives nothing for one and a half times
 * its keep alive is closed by the once-a-second sweep (v5: DISCONNECT 0x8D first); any packet,
 * PINGREQ included, refreshes it; `max_keepalive` caps what clients ask for (v5: Server Keep Alive
 * in CONNACK, v3: refusal). Times are measured, never slept: every wait is for an event.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { startBroker } from '../helpers/broker.js'
import { type RawClient, rawClient } from '../helpers/raw-client.js'

/** Sends `send()` every `intervalMs` until the test ends or the socket closes. */
function every (t: TestContext, raw: RawClient, intervalMs: number, send: () => void): void {
  const timer = setInterval(() => { if (!raw.socket.destroyed) send() }, intervalMs)
  t.after(() => { clearInterval(timer) })
  raw.socket.once('close', () => { clearInterval(timer) })
}

test('[MQTT-3.1.2-24] a silent 3.1.1 client with keep alive 1 is closed after 1.5 s', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  t.assert.equal((await raw.connect({ keepalive: 1 })).returnCode, 0)
  const since = Date.now()
  await raw.closed(3500)
  const elapsed = Date.now() - since
  t.assert.ok(elapsed >= 1400 && elapsed <= 3000, `closed after ${elapsed} ms`)
  t.assert.deepEqual(raw.received.map((p) => p.cmd), ['connack'])
})

test('[MQTT-3.1.2-22] a silent v5 client with keep alive 1 gets DISCONNECT 0x8D, then is closed', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  t.assert.equal((await raw.connect({ keepalive: 1 })).reasonCode, 0)
  const since = Date.now()
  const disconnect = await raw.next('disconnect', 3500)
  const elapsed = Date.now() - since
  t.assert.equal(disconnect.reasonCode, 0x8d)
  t.assert.ok(elapsed >= 1400 && elapsed <= 3000, `disconnected after ${elapsed} ms`)
  await raw.closed()
})

test('[MQTT-3.12.4-1] PINGREQ every 500 ms keeps a keep alive 1 client connected', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  await raw.connect({ keepalive: 1 })
  const since = Date.now()
  every(t, raw, 500, () => { raw.send({ cmd: 'pingreq' }) })
  // Six answered pings span three seconds, twice the 1.5 s a silent client would last.
  for (let i = 0; i < 6; i++) await raw.next('pingresp', 2000)
  t.assert.ok(Date.now() - since >= 2900)
  t.assert.equal(raw.socket.destroyed, false)
  t.assert.equal(raw.received.some((p) => p.cmd === 'disconnect'), false)
})

test('[MQTT-3.1.2-24] any control packet, not only PINGREQ, refreshes the keep alive', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  await raw.connect({ keepalive: 1 })
  let id = 0
  every(t, raw, 500, () => {
    raw.send({ cmd: 'publish', topic: 'ka/busy', payload: Buffer.from('x'), qos: 1, messageId: ++id, dup: false, retain: false })
  })
  for (let i = 0; i < 6; i++) await raw.next('puback', 2000)
  t.assert.equal(raw.socket.destroyed, false)
})

test('keep alive 0 turns the timeout off (a silent client outlives a keep alive 1 one)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const forever = await rawClient(t, port, 4)
  await forever.connect({ keepalive: 0 })
  const short = await rawClient(t, port, 4)
  await short.connect({ keepalive: 1 })
  await short.closed(3500)
  // The sweep that closed `short` looked at `forever` too; ask it whether it is still there.
  forever.send({ cmd: 'pingreq' })
  await forever.next('pingresp')
})

test('a keep alive timeout keeps a persistent session: the client reconnects with session present', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const first = await rawClient(t, port, 4)
  await first.connect({ clientId: 'ka-reconnect', keepalive: 1, clean: false })
  await first.closed(3500)
  const second = await rawClient(t, port, 4)
  const connack = await second.connect({ clientId: 'ka-reconnect', keepalive: 60, clean: false })
  t.assert.deepEqual([connack.returnCode, connack.sessionPresent], [0, true])
})

// ---- max_keepalive ------------------------------------------------------------------------------

for (const asked of [60, 0]) {
  test(`[MQTT-3.2.2-21] max_keepalive 10: a v5 client asking ${asked} gets Server Keep Alive 10`, async (t: TestContext) => {
    const { port } = await startBroker(t, { max_keepalive: 10 })
    const raw = await rawClient(t, port, 5)
    const connack = await raw.connect({ keepalive: asked })
    t.assert.deepEqual([connack.reasonCode, connack.properties?.serverKeepAlive], [0, 10])
  })
}

test('max_keepalive 10: a v5 client asking 5 keeps it (no Server Keep Alive)', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_keepalive: 10 })
  const raw = await rawClient(t, port, 5)
  const connack = await raw.connect({ keepalive: 5 })
  t.assert.deepEqual([connack.reasonCode, connack.properties?.serverKeepAlive], [0, undefined])
})

test('max_keepalive 10: a 3.1.1 client asking 60 is refused with return code 2', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_keepalive: 10 })
  const raw = await rawClient(t, port, 4)
  t.assert.equal((await raw.connect({ keepalive: 60 })).returnCode, 2)
  await raw.closed()
})

test('max_keepalive 10: a 3.1.1 client asking 10 is accepted', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_keepalive: 10 })
  const raw = await rawClient(t, port, 4)
  t.assert.equal((await raw.connect({ keepalive: 10 })).returnCode, 0)
})

test('[MQTT-3.2.2-21] the broker enforces the Server Keep Alive it announced', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_keepalive: 1 })
  const raw = await rawClient(t, port, 5)
  const connack = await raw.connect({ keepalive: 60 })
  t.assert.equal(connack.properties?.serverKeepAlive, 1)
  const since = Date.now()
  t.assert.equal((await raw.next('disconnect', 3500)).reasonCode, 0x8d)
  t.assert.ok(Date.now() - since >= 1400)
})
