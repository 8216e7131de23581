/**
 * Will messages (MQTT 3.1.1 §3.1.2.5, MQTT 5.0 §3.1.2.5, §3.1.3.2). The client that leaves a will
 * is a raw client, so the test decides exactly how its connection ends (socket destroyed,
 * DISCONNECT with a given reason, keep alive silence); watchers are mqtt.js clients.
 *
 * "No will" is shown with a fence: once the will client's socket is closed, another client
 * publishes on the will topic; the broker publishes a will synchronously when it closes the
 * connection, so a will would reach the watcher before the fence; the watcher records every
 * payload from before the will client connects. Only the will delay cases wait
 * on wall-clock time, because the delay is a broker timer with nothing observable to await.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import type { MqttClient } from 'mqtt'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { type RawClient, rawClient } from '../helpers/raw-client.js'
import { EmbeddedStore } from '../../src/store/embedded.js'

type Version = 4 | 5
type WillSpec = { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean; properties?: Record<string, unknown> }

const uid = (): string => Math.random().toString(16).slice(2, 10)

function will (topic: string, extra: Partial<WillSpec> = {}): WillSpec {
  return { topic, payload: Buffer.from('gone'), qos: 0, retain: false, ...extra }
}

/** A raw connection that leaves `w` as its will. */
async function willClient (t: TestContext, port: number, version: Version, w: WillSpec, extra: Record<string, unknown> = {}): Promise<RawClient> {
  const raw = await rawClient(t, port, version)
  const connack = await raw.connect({ clientId: `will-${uid()}`, will: w, ...extra } as never)
  t.assert.equal(version === 5 ? connack.reasonCode : connack.returnCode, 0)
  return raw
}

/** A subscriber on `topic` (QoS 2) that will see the will. */
async function watcher (t: TestContext, url: string, topic: string, version: Version = 5): Promise<MqttClient> {
  const sub = await connect(t, url, { protocolVersion: version })
  await sub.subscribeAsync(topic, { qos: 2 })
  return sub
}

/** Resolves once `cond()` holds, checking on every timer tick; rejects after `timeoutMs`. */
async function until (cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/**
 * Payloads `sub` receives from now on, recorded as they arrive (a will that went out before a
 * listener was attached would otherwise go unseen).
 */
function record (sub: MqttClient): string[] {
  const seen: string[] = []
  sub.on('message', (_topic, payload) => { seen.push(payload.toString()) })
  return seen
}

/** Publishes a fence on `topic`, waits for `sub` to receive it, returns every payload `seen` so far. */
async function untilFence (t: TestContext, url: string, sub: MqttClient, seen: string[], topic: string): Promise<string[]> {
  const got = nextMessages(sub, 1)
  const pub = await connect(t, url)
  await pub.publishAsync(topic, 'fence', { qos: 1 })
  await got
  return seen
}

for (const version of [4, 5] as const) {
  test(`[MQTT-3.1.2-8] v${version}: the will is published when the socket closes without DISCONNECT`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const sub = await watcher(t, url, 'w/abrupt')
    const raw = await willClient(t, port, version, will('w/abrupt', { payload: Buffer.from('abrupt') }))
    const got = nextMessages(sub, 1)
    raw.socket.destroy()
    const [m] = await got
    t.assert.deepEqual([m.topic, m.payload.toString()], ['w/abrupt', 'abrupt'])
  })

  test(`[MQTT-3.1.2-8] v${version}: the will is published when the broker closes the connection for a protocol error`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const sub = await watcher(t, url, 'w/violation')
    const raw = await willClient(t, port, version, will('w/violation', { payload: Buffer.from('violated') }))
    const got = nextMessages(sub, 1)
    // A second CONNECT is a protocol violation [MQTT-3.1.0-2].
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId: 'again', clean: true, keepalive: 60 })
    await raw.closed()
    t.assert.equal((await got)[0].payload.toString(), 'violated')
  })

  test(`[MQTT-3.1.2-10] v${version}: the will is discarded after a normal DISCONNECT`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const sub = await watcher(t, url, 'w/clean')
    const seen = record(sub)
    const raw = await willClient(t, port, version, will('w/clean'))
    raw.send({ cmd: 'disconnect' })
    await raw.closed()
    t.assert.deepEqual(await untilFence(t, url, sub, seen, 'w/clean'), ['fence'], 'no will before the fence')
  })

  test(`[MQTT-3.1.2-17] v${version}: a will with the retain flag is stored as a retained message`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const sub = await watcher(t, url, 'w/retained')
    const raw = await willClient(t, port, version, will('w/retained', { payload: Buffer.from('kept'), retain: true, qos: 1 }))
    const got = nextMessages(sub, 1)
    raw.socket.destroy()
    await got
    // A subscriber that arrives afterwards gets it as a retained message.
    const late = await connect(t, url, { protocolVersion: version })
    const retained = nextMessages(late, 1)
    await late.subscribeAsync('w/retained', { qos: 1 })
    const [m] = await retained
    t.assert.deepEqual([m.payload.toString(), m.packet.retain, m.packet.qos], ['kept', true, 1])
  })

  for (const qos of [0, 1, 2] as const) {
    test(`v${version}: a will with QoS ${qos} is published at QoS ${qos}`, async (t: TestContext) => {
      const { url, port } = await startBroker(t)
      const sub = await watcher(t, url, 'w/qos')
      const raw = await willClient(t, port, version, will('w/qos', { qos }))
      const got = nextMessages(sub, 1)
      raw.socket.destroy()
      const [m] = await got
      t.assert.deepEqual([m.packet.qos, m.packet.retain], [qos, false])
    })
  }

  test(`[MQTT-3.1.2-8] v${version}: the will is published when the keep alive runs out`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const sub = await watcher(t, url, 'w/keepalive')
    // Keep alive 1 s and no PINGREQ: the broker gives up after 1.5 s (checked once a second).
    const raw = await willClient(t, port, version, will('w/keepalive', { payload: Buffer.from('silent') }), { keepalive: 1 })
    const [m] = await nextMessages(sub, 1, 5000)
    t.assert.equal(m.payload.toString(), 'silent')
    if (version === 5) t.assert.equal((await raw.next('disconnect')).reasonCode, 0x8d, 'DISCONNECT 0x8D Keep Alive timeout')
    await raw.closed()
  })
}

test('v5: DISCONNECT with reason 0x04 (Disconnect with Will Message) publishes the will', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await watcher(t, url, 'w/0x04')
  const raw = await willClient(t, port, 5, will('w/0x04', { payload: Buffer.from('asked') }))
  const got = nextMessages(sub, 1)
  raw.send({ cmd: 'disconnect', reasonCode: 0x04 })
  const [m] = await got
  t.assert.equal(m.payload.toString(), 'asked')
  await raw.closed()
})

test('[MQTT-3.1.3-9] v5: a will with Will Delay 1 s is published after the delay', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await watcher(t, url, 'w/delay')
  // The session must outlive the delay, or the will goes out when the session ends.
  const raw = await willClient(t, port, 5, will('w/delay', { properties: { willDelayInterval: 1 } }),
    { clean: false, properties: { sessionExpiryInterval: 10 } })
  const got = nextMessages(sub, 1, 5000)
  const closedAt = Date.now()
  raw.socket.destroy()
  await got
  const elapsed = Date.now() - closedAt
  t.assert.ok(elapsed >= 900, `published after ${elapsed} ms, expected about 1000`)
})

test('[MQTT-3.1.3-9] v5: a will is not published when the client reconnects within the Will Delay', async (t: TestContext) => {
  const { broker, url, port } = await startBroker(t)
  const sub = await watcher(t, url, 'w/back')
  const seen = record(sub)
  const clientId = `will-${uid()}`
  const opts = { clientId, clean: false, properties: { sessionExpiryInterval: 10 } }
  const first = await willClient(t, port, 5, will('w/back', { properties: { willDelayInterval: 1 } }), opts)
  first.socket.destroy()
  // Reconnect only once the broker has seen the close and holds the delayed will (otherwise this
  // would be a takeover, a different path).
  await until(() => broker.engine.wills.pendingCount === 1, 'the will to be pending')
  const second = await rawClient(t, port, 5)
  const connack = await second.connect(opts)
  t.assert.equal(connack.sessionPresent, true)
  t.assert.equal(broker.engine.wills.pendingCount, 0, 'the delayed will was cancelled')
  // The delay is a broker timer: wait past it, then the fence must be the first message seen.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.assert.deepEqual(await untilFence(t, url, sub, seen, 'w/back'), ['fence'], 'no will before the fence')
})

test('v5: a will delay longer than the session expiry fires when the session ends', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await watcher(t, url, 'w/session-end')
  // Session expiry 0: the session ends with the connection, so the 60 s delay does not apply.
  const raw = await willClient(t, port, 5, will('w/session-end', { properties: { willDelayInterval: 60 } }))
  const got = nextMessages(sub, 1)
  raw.socket.destroy()
  t.assert.equal((await got)[0].topic, 'w/session-end')
})

test('[MQTT-3.3.2-20] v5: will properties (content type, user properties, response topic, correlation data, payload format) are forwarded', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await watcher(t, url, 'w/props')
  const properties = {
    contentType: 'application/json',
    userProperties: { k: 'v', who: 'sensor-1' },
    responseTopic: 'w/reply',
    correlationData: Buffer.from('c0ffee'),
    payloadFormatIndicator: true,
    willDelayInterval: 0,
  }
  const raw = await willClient(t, port, 5, will('w/props', { payload: Buffer.from('{}'), properties }))
  const got = nextMessages(sub, 1)
  raw.socket.destroy()
  const [m] = await got
  const p = m.packet.properties ?? {}
  t.assert.equal(p.contentType, 'application/json')
  t.assert.deepEqual(p.userProperties, { k: 'v', who: 'sensor-1' })
  t.assert.equal(p.responseTopic, 'w/reply')
  t.assert.deepEqual(p.correlationData, Buffer.from('c0ffee'))
  t.assert.equal(p.payloadFormatIndicator, true)
  t.assert.equal('willDelayInterval' in p, false, 'Will Delay Interval is not a PUBLISH property')
})

test('v5: a will Message Expiry Interval is forwarded as the remaining lifetime', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await watcher(t, url, 'w/expiry')
  const raw = await willClient(t, port, 5, will('w/expiry', { properties: { messageExpiryInterval: 30 } }))
  const got = nextMessages(sub, 1)
  raw.socket.destroy()
  const [m] = await got
  const left = m.packet.properties?.messageExpiryInterval ?? 0
  t.assert.ok(left > 0 && left <= 30, `messageExpiryInterval ${left}`)
})

test('[MQTT-3.1.3-9] v5: a will with Will Delay 3 s is published between 2 and 5 s after the connection drops', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await watcher(t, url, 'w/three')
  const raw = await willClient(t, port, 5, will('w/three', { properties: { willDelayInterval: 3 } }),
    { clean: false, properties: { sessionExpiryInterval: 60 } })
  const got = nextMessages(sub, 1, 6000)
  const closedAt = Date.now()
  raw.socket.destroy()
  await got
  const elapsed = Date.now() - closedAt
  t.assert.ok(elapsed >= 2000 && elapsed <= 5000, `published after ${elapsed} ms`)
})

test('[MQTT-3.1.3-9] v5: a reconnect with Clean Start 1 and no will also cancels the delayed will', async (t: TestContext) => {
  const { broker, url, port } = await startBroker(t)
  const sub = await watcher(t, url, 'w/fresh')
  const seen = record(sub)
  const clientId = `will-${uid()}`
  const first = await willClient(t, port, 5, will('w/fresh', { properties: { willDelayInterval: 1 } }),
    { clientId, clean: false, properties: { sessionExpiryInterval: 10 } })
  first.socket.destroy()
  await until(() => broker.engine.wills.pendingCount === 1, 'the will to be pending')
  const second = await rawClient(t, port, 5)
  const connack = await second.connect({ clientId, clean: true })
  t.assert.equal(connack.sessionPresent, false)
  t.assert.equal(broker.engine.wills.pendingCount, 0, 'the delayed will was cancelled')
  await new Promise((resolve) => setTimeout(resolve, 1500)) // past the delay: a broker timer
  t.assert.deepEqual(await untilFence(t, url, sub, seen, 'w/fresh'), ['fence'], 'no will before the fence')
})

for (const version of [4, 5] as const) {
  test(`v${version}: a session taken over with clean start 0 does not publish the old connection's will`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const sub = await watcher(t, url, 'w/takeover')
    const seen = record(sub)
    const clientId = `will-${uid()}`
    const persistent = version === 5 ? { clean: false, properties: { sessionExpiryInterval: 60 } } : { clean: false }
    const first = await willClient(t, port, version, will('w/takeover', { payload: Buffer.from('old will') }), { clientId, ...persistent })
    const second = await rawClient(t, port, version)
    const connack = await second.connect({ clientId, ...persistent })
    t.assert.equal(connack.sessionPresent, true)
    await first.closed()
    t.assert.deepEqual(await untilFence(t, url, sub, seen, 'w/takeover'), ['fence'], 'no will before the fence')
  })

  test(`v${version}: a session taken over with clean start 1 ends, and the old connection's will is published`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const sub = await watcher(t, url, 'w/ended')
    const clientId = `will-${uid()}`
    const persistent = version === 5 ? { clean: false, properties: { sessionExpiryInterval: 60 } } : { clean: false }
    await willClient(t, port, version, will('w/ended', { payload: Buffer.from('old will') }), { clientId, ...persistent })
    const got = nextMessages(sub, 1)
    const second = await rawClient(t, port, version)
    await second.connect({ clientId, clean: true })
    t.assert.equal((await got)[0].payload.toString(), 'old will')
  })
}

test('[MQTT-3.1.3-9] a delayed will pending at a restart of the embedded store is published once, on time', async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'mqttd-will-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const first = await startBroker(t, {}, new EmbeddedStore(dir))
  const clientId = `will-${uid()}`
  const raw = await willClient(t, first.port, 5, will('w/restart', { payload: Buffer.from('after restart'), qos: 1, properties: { willDelayInterval: 2 } }),
    { clientId, clean: false, properties: { sessionExpiryInterval: 60 } })
  raw.socket.destroy()
  await until(() => first.broker.engine.wills.pendingCount === 1, 'the will to be pending')
  const droppedAt = Date.now()
  await first.broker.close()
  const second = await startBroker(t, {}, new EmbeddedStore(dir))
  const sub = await watcher(t, second.url, 'w/restart')
  const seen = record(sub)
  await until(() => seen.length === 1, 'the will', 5000)
  const elapsed = Date.now() - droppedAt
  t.assert.ok(elapsed >= 1500 && elapsed <= 4000, `published ${elapsed} ms after the drop`)
  t.assert.deepEqual(await untilFence(t, second.url, sub, seen, 'w/restart'), ['after restart', 'fence'], 'once')
  await second.broker.close()
  const third = await startBroker(t, {}, new EmbeddedStore(dir))
  t.assert.equal(third.broker.engine.wills.pendingCount, 0, 'not pending any more')
})
