/**
 * QoS flows through the broker: downgrade to the granted QoS, inbound QoS 2 exactly once, PUBREL
 * handling, outbound resend on resume, the outbound inflight window (Receive Maximum), the offline
 * queue limit, the inbound Receive Maximum and the client's Maximum Packet Size.
 * Raw clients (helpers/raw-client.ts) play the side whose acknowledgements the test controls.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { collectUntil, flushed, publishesBeforePong, text } from '../helpers/messages.js'
import { rawClient } from '../helpers/raw-client.js'

for (const protocolVersion of [4, 5] as const) {
  test(`[MQTT-3.8.4-8] delivered QoS is min(published, granted) (v${protocolVersion})`, async (t: TestContext) => {
    const { url } = await startBroker(t)
    const subs = await Promise.all(([0, 1, 2] as const).map(async (qos) => {
      const c = await connect(t, url, { protocolVersion })
      await c.subscribeAsync('dg/t', { qos })
      return c
    }))
    const got = subs.map((c) => nextMessages(c, 3))
    const pub = await connect(t, url, { protocolVersion })
    for (const qos of [0, 1, 2] as const) await pub.publishAsync('dg/t', `p${qos}`, { qos })
    const results = await Promise.all(got)
    for (const granted of [0, 1, 2]) {
      t.assert.deepEqual(results[granted].map((m) => [m.payload.toString(), m.packet.qos]),
        [0, 1, 2].map((p) => [`p${p}`, Math.min(p, granted)]), `granted QoS ${granted}`)
    }
  })

  test(`[MQTT-4.3.3-9] inbound QoS 2 re-sent with DUP is acknowledged again but delivered once (v${protocolVersion})`, async (t: TestContext) => {
    const { port, url } = await startBroker(t)
    const sub = await connect(t, url, { protocolVersion })
    await sub.subscribeAsync('q2/t', { qos: 2 })
    const got = nextMessages(sub, 2)
    const raw = await rawClient(t, port, protocolVersion)
    await raw.connect()
    const publish = { cmd: 'publish', topic: 'q2/t', payload: Buffer.from('once'), qos: 2, dup: false, retain: false, messageId: 5 } as const
    raw.send(publish)
    t.assert.equal((await raw.next('pubrec')).messageId, 5)
    raw.send({ ...publish, dup: true })
    t.assert.equal((await raw.next('pubrec')).messageId, 5)
    raw.send({ cmd: 'pubrel', messageId: 5 })
    const pubcomp = await raw.next('pubcomp')
    t.assert.equal(pubcomp.messageId, 5)
    if (protocolVersion === 5) t.assert.equal(pubcomp.reasonCode ?? 0, 0)
    // After PUBREL the id is free again: a new message with id 5 is a new message.
    raw.send({ ...publish, payload: Buffer.from('again') })
    t.assert.equal((await raw.next('pubrec')).messageId, 5)
    t.assert.deepEqual((await got).map((m) => m.payload.toString()), ['once', 'again'])
  })

  test(`[MQTT-4.3.3-11] PUBREL for an unknown packet id is answered with PUBCOMP and the connection stays open (v${protocolVersion})`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await rawClient(t, port, protocolVersion)
    await raw.connect()
    raw.send({ cmd: 'pubrel', messageId: 99 })
    const pubcomp = await raw.next('pubcomp')
    t.assert.equal(pubcomp.messageId, 99)
    if (protocolVersion === 5) t.assert.equal(pubcomp.reasonCode, 0x92)
    raw.send({ cmd: 'pingreq' })
    await raw.next('pingresp')
    t.assert.equal(raw.socket.destroyed, false)
  })

  test(`[MQTT-4.4.0-1] an unacknowledged outbound QoS 1 PUBLISH is re-sent with DUP=1 on resume (v${protocolVersion})`, async (t: TestContext) => {
    const { port, url } = await startBroker(t)
    const clientId = `resend-q1-v${protocolVersion}`
    const persistent = protocolVersion === 5 ? { clean: false, properties: { sessionExpiryInterval: 60 } } : { clean: false }
    const first = await rawClient(t, port, protocolVersion)
    await first.connect({ clientId, ...persistent })
    first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rs/t', qos: 1 }] })
    await first.next('suback')
    const pub = await connect(t, url, { protocolVersion })
    await pub.publishAsync('rs/t', 'm1', { qos: 1 })
    const original = await first.next('publish')
    t.assert.deepEqual([original.qos, original.dup, text(original)], [1, false, 'm1'])
    first.socket.destroy() // no PUBACK

    const second = await rawClient(t, port, protocolVersion)
    const connack = await second.connect({ clientId, ...persistent })
    t.assert.equal(connack.sessionPresent, true)
    const again = await second.next('publish')
    t.assert.deepEqual([again.messageId, again.qos, again.dup, again.topic, text(again)], [original.messageId, 1, true, 'rs/t', 'm1'])
    second.send({ cmd: 'puback', messageId: again.messageId })
    await pub.publishAsync('rs/t', 'm2', { qos: 1 })
    const next = await second.next('publish')
    t.assert.deepEqual([next.dup, text(next)], [false, 'm2'])
  })

  test(`[MQTT-4.3.3-4] outbound QoS 2: PUBREC is answered with PUBREL, and PUBREL is re-sent on resume (v${protocolVersion})`, async (t: TestContext) => {
    const { port, url } = await startBroker(t)
    const clientId = `resend-q2-v${protocolVersion}`
    const persistent = protocolVersion === 5 ? { clean: false, properties: { sessionExpiryInterval: 60 } } : { clean: false }
    const first = await rawClient(t, port, protocolVersion)
    await first.connect({ clientId, ...persistent })
    first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rs/t', qos: 2 }] })
    await first.next('suback')
    const pub = await connect(t, url, { protocolVersion })
    await pub.publishAsync('rs/t', 'm1', { qos: 2 })
    const publish = await first.next('publish')
    t.assert.equal(publish.qos, 2)
    first.send({ cmd: 'pubrec', messageId: publish.messageId })
    t.assert.equal((await first.next('pubrel')).messageId, publish.messageId)
    first.socket.destroy() // no PUBCOMP

    const second = await rawClient(t, port, protocolVersion)
    t.assert.equal((await second.connect({ clientId, ...persistent })).sessionPresent, true)
    t.assert.equal((await second.next('pubrel')).messageId, publish.messageId)
    second.send({ cmd: 'pubcomp', messageId: publish.messageId })
    await pub.publishAsync('rs/t', 'marker', { qos: 1 })
    // The PUBLISH itself is not sent again: the next PUBLISH is the marker.
    const next = await second.next('publish')
    t.assert.deepEqual([next.dup, text(next)], [false, 'marker'])
  })
}

test('[MQTT-3.3.4-7] outbound window: a subscriber with Receive Maximum 2 has at most 2 unacknowledged QoS 1 messages', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect({ properties: { receiveMaximum: 2 } })
  raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rm/t', qos: 1 }] })
  await raw.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  for (let i = 1; i <= 4; i++) await pub.publishAsync('rm/t', `m${i}`, { qos: 1 })
  const window = await publishesBeforePong(raw)
  t.assert.deepEqual(window.map(text), ['m1', 'm2'])
  raw.send({ cmd: 'puback', messageId: window[0].messageId })
  const afterOne = await publishesBeforePong(raw)
  t.assert.deepEqual(afterOne.map(text), ['m1', 'm2', 'm3'])
  raw.send({ cmd: 'puback', messageId: window[1].messageId })
  raw.send({ cmd: 'puback', messageId: afterOne[2].messageId })
  t.assert.deepEqual((await publishesBeforePong(raw)).map(text), ['m1', 'm2', 'm3', 'm4'])
})

test('[MQTT-3.3.4-7] outbound window: a QoS 2 message holds its slot until PUBCOMP, not PUBREC', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect({ properties: { receiveMaximum: 1 } })
  raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rm/t', qos: 2 }] })
  await raw.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('rm/t', 'm1', { qos: 2 })
  await pub.publishAsync('rm/t', 'm2', { qos: 2 })
  const first = await raw.next('publish')
  raw.send({ cmd: 'pubrec', messageId: first.messageId })
  t.assert.equal((await raw.next('pubrel')).messageId, first.messageId)
  t.assert.deepEqual((await publishesBeforePong(raw)).map(text), ['m1'])
  raw.send({ cmd: 'pubcomp', messageId: first.messageId })
  const second = await raw.next('publish')
  t.assert.deepEqual([text(second), second.qos], ['m2', 2])
})

test('max_queued_messages: 5 keeps only 5 QoS 1 messages for an offline session', async (t: TestContext) => {
  const { port, url } = await startBroker(t, { max_queued_messages: 5 })
  const clientId = 'queued-5'
  const first = await rawClient(t, port, 4)
  await first.connect({ clientId, clean: false })
  first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'mq/t', qos: 1 }] })
  await first.next('suback')
  first.send({ cmd: 'disconnect' })
  await first.closed() // the broker has detached the session once it closes the socket
  const pub = await connect(t, url)
  for (let i = 1; i <= 8; i++) await pub.publishAsync('mq/t', `m${i}`, { qos: 1 })

  const second = await rawClient(t, port, 4)
  t.assert.equal((await second.connect({ clientId, clean: false })).sessionPresent, true)
  const got = await publishesBeforePong(second)
  t.assert.deepEqual(got.map(text), ['m1', 'm2', 'm3', 'm4', 'm5'])
})

test('max_queued_bytes bounds an offline queue by size; drops are counted per session, in state and in $SYS', async (t: TestContext) => {
  const { port, url, broker } = await startBroker(t, { max_queued_bytes: 3000 })
  const clientId = 'queued-bytes'
  const first = await rawClient(t, port, 4)
  await first.connect({ clientId, clean: false })
  first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'mb/t', qos: 1 }] })
  await first.next('suback')
  first.send({ cmd: 'disconnect' })
  await first.closed()
  const pub = await connect(t, url)
  const kilobyte = 'x'.repeat(1000)
  for (let i = 1; i <= 6; i++) await pub.publishAsync('mb/t', `${i}${kilobyte}`, { qos: 1 })
  const session = broker.engine.sessions.get(clientId)
  t.assert.ok(session !== undefined)
  const queued = session.outbound.queuedCount
  t.assert.ok(queued >= 2 && queued < 6, `some but not all of the 1 kB messages fit in 3000 bytes (${queued})`)
  t.assert.ok(session.outbound.queuedBytes <= 3000)
  t.assert.equal(session.queueDropped, 6 - queued)
  t.assert.equal(broker.engine.counters.queueDropped, 6 - queued)
  const { sysValues } = await import('../../src/core/sys-tree.js')
  const sys = sysValues(broker, Date.now())
  t.assert.deepEqual([sys['queued messages/count'], sys['queued messages/dropped']], [queued, 6 - queued])

  const second = await rawClient(t, port, 4)
  await second.connect({ clientId, clean: false })
  const got = await publishesBeforePong(second)
  t.assert.deepEqual(got.map((p) => text(p)[0]), Array.from({ length: queued }, (_, i) => String(i + 1)), 'the oldest are kept')
})

test('[MQTT-3.3.4-9] more inbound QoS 2 PUBLISH than the announced Receive Maximum → DISCONNECT 0x93', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_inflight: 2 })
  const raw = await rawClient(t, port, 5)
  t.assert.equal((await raw.connect()).properties?.receiveMaximum, 2)
  for (const messageId of [1, 2, 3]) {
    raw.send({ cmd: 'publish', topic: 'rx/t', payload: Buffer.from('x'), qos: 2, dup: false, retain: false, messageId })
  }
  t.assert.deepEqual([(await raw.next('pubrec')).messageId, (await raw.next('pubrec')).messageId], [1, 2])
  t.assert.equal((await raw.next('disconnect')).reasonCode, 0x93)
  await raw.closed()
  t.assert.equal(raw.received.filter((p) => p.cmd === 'pubrec').length, 2)
})

test('[MQTT-3.3.4-9] QoS 2 messages completed with PUBREL do not count against the Receive Maximum', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_inflight: 2 })
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  for (let messageId = 1; messageId <= 6; messageId++) {
    raw.send({ cmd: 'publish', topic: 'rx/t', payload: Buffer.from('x'), qos: 2, dup: false, retain: false, messageId })
    t.assert.equal((await raw.next('pubrec')).messageId, messageId)
    raw.send({ cmd: 'pubrel', messageId })
    t.assert.equal((await raw.next('pubcomp')).messageId, messageId)
  }
  t.assert.equal(raw.received.some((p) => p.cmd === 'disconnect'), false)
})

for (const qos of [0, 1] as const) {
  test(`[MQTT-3.1.2-24] [MQTT-3.1.2-25] a QoS ${qos} message above the subscriber's Maximum Packet Size is not sent, the next small one is`, async (t: TestContext) => {
    const { port, url } = await startBroker(t)
    const raw = await rawClient(t, port, 5)
    await raw.connect({ properties: { maximumPacketSize: 64 } })
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'mps/t', qos: 1 }] })
    await raw.next('suback')
    const pub = await connect(t, url, { protocolVersion: 5 })
    await pub.publishAsync('mps/t', 'x'.repeat(200), { qos })
    await pub.publishAsync('mps/t', 'small', { qos })
    await flushed(pub)
    const got = await publishesBeforePong(raw)
    t.assert.deepEqual(got.map(text), ['small'])
    t.assert.ok(raw.socket.destroyed === false)
  })
}

test('[MQTT-4.3.3-9] a QoS 2 PUBLISH re-sent after reconnecting (session resumed) is not delivered twice', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const sub = await connect(t, url)
  await sub.subscribeAsync('q2/t', { qos: 2 })
  const got = collectUntil(sub, 'q2/marker')
  await sub.subscribeAsync('q2/marker', { qos: 0 })
  const clientId = 'q2-publisher'
  const publish = { cmd: 'publish', topic: 'q2/t', payload: Buffer.from('once'), qos: 2, dup: false, retain: false, messageId: 5 } as const
  const first = await rawClient(t, port, 4)
  await first.connect({ clientId, clean: false })
  first.send(publish)
  t.assert.equal((await first.next('pubrec')).messageId, 5)
  first.socket.destroy() // PUBREC lost, as far as the publisher knows

  const second = await rawClient(t, port, 4)
  t.assert.equal((await second.connect({ clientId, clean: false })).sessionPresent, true)
  second.send({ ...publish, dup: true })
  t.assert.equal((await second.next('pubrec')).messageId, 5)
  second.send({ cmd: 'pubrel', messageId: 5 })
  t.assert.equal((await second.next('pubcomp')).messageId, 5)
  second.send({ cmd: 'publish', topic: 'q2/marker', payload: Buffer.from('m'), qos: 0, dup: false, retain: false })
  t.assert.deepEqual((await got).map((m) => m.payload), ['once', 'm'])
})

test('[MQTT-3.3.1-3] the DUP flag of an incoming PUBLISH is not propagated to subscribers', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const sub = await rawClient(t, port, 4)
  await sub.connect()
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'dup/t', qos: 2 }] })
  await sub.next('suback')
  const pub = await rawClient(t, port, 4)
  await pub.connect()
  pub.send({ cmd: 'publish', topic: 'dup/t', payload: Buffer.from('q1'), qos: 1, dup: true, retain: false, messageId: 1 })
  pub.send({ cmd: 'publish', topic: 'dup/t', payload: Buffer.from('q2'), qos: 2, dup: true, retain: false, messageId: 2 })
  await pub.next('puback')
  await pub.next('pubrec')
  const got = await publishesBeforePong(sub)
  t.assert.deepEqual(got.map((p) => [text(p), p.qos, p.dup]), [['q1', 1, false], ['q2', 2, false]])
})

test('MQTT 5.0 §4.3.3: a PUBREC with a failure reason code ends the QoS 2 flow (no PUBREL) and frees the slot', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  await raw.connect({ properties: { receiveMaximum: 1 } })
  raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'fail/t', qos: 2 }] })
  await raw.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('fail/t', 'm1', { qos: 2 })
  await pub.publishAsync('fail/t', 'm2', { qos: 2 })
  const first = await raw.next('publish')
  raw.send({ cmd: 'pubrec', messageId: first.messageId, reasonCode: 0x80 })
  const second = await raw.next('publish')
  t.assert.equal(text(second), 'm2')
  await publishesBeforePong(raw)
  t.assert.equal(raw.received.some((p) => p.cmd === 'pubrel'), false)
})

test('[MQTT-4.6.0-1] on resume, unacknowledged messages are re-sent first, in order, then the queued ones', async (t: TestContext) => {
  const { port, url } = await startBroker(t)
  const clientId = 'resume-order'
  const first = await rawClient(t, port, 5)
  await first.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60, receiveMaximum: 2 } })
  first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ord/t', qos: 1 }] })
  await first.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  for (let i = 1; i <= 4; i++) await pub.publishAsync('ord/t', `m${i}`, { qos: 1 })
  t.assert.deepEqual((await publishesBeforePong(first)).map(text), ['m1', 'm2'])
  first.send({ cmd: 'disconnect' })
  await first.closed()
  await pub.publishAsync('ord/t', 'm5', { qos: 1 })

  const second = await rawClient(t, port, 5)
  t.assert.equal((await second.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } })).sessionPresent, true)
  const got = await publishesBeforePong(second)
  t.assert.deepEqual(got.map((p) => [text(p), p.dup]), [['m1', true], ['m2', true], ['m3', false], ['m4', false], ['m5', false]])
})

test('[MQTT-3.3.4-7] max_inflight caps the outbound window of a client that announces no Receive Maximum', async (t: TestContext) => {
  const { port, url } = await startBroker(t, { max_inflight: 2 })
  const raw = await rawClient(t, port, 4)
  await raw.connect()
  raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'cap/t', qos: 1 }] })
  await raw.next('suback')
  const pub = await connect(t, url)
  for (let i = 1; i <= 3; i++) await pub.publishAsync('cap/t', `m${i}`, { qos: 1 })
  const window = await publishesBeforePong(raw)
  t.assert.deepEqual(window.map(text), ['m1', 'm2'])
  raw.send({ cmd: 'puback', messageId: window[1].messageId })
  t.assert.deepEqual((await publishesBeforePong(raw)).map(text), ['m1', 'm2', 'm3'])
})

test('[MQTT-3.3.4-9] a client still writing PUBRELs after exceeding Receive Maximum reads DISCONNECT 0x93 without a reset', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_inflight: 3 })
  const raw = await rawClient(t, port, 5)
  await raw.connect()
  let reset = false
  raw.socket.on('error', () => { reset = true })
  for (let id = 1; id <= 4; id++) {
    raw.send({ cmd: 'publish', topic: 'rm/x', payload: Buffer.from('p'), qos: 2, messageId: id, dup: false, retain: false })
  }
  // Answer every PUBREC as a client would, racing the broker's DISCONNECT.
  for (let i = 0; i < 3; i++) {
    const rec = await raw.next('pubrec')
    raw.send({ cmd: 'pubrel', messageId: rec.messageId })
  }
  t.assert.equal((await raw.next('disconnect')).reasonCode, 0x93)
  await raw.closed()
  t.assert.equal(reset, false, 'the broker read what was in flight instead of resetting the connection')
})
