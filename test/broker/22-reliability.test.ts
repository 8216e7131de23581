/**
 * Reliability under abuse: one client's burst of work must not freeze the broker for the others.
 * The figures asserted are bounds, not benchmarks: an order of magnitude above what the broker
 * needs, far below what the quadratic behaviour they guard against took.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import mqttPacket from 'mqtt-packet'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { until } from '../helpers/messages.js'
import { rawClient } from '../helpers/raw-client.js'

test('10k SUBSCRIBE packets on a persistent session take well under 3 s, and other clients keep being answered', async (t: TestContext) => {
  const { broker, port } = await startBroker(t, { store: 'embedded' })
  const heavy = await rawClient(t, port, 4)
  await heavy.connect({ clientId: 'many-subs', clean: false })
  const other = await rawClient(t, port, 4)
  await other.connect()
  const n = 10_000
  const packets = Array.from({ length: n }, (_, i) =>
    mqttPacket.generate({ cmd: 'subscribe', messageId: (i % 65535) + 1, subscriptions: [{ topic: `sensors/${i}/+`, qos: 1 }] }))
  const started = Date.now()
  heavy.sendBytes(Buffer.concat(packets))
  let slowestPing = 0
  while (heavy.received.filter((p) => p.cmd === 'suback').length < n) {
    const sent = Date.now()
    other.sendBytes([0xc0, 0x00])
    await other.next('pingresp', 5000)
    slowestPing = Math.max(slowestPing, Date.now() - sent)
    t.assert.ok(Date.now() - started < 10_000, 'all SUBACKs within 10 s')
  }
  const took = Date.now() - started
  t.assert.ok(took < 3000, `10k SUBSCRIBE took ${took} ms`)
  t.assert.ok(slowestPing < 500, `a PINGREQ waited ${slowestPing} ms meanwhile`)
  await until(() => broker.engine.sessions.get('many-subs')?.subscriptions.size === n, 'every subscription')
  // 10k is also the default max_subscriptions_per_client: one more is refused
  heavy.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'one/more', qos: 1 }] })
  await until(() => heavy.received.filter((p) => p.cmd === 'suback').length === n + 1, 'the last SUBACK')
  const last = heavy.received.filter((p) => p.cmd === 'suback').at(-1) as { granted: number[] }
  t.assert.deepEqual(last.granted, [0x80], 'subscription 10,001 refused')
})

test('a subscriber that stops reading is disconnected after write_timeout seconds, and its will is published', async (t: TestContext) => {
  const { broker, url, port } = await startBroker(t, { write_timeout: 1, max_outgoing_bytes: 256 * 1024 })
  const watcher = await connect(t, url)
  await watcher.subscribeAsync('stalled/will', { qos: 1 })
  const will = nextMessages(watcher, 1, 15_000)
  const slow = await rawClient(t, port, 4)
  await slow.connect({ clientId: 'stalled', will: { topic: 'stalled/will', payload: Buffer.from('gone'), qos: 1, retain: false } } as never)
  slow.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'stalled/flood', qos: 0 }] })
  await slow.next('suback')
  slow.socket.pause()
  const conn = broker.engine.sessions.get('stalled')?.connection
  t.assert.ok(conn != null)
  const pub = await connect(t, url)
  const payload = Buffer.alloc(16 * 1024, 0x62)
  // enough to fill the socket buffers of both ends (a few MB each on loopback), then some
  for (let i = 0; i < 2048 && !conn.closed; i++) {
    pub.publish('stalled/flood', payload, { qos: 0 })
    if (i % 128 === 127) await pub.publishAsync('stalled/fence', 'f', { qos: 1 })
  }
  await until(() => conn.closed, 'the stalled connection to be closed', 10_000)
  t.assert.equal(conn.closeReason, 'write_timeout')
  t.assert.equal((await will)[0].payload.toString(), 'gone')
})

test('max_inflight_bytes: no new message enters the window once its bytes are in flight; an ack lets the next one in', async (t: TestContext) => {
  const { url, port } = await startBroker(t, { max_inflight_bytes: 250 * 1024 })
  const sub = await rawClient(t, port, 5)
  await sub.connect()
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'big/#', qos: 1 }, { topic: 'fence', qos: 0 }] })
  await sub.next('suback')
  const pub = await connect(t, url)
  for (let i = 0; i < 10; i++) await pub.publishAsync('big/m', Buffer.alloc(100 * 1024, i), { qos: 1 })
  const publishes = (): Array<{ messageId?: number; topic: string }> => sub.received.filter((p) => p.cmd === 'publish') as never
  const fenced = async (): Promise<void> => {
    const before = publishes().filter((p) => p.topic === 'fence').length
    await pub.publishAsync('fence', 'f', { qos: 0 })
    await until(() => publishes().filter((p) => p.topic === 'fence').length > before, 'the fence')
  }
  await fenced()
  const inWindow = publishes().filter((p) => p.topic === 'big/m')
  t.assert.equal(inWindow.length, 3, '100 + 100 + 100 KiB: the third crosses 250 KiB, no fourth')
  sub.send({ cmd: 'puback', messageId: inWindow[0].messageId })
  await until(() => publishes().filter((p) => p.topic === 'big/m').length === 4, 'one more after the PUBACK')
  await fenced()
  t.assert.equal(publishes().filter((p) => p.topic === 'big/m').length, 4, 'only one')
})

test('unauthenticated sockets cannot pin memory: 50 unfinished 15 MiB CONNECTs are refused on their fixed header', async (t: TestContext) => {
  const { broker, port } = await startBroker(t)
  const sockets = await Promise.all(Array.from({ length: 50 }, async () => {
    const raw = await rawClient(t, port, 4)
    // CONNECT announcing 15 MiB, then its first 60 KiB: well under max_packet_size, far above max_connect_packet_size
    raw.sendBytes(Buffer.concat([Buffer.from([0x10, 0x80, 0x80, 0xc0, 0x07]), Buffer.alloc(60 * 1024)]))
    return raw
  }))
  await Promise.all(sockets.map((s) => s.closed()))
  t.assert.equal(broker.engine.connections.size, 0, 'all closed')
  t.assert.ok(broker.engine.counters.protocolErrors >= 50, 'each counted')
})
