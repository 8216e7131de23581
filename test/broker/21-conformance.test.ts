/**
 * Conformance where MQTT lets a broker choose (we answer byte for byte as Mosquitto does) and where
 * strict peers caught us out: the shortest acknowledgement encodings, the 3.1 CONNACK, the topic
 * level limit, Receive Maximum with QoS 2, Maximum Packet Size, acks of the wrong kind, message
 * expiry, bridges, two malformed packets. docs/conformance.md lists the deliberate differences.
 * Byte-level checks read the raw frames (`RawClient.frames`), not what a parser makes of them.
 */
import { test } from 'node:test'
import mqtt from 'mqtt'
import type { TestContext } from 'node:test'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { until } from '../helpers/messages.js'
import { type RawClient, rawClient } from '../helpers/raw-client.js'
import { connectBytes, props, publishBytes, str } from '../helpers/wire.js'

const uid = (): string => Math.random().toString(16).slice(2, 10)

/** The raw frames of type `type` (the high nibble of the first byte) received so far. */
function framesOf (raw: RawClient, type: number): Buffer[] {
  return raw.frames.filter((f) => f[0] >> 4 === type)
}

/** The next frame of `type` not yet in `seen`, as bytes (rejects after `timeoutMs`). */
async function nextFrame (raw: RawClient, type: number, skip = 0, timeoutMs = 3000): Promise<Buffer> {
  await until(() => framesOf(raw, type).length > skip, `a frame of type ${type}`, timeoutMs)
  return framesOf(raw, type)[skip]
}

const hex = (b: Buffer): string => b.toString('hex')

// ---- 1. Shortest encodings (MQTT 5.0 §3.4.2.1, §3.4.2.2.1, §3.14.2.1) --------------------------

test('v5: PUBACK Success without properties has remaining length 2; another reason has 3', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('short/ack', { qos: 1 })
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({ cmd: 'publish', topic: 'short/ack', payload: Buffer.from('x'), qos: 1, messageId: 7, retain: false, dup: false })
  t.assert.equal(hex(await nextFrame(raw, 4)), '40020007', 'Success: packet id only')
  raw.send({ cmd: 'publish', topic: 'nobody/here', payload: Buffer.from('x'), qos: 1, messageId: 8, retain: false, dup: false })
  t.assert.equal(hex(await nextFrame(raw, 4, 1)), '4003000810', 'No matching subscribers: reason, no property length')
})

test('v5: PUBREC, PUBREL and PUBCOMP use the short forms too', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('short/qos2', { qos: 2 })
  const pub = await rawClient(t, port, 5)
  await pub.connect()
  pub.send({ cmd: 'publish', topic: 'short/qos2', payload: Buffer.from('x'), qos: 2, messageId: 9, retain: false, dup: false })
  t.assert.equal(hex(await nextFrame(pub, 5)), '50020009', 'PUBREC Success')
  pub.send({ cmd: 'pubrel', messageId: 9 })
  t.assert.equal(hex(await nextFrame(pub, 7)), '70020009', 'PUBCOMP Success')
  pub.send({ cmd: 'pubrel', messageId: 10 })
  t.assert.equal(hex(await nextFrame(pub, 7, 1)), '7003000a92', 'PUBCOMP Packet Identifier not found')

  // the broker's own PUBREL, to a raw QoS 2 subscriber
  const rawSub = await rawClient(t, port, 5)
  await rawSub.connect()
  rawSub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'short/out', qos: 2 }] })
  await rawSub.next('suback')
  await sub.publishAsync('short/out', 'y', { qos: 2 })
  const publish = await rawSub.next('publish')
  rawSub.send({ cmd: 'pubrec', messageId: publish.messageId })
  t.assert.equal(hex(await nextFrame(rawSub, 6)), `6202${publish.messageId?.toString(16).padStart(4, '0')}`, 'PUBREL Success')
  rawSub.send({ cmd: 'pubrec', messageId: 999 })
  t.assert.equal(hex(await nextFrame(rawSub, 6, 1)), '620303e792', 'PUBREL Packet Identifier not found')
})

test('v5: a DISCONNECT without properties is the reason code alone', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.sendBytes([0xc0, 0x00]) // PINGREQ
  await raw.next('pingresp')
  raw.sendBytes(publishBytes({ topic: 'a', qos: 1, messageId: 0, v5: true })) // packet id 0: protocol error
  t.assert.equal(hex(await nextFrame(raw, 14)), 'e00182')
  await raw.closed()
})

test('v5: a session taken over gets DISCONNECT 0x8E as the reason code alone', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const clientId = `takeover-${uid()}`
  const first = await rawClient(t, port, 5)
  await first.connect({ clientId })
  const second = await rawClient(t, port, 5)
  await second.connect({ clientId })
  t.assert.equal(hex(await nextFrame(first, 14)), 'e0018e')
})

// ---- 2. MQTT 3.1 has no session present flag ---------------------------------------------------

test('MQTT 3.1: the CONNACK of a resumed session has 0 where 3.1.1 has session present', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const clientId = `v31-${uid()}`
  const first = await rawClient(t, port, 3)
  await first.connect({ clientId, clean: false })
  first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'v31/#', qos: 1 }] })
  await first.next('suback')
  first.send({ cmd: 'disconnect' })
  await first.closed()
  const second = await rawClient(t, port, 3)
  await second.connect({ clientId, clean: false })
  t.assert.equal(hex(second.frames[0]), '20020000', 'CONNACK: no flags, accepted')
  const v311 = await rawClient(t, port, 4)
  await v311.connect({ clientId: `v311-${clientId}`, clean: false })
  v311.socket.destroy()
  const again = await rawClient(t, port, 4)
  await again.connect({ clientId: `v311-${clientId}`, clean: false })
  t.assert.equal(hex(again.frames[0]), '20020100', '3.1.1 sets session present')
})

// ---- 3. Topic levels: 200 separators pass, 201 do not -------------------------------------------

test('a topic or filter with 200 separators is accepted, with 201 refused (Mosquitto\'s limit)', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const deep = Array.from({ length: 201 }, (_, i) => `l${i}`).join('/') // 200 separators
  const tooDeep = `${deep}/x` // 201
  const sub = await connect(t, url, { protocolVersion: 5 })
  const granted = await sub.subscribeAsync(deep, { qos: 1 })
  t.assert.equal(granted[0].qos, 1, '200 separators: granted')
  const got = nextMessages(sub, 1)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  raw.send({ cmd: 'publish', topic: deep, payload: Buffer.from('deep'), qos: 1, messageId: 1, retain: false, dup: false })
  t.assert.equal((await got)[0].payload.toString(), 'deep')
  raw.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: tooDeep, qos: 1 }] })
  const suback = await raw.next('suback')
  t.assert.ok((suback.granted[0] as number) >= 0x80, '201 separators: refused')
})

// ---- 4. Receive Maximum 1 and QoS 2 --------------------------------------------------------------

test('v5 Receive Maximum 1: each completed QoS 2 flow releases the next queued message', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect({ properties: { receiveMaximum: 1 } })
  raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rm/q2', qos: 2 }] })
  await raw.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  for (let i = 0; i < 3; i++) await pub.publishAsync('rm/q2', `m${i}`, { qos: 2 })
  const payloads: string[] = []
  for (let i = 0; i < 3; i++) {
    const p = await raw.next('publish')
    payloads.push(p.payload.toString())
    raw.send({ cmd: 'pubrec', messageId: p.messageId })
    const rel = await raw.next('pubrel')
    t.assert.equal(rel.messageId, p.messageId)
    t.assert.equal(raw.received.filter((x) => x.cmd === 'publish').length, i + 1, 'nothing more before PUBCOMP')
    raw.send({ cmd: 'pubcomp', messageId: p.messageId })
  }
  t.assert.deepEqual(payloads, ['m0', 'm1', 'm2'])
})

test('v5: a session resumed with a smaller Receive Maximum resends its unacknowledged messages within it', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const clientId = `rm-${uid()}`
  const persistent = { clientId, clean: false, properties: { sessionExpiryInterval: 60 } }
  const first = await rawClient(t, port, 5)
  await first.connect(persistent)
  first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rm/resume', qos: 2 }] })
  await first.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  for (let i = 0; i < 3; i++) await pub.publishAsync('rm/resume', `m${i}`, { qos: 2 })
  await until(() => first.received.filter((x) => x.cmd === 'publish').length === 3, 'three unacknowledged messages')
  first.socket.destroy()
  await first.closed()
  const raw = await rawClient(t, port, 5)
  await raw.connect({ ...persistent, properties: { ...persistent.properties, receiveMaximum: 1 } })
  const payloads: string[] = []
  for (let i = 0; i < 3; i++) {
    const p = await raw.next('publish')
    payloads.push(p.payload.toString())
    t.assert.equal(p.dup, true, 'a resend')
    t.assert.equal(raw.received.filter((x) => x.cmd === 'publish').length, i + 1, 'one at a time')
    raw.send({ cmd: 'pubrec', messageId: p.messageId })
    await raw.next('pubrel')
    raw.send({ cmd: 'pubcomp', messageId: p.messageId })
  }
  t.assert.deepEqual(payloads, ['m0', 'm1', 'm2'])
})

// ---- 5. Maximum Packet Size ------------------------------------------------------------------------

test('v5 Maximum Packet Size: a message too big is dropped and counted, the next one arrives', async (t: TestContext) => {
  const { broker, url, port } = await startBroker(t)
  for (const qos of [0, 1, 2] as const) {
    const raw = await rawClient(t, port, 5)
    await raw.connect({ properties: { maximumPacketSize: 20 } })
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `mps/${qos}`, qos }] })
    await raw.next('suback')
    const pub = await connect(t, url, { protocolVersion: 5 })
    const dropped = broker.engine.counters.publishDropped
    await pub.publishAsync(`mps/${qos}`, 'x'.repeat(100), { qos })
    await pub.publishAsync(`mps/${qos}`, 'ok', { qos })
    const p = await raw.next('publish')
    t.assert.equal(p.payload.toString(), 'ok', `QoS ${qos}: the small message arrives`)
    t.assert.equal(broker.engine.counters.publishDropped, dropped + 1, `QoS ${qos}: the big one was counted`)
    if (qos > 0) raw.send({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: p.messageId })
    t.assert.ok(raw.frames.every((f) => f.length <= 20), 'nothing above the client\'s limit')
  }
})

test('[MQTT-3.1.2-24] v5: a CONNACK larger than the client\'s Maximum Packet Size is not sent: the connection is closed', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  raw.sendBytes(connectBytes({ level: 5, properties: props([0x27, 0, 0, 0, 8]) })) // Maximum Packet Size 8
  await raw.closed()
  t.assert.deepEqual(raw.frames.map(hex), [], 'nothing sent')
})

// ---- 7. Payload Format Indicator 1 with a payload that is not UTF-8 -----------------------------

test('v5: a payload flagged as UTF-8 that is not is forwarded unchanged, as Mosquitto does', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('pfi/#', { qos: 1 })
  const got = nextMessages(sub, 2)
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  const bad = Buffer.from([0xc3, 0x28, 0xff])
  for (const [qos, messageId] of [[0, undefined], [1, 5]] as const) {
    raw.send({ cmd: 'publish', topic: `pfi/${qos}`, payload: bad, qos, messageId, retain: false, dup: false, properties: { payloadFormatIndicator: true } } as never)
  }
  t.assert.equal(hex(await nextFrame(raw, 4)), '40020005', 'PUBACK Success')
  const msgs = await got
  t.assert.deepEqual(msgs.map((m) => [m.topic, hex(m.payload), m.packet.properties?.payloadFormatIndicator]), [['pfi/0', 'c328ff', true], ['pfi/1', 'c328ff', true]])
})

// ---- 8. Acknowledgements of the wrong kind ------------------------------------------------------

for (const [version, qos, wrong] of [[5, 1, 'pubrec'], [5, 1, 'pubcomp'], [5, 2, 'puback'], [4, 1, 'pubcomp'], [4, 2, 'puback']] as const) {
  test(`v${version}: ${wrong.toUpperCase()} for a QoS ${qos} delivery is a protocol error`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const raw = await rawClient(t, port, version)
    await raw.connect()
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'wrong/ack', qos }] })
    await raw.next('suback')
    const pub = await connect(t, url)
    await pub.publishAsync('wrong/ack', 'x', { qos })
    const p = await raw.next('publish')
    raw.send({ cmd: wrong, messageId: p.messageId } as never)
    await raw.closed()
    if (version === 5) t.assert.equal(hex(framesOf(raw, 14)[0]), 'e00182', 'DISCONNECT Protocol Error first')
  })
}

// ---- 9. Message expiry of queued and retained messages ------------------------------------------

test('v5: a queued message is delivered with the rest of its expiry interval, and not at all once expired', async (t: TestContext) => {
  const { url } = await startBroker(t)
  const clientId = `expiry-${uid()}`
  const opts = { protocolVersion: 5 as const, clientId, clean: false, properties: { sessionExpiryInterval: 300 } }
  const sub = await connect(t, url, opts)
  await sub.subscribeAsync('exp/#', { qos: 1 })
  await sub.endAsync()
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('exp/short', 'gone', { qos: 1, properties: { messageExpiryInterval: 1 } })
  await pub.publishAsync('exp/long', 'kept', { qos: 1, properties: { messageExpiryInterval: 10 } })
  await pub.publishAsync('exp/kept', 'retained', { qos: 1, retain: true, properties: { messageExpiryInterval: 10 } })
  const sent = Date.now()
  await until(() => Date.now() - sent >= 2100, 'two seconds', 4000)
  const back = mqtt.connect(url, { ...opts, reconnectPeriod: 0 }) // the queued messages come with the CONNACK
  t.after(() => back.end(true))
  const [msg, ...rest] = await nextMessages(back, 2)
  t.assert.deepEqual([msg.topic, msg.payload.toString()], ['exp/long', 'kept'], 'the expired message is not delivered')
  t.assert.equal(rest[0].topic, 'exp/kept')
  for (const m of [msg, ...rest]) {
    const left = m.packet.properties?.messageExpiryInterval ?? 0
    t.assert.ok(left >= 7 && left <= 8, `${m.topic}: remaining interval ${left} (10 s less the 2 s it waited)`)
  }
  const late = await connect(t, url, { protocolVersion: 5 })
  const retained = nextMessages(late, 1)
  await late.subscribeAsync('exp/kept', { qos: 1 })
  const r = (await retained)[0]
  const left = r.packet.properties?.messageExpiryInterval ?? 0
  t.assert.ok(left >= 7 && left <= 8, `retained: remaining interval ${left}`)
})

// ---- 10. Bridges (protocol level 0x83 / 0x84) -----------------------------------------------------

for (const level of [0x83, 0x84]) {
  test(`a bridge connecting with protocol level 0x${level.toString(16)} does not get its own publishes back`, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const raw = await rawClient(t, port, level === 0x83 ? 3 : 4)
    raw.sendBytes(connectBytes({ level, protocolName: level === 0x83 ? 'MQIsdp' : 'MQTT', clientId: `bridge-${uid()}` }))
    await raw.next('connack')
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'bridged/#', qos: 1 }] })
    await raw.next('suback')
    raw.send({ cmd: 'publish', topic: 'bridged/own', payload: Buffer.from('mine'), qos: 1, messageId: 2, retain: false, dup: false })
    await raw.next('puback')
    const other = await connect(t, url)
    await other.publishAsync('bridged/other', 'theirs', { qos: 1 })
    const p = await raw.next('publish')
    t.assert.equal(p.topic, 'bridged/other', 'the first message it gets is the other client\'s')
    t.assert.equal(raw.received.filter((x) => x.cmd === 'publish').length, 1)
  })
}

// ---- 11. Resource abuse ------------------------------------------------------------------------------

test('a first packet that is not CONNECT is refused on its fixed header, before its body is buffered', async (t: TestContext) => {
  const { broker, port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  // PUBLISH announcing 4 MB (well below max_packet_size), of which only the start is sent
  raw.sendBytes(Buffer.concat([Buffer.from([0x30, 0x80, 0x80, 0x80, 0x02]), Buffer.alloc(1000)]))
  await raw.closed()
  t.assert.equal(broker.engine.connections.size, 0)
  t.assert.deepEqual(raw.frames, [], 'nothing sent back')
})

test('a subscriber that does not read: QoS 0 beyond max_outgoing_bytes is dropped and counted, then it gets messages again', async (t: TestContext) => {
  const limit = 256 * 1024
  const { broker, url, port } = await startBroker(t, { max_outgoing_bytes: limit })
  const clientId = `slow-${uid()}`
  const slow = await rawClient(t, port, 4)
  await slow.connect({ clientId })
  slow.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flood/#', qos: 0 }] })
  await slow.next('suback')
  slow.socket.pause() // reads nothing from now on
  const session = broker.engine.sessions.get(clientId)
  t.assert.ok(session?.connection != null)
  const stream = session.connection.link.stream
  const pub = await connect(t, url)
  const payload = Buffer.alloc(8 * 1024, 0x61)
  const count = 2000 // 16 MB
  let mostWaiting = 0
  for (let i = 0; i < count; i++) {
    pub.publish('flood/x', payload, { qos: 0 })
    if (i % 100 === 99) {
      await pub.publishAsync('flood/fence', 'f', { qos: 1 }) // the broker has routed everything before it
      mostWaiting = Math.max(mostWaiting, stream.writableLength)
    }
  }
  t.assert.ok(mostWaiting <= limit + 64 * 1024, `at most the limit waits in the broker (saw ${mostWaiting} bytes)`)
  const dropped = broker.engine.counters.outputDropped
  t.assert.ok(dropped > count / 2, `most of the flood was dropped (${dropped})`)
  t.assert.equal(session.outputDropped, dropped, 'counted for the session too')
  slow.socket.resume()
  await until(() => stream.writableLength === 0, 'the backlog to drain', 10000)
  await pub.publishAsync('flood/last', 'last', { qos: 0 })
  await until(() => slow.received.some((p) => p.cmd === 'publish' && p.topic === 'flood/last'), 'the next message', 5000)
})

test('a CONNECT announcing more than the pre-CONNECT limit is refused on its fixed header', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_connect_packet_size: 1024 })
  const raw = await rawClient(t, port, 4)
  raw.sendBytes([0x10, 0x81, 0x10]) // CONNECT of 2049 bytes
  await raw.closed()
  const ok = await rawClient(t, port, 4)
  const connack = await ok.connect({ clientId: 'x'.repeat(500) })
  t.assert.equal(connack.returnCode, 0, 'a CONNECT under the limit is accepted')
})

test('[MQTT-4.3.3-9] a QoS 2 packet id reused without PUBREL: delivered once, then again only after PUBREL', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('reuse/#', { qos: 2 })
  const seen: string[] = []
  sub.on('message', (_topic, payload) => { seen.push(payload.toString()) })
  const raw = await rawClient(t, port, 4)
  await raw.connect()
  for (let round = 0; round < 20; round++) {
    raw.send({ cmd: 'publish', topic: 'reuse/a', payload: Buffer.from(`first-${round}`), qos: 2, messageId: 42, retain: false, dup: false })
    raw.send({ cmd: 'publish', topic: 'reuse/a', payload: Buffer.from(`first-${round}`), qos: 2, messageId: 42, retain: false, dup: true })
    raw.send({ cmd: 'pubrel', messageId: 42 })
    raw.send({ cmd: 'publish', topic: 'reuse/a', payload: Buffer.from(`second-${round}`), qos: 2, messageId: 42, retain: false, dup: false })
    raw.send({ cmd: 'pubrel', messageId: 42 })
  }
  await until(() => seen.length >= 40, '40 messages', 5000)
  const fence = nextMessages(sub, 1)
  await (await connect(t, url)).publishAsync('reuse/fence', 'fence', { qos: 1 })
  await fence
  const expected = Array.from({ length: 20 }, (_, r) => [`first-${r}`, `second-${r}`]).flat()
  t.assert.deepEqual(seen.filter((s) => s !== 'fence'), expected, 'each message once, none lost')
})

// ---- 12. Malformed packets Mosquitto accepts ------------------------------------------------------

test('a PINGREQ with a non-zero remaining length is malformed: closed without PINGRESP', async (t: TestContext) => {
  const { port } = await startBroker(t)
  for (const version of [4, 5] as const) {
    const raw = await rawClient(t, port, version)
    await raw.connect()
    raw.sendBytes([0xc0, 0x01, 0x00])
    await raw.closed()
    t.assert.equal(framesOf(raw, 13).length, 0, 'no PINGRESP')
    if (version === 5) t.assert.equal(hex(framesOf(raw, 14)[0]), 'e00181', 'DISCONNECT Malformed Packet')
  }
})

test('a 3.1.1 DISCONNECT with a body is malformed: the will is published, not discarded', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await connect(t, url)
  await sub.subscribeAsync('bad/disconnect', { qos: 1 })
  const got = nextMessages(sub, 1)
  const raw = await rawClient(t, port, 4)
  await raw.connect({ will: { topic: 'bad/disconnect', payload: Buffer.from('will'), qos: 1, retain: false } } as never)
  raw.sendBytes([0xe0, 0x01, 0x00])
  await raw.closed()
  t.assert.equal((await got)[0].payload.toString(), 'will')
})

test('v5: CONNECT with Authentication Data but no Authentication Method is a protocol error', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  raw.sendBytes(connectBytes({ level: 5, properties: props([0x16, ...str('secret')]) }))
  const connack = await raw.next('connack')
  t.assert.equal(connack.reasonCode, 0x82)
  await raw.closed()
})
