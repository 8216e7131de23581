/**
 * Malformed input, byte by byte: strings (protocol/strict-parser.ts), fixed-header flags and lengths
 * (mqtt-packet's parser and the size guard of core/connection.ts), and packets that decode but
 * break a rule (core/handlers/publish.ts, subscribe.ts). Each case checks that the offending
 * connection is closed (v5: with the DISCONNECT reason first), that nothing of the bad packet is
 * delivered, and that the broker and its other clients carry on.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { type RawClient, rawClient } from '../helpers/raw-client.js'
import { connectBytes, packet, props, publishBytes, str, u16, varint } from '../helpers/wire.js'

type Version = 4 | 5

/** A connected raw client of protocol `version`. */
async function connected (t: TestContext, port: number, version: Version, clientId?: string): Promise<RawClient> {
  const raw = await rawClient(t, port, version)
  const connack = await raw.connect(clientId === undefined ? {} : { clientId })
  t.assert.equal(version === 5 ? connack.reasonCode : connack.returnCode, 0)
  return raw
}

/**
 * Sends `bytes` from a connected client and expects the broker to close it: v5 with DISCONNECT
 * `v5Reason` first, v3 without anything. Also checks the broker answered nothing else.
 */
async function expectClosed (t: TestContext, raw: RawClient, version: Version, bytes: Buffer, v5Reason: number): Promise<void> {
  const before = raw.received.length
  raw.sendBytes(bytes)
  await raw.closed()
  const after = raw.received.slice(before)
  if (version === 5) {
    t.assert.deepEqual(after.map((p) => p.cmd === 'disconnect' ? `disconnect 0x${(p.reasonCode ?? 0).toString(16)}` : p.cmd),
      [`disconnect 0x${v5Reason.toString(16)}`])
  } else {
    t.assert.deepEqual(after.map((p) => p.cmd), [])
  }
}

/**
 * A subscriber to `#` that proves a bad PUBLISH was not routed: after `bad()` closed its sender,
 * a good message is published and must be the first one the subscriber sees.
 */
async function notDelivered (t: TestContext, port: number, bad: () => Promise<void>): Promise<void> {
  const sub = await connected(t, port, 4)
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 0 }] })
  await sub.next('suback')
  await bad()
  const pub = await connected(t, port, 4)
  pub.send({ cmd: 'publish', topic: 'sentinel', payload: Buffer.from('ok'), qos: 0, dup: false, retain: false })
  const first = await sub.next('publish')
  t.assert.equal(first.topic, 'sentinel')
}

// ---- strings -------------------------------------------------------------------------------------

const BAD_UTF8: Array<[string, number[]]> = [
  ['overlong C0 C1', [0x61, 0xc0, 0xc1]],
  ['UTF-16 surrogate ED A0 80', [0x61, 0xed, 0xa0, 0x80]],
  ['stray continuation byte 80', [0x80]],
  ['truncated sequence E2 82', [0x61, 0xe2, 0x82]],
  ['code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
]

for (const version of [4, 5] as const) {
  for (const [label, topic] of BAD_UTF8) {
    test(`[MQTT-1.5.4-1] ill-formed UTF-8 in a PUBLISH topic (${label}) closes a v${version} connection`, async (t: TestContext) => {
      const { port } = await startBroker(t)
      await notDelivered(t, port, async () => {
        const raw = await connected(t, port, version)
        await expectClosed(t, raw, version, publishBytes({ topic, v5: version === 5 }), 0x81)
      })
    })
  }

  test(`[MQTT-1.5.4-2] U+0000 in a PUBLISH topic closes a v${version} connection`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    await notDelivered(t, port, async () => {
      const raw = await connected(t, port, version)
      await expectClosed(t, raw, version, publishBytes({ topic: [0x61, 0x00, 0x62], v5: version === 5 }), 0x81)
    })
  })

  test(`[MQTT-1.5.4-1] ill-formed UTF-8 in a SUBSCRIBE filter closes a v${version} connection`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await connected(t, port, version)
    const body = [u16(1), ...(version === 5 ? [varint(0)] : []), str([0x61, 0xc0, 0xaf]), Buffer.from([0])]
    await expectClosed(t, raw, version, packet(0x82, ...body), 0x81)
  })
}

test('[MQTT-1.5.4-1] ill-formed UTF-8 in the CONNECT client id closes the connection without CONNACK', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes(packet(0x10, str('MQTT'), [4, 0x02], u16(60), str([0x63, 0xed, 0xa0, 0x80])))
  await raw.closed()
  t.assert.deepEqual(raw.received, [])
})

// ---- PUBLISH rules -------------------------------------------------------------------------------

for (const version of [4, 5] as const) {
  for (const topic of ['a/+', 'a/#', '#', '+']) {
    test(`[MQTT-3.3.2-2] wildcard in a PUBLISH topic ('${topic}') closes a v${version} connection${version === 5 ? ' with 0x90' : ''}`, async (t: TestContext) => {
      const { port } = await startBroker(t)
      await notDelivered(t, port, async () => {
        const raw = await connected(t, port, version)
        await expectClosed(t, raw, version, publishBytes({ topic, v5: version === 5 }), 0x90)
      })
    })
  }

  test(`[MQTT-3.3.1-4] a PUBLISH with QoS 3 closes a v${version} connection`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    await notDelivered(t, port, async () => {
      const raw = await connected(t, port, version)
      await expectClosed(t, raw, version, publishBytes({ topic: 'q3', firstByte: 0x36, qos: 1, v5: version === 5 }), 0x81)
    })
  })

  test(`[MQTT-3.3.1-2] a QoS 0 PUBLISH with DUP set closes a v${version} connection`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    await notDelivered(t, port, async () => {
      const raw = await connected(t, port, version)
      await expectClosed(t, raw, version, publishBytes({ topic: 'dup0', qos: 0, dup: true, v5: version === 5 }), 0x81)
    })
  })

  test(`[MQTT-2.2.1-3] a QoS 1 PUBLISH with packet id 0 closes a v${version} connection`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    await notDelivered(t, port, async () => {
      const raw = await connected(t, port, version)
      await expectClosed(t, raw, version, publishBytes({ topic: 'id0', qos: 1, messageId: 0, v5: version === 5 }), 0x82)
    })
  })

  test(`[MQTT-4.7.3-1] a PUBLISH with an empty topic (and no alias) closes a v${version} connection`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await connected(t, port, version)
    await expectClosed(t, raw, version, publishBytes({ topic: '', v5: version === 5 }), version === 5 ? 0x82 : 0)
  })
}

test('a QoS 1 PUBLISH cut short before its packet id closes the connection', async (t: TestContext) => {
  const { port } = await startBroker(t)
  await notDelivered(t, port, async () => {
    const raw = await connected(t, port, 4)
    // Remaining Length 3 covers the topic "a" only; no packet id follows inside the packet.
    await expectClosed(t, raw, 4, packet(0x32, str('a')), 0)
  })
})

test('a QoS 1 PUBLISH cut short before its packet id is not completed with the next packet\'s bytes', async (t: TestContext) => {
  const { port } = await startBroker(t)
  await notDelivered(t, port, async () => {
    const raw = await connected(t, port, 4)
    // Same short PUBLISH, followed in the same segment by a PINGREQ (C0 00): those two bytes are
    // not part of the PUBLISH and must not be read as its packet id.
    await expectClosed(t, raw, 4, Buffer.concat([packet(0x32, str('a')), packet(0xc0)]), 0)
  })
})

// ---- SUBSCRIBE rules -----------------------------------------------------------------------------

for (const version of [4, 5] as const) {
  test(`[MQTT-3.8.1-1] SUBSCRIBE with reserved header flags 0000 (0x80) closes a v${version} connection`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await connected(t, port, version)
    const body = [u16(1), ...(version === 5 ? [varint(0)] : []), str('a/b'), Buffer.from([0])]
    await expectClosed(t, raw, version, packet(0x80, ...body), 0x81)
  })

  test(`[MQTT-3.8.3-3] SUBSCRIBE without topic filters closes a v${version} connection`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await connected(t, port, version)
    const body = [u16(1), ...(version === 5 ? [varint(0)] : [])]
    await expectClosed(t, raw, version, packet(0x82, ...body), version === 5 ? 0x82 : 0)
  })

  test(`SUBSCRIBE with reserved subscription option bits set closes a v${version} connection`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await connected(t, port, version)
    const body = [u16(1), ...(version === 5 ? [varint(0)] : []), str('a/b'), Buffer.from([0xc0])]
    await expectClosed(t, raw, version, packet(0x82, ...body), 0x81)
  })
}

test('[MQTT-3.10.1-1] UNSUBSCRIBE with reserved header flags 0000 (0xA0) closes the connection', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await connected(t, port, 4)
  await expectClosed(t, raw, 4, packet(0xa0, u16(1), str('a/b')), 0)
})

test('[MQTT-3.6.1-1] PUBREL with reserved header flags 0000 (0x60) closes the connection', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await connected(t, port, 4)
  await expectClosed(t, raw, 4, packet(0x60, u16(1)), 0)
})

test('reserved packet type 0 closes the connection', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await connected(t, port, 5)
  await expectClosed(t, raw, 5, packet(0x00), 0x81)
})

// ---- lengths -------------------------------------------------------------------------------------

for (const version of [4, 5] as const) {
  test(`a Remaining Length above max_packet_size closes a v${version} connection before the body arrives${version === 5 ? ' (0x95)' : ''}`, async (t: TestContext) => {
    const { port } = await startBroker(t, { max_packet_size: 1024 })
    const raw = await connected(t, port, version)
    // Only the fixed header of a 1 MB PUBLISH: the broker must not wait for (or buffer) the body.
    const since = Date.now()
    await expectClosed(t, raw, version, Buffer.concat([Buffer.from([0x30]), varint(1024 * 1024)]), 0x95)
    t.assert.ok(Date.now() - since < 1000, 'closed promptly')
  })
}

test('max_packet_size is the size of the whole packet: 1024 bytes pass, 1025 close the connection', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_packet_size: 1024 })
  const sub = await connected(t, port, 4)
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'size/#', qos: 0 }] })
  await sub.next('suback')
  const raw = await connected(t, port, 4)
  // 1 (type) + 2 (Remaining Length 1021) + 1021 = 1024; topic "size/a" takes 8 of the 1021.
  const exact = publishBytes({ topic: 'size/a', payload: 'x'.repeat(1021 - 8) })
  t.assert.equal(exact.length, 1024)
  raw.sendBytes(exact)
  t.assert.equal((await sub.next('publish')).payload.length, 1013)
  const over = publishBytes({ topic: 'size/a', payload: 'x'.repeat(1022 - 8) })
  t.assert.equal(over.length, 1025)
  await expectClosed(t, raw, 4, over, 0)
})

for (const version of [4, 5] as const) {
  test(`a Remaining Length with 5 continuation bytes is malformed and closes a v${version} connection`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await connected(t, port, version)
    await expectClosed(t, raw, version, Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]), 0x81)
  })
}

test('a Remaining Length with 5 continuation bytes before CONNECT closes the socket', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes([0x10, 0x80, 0x80, 0x80, 0x80, 0x01])
  await raw.closed()
  t.assert.deepEqual(raw.received, [])
})

test('bytes that are not MQTT at all (an HTTP request) close the socket without an answer', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
  await raw.closed()
  t.assert.deepEqual(raw.received, [])
})

// ---- isolation and recovery ----------------------------------------------------------------------

test('a malformed packet on one connection does not disturb another client', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('iso/#', { qos: 1 })
  const pub = await connect(t, url, { protocolVersion: 4 })
  const bad = await connected(t, port, 5)
  await expectClosed(t, bad, 5, publishBytes({ topic: [0xc0, 0xc1], v5: true }), 0x81)
  const got = nextMessages(sub, 2)
  await pub.publishAsync('iso/a', 'one', { qos: 1 })
  await sub.publishAsync('iso/b', 'two', { qos: 0 })
  const msgs = await got
  t.assert.deepEqual(msgs.map((m) => [m.topic, m.payload.toString()]), [['iso/a', 'one'], ['iso/b', 'two']])
  t.assert.equal(sub.connected && pub.connected, true)
})

test('a client that sends half a packet and then closes is cleaned up (its will is published)', async (t: TestContext) => {
  const { port, broker } = await startBroker(t)
  const sub = await connected(t, port, 4)
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'trunc/#', qos: 0 }] })
  await sub.next('suback')
  const raw = await rawClient(t, port, 4)
  t.assert.equal((await raw.connect({ clientId: 'trunc-1', will: { topic: 'trunc/will', payload: Buffer.from('gone'), qos: 0, retain: false } })).returnCode, 0)
  t.assert.equal(broker.engine.connections.size, 2)
  // A PUBLISH announcing 100 bytes, of which 10 arrive, then the client hangs up.
  raw.sendBytes(Buffer.concat([Buffer.from([0x30, 100]), str('trunc/x'), Buffer.from('abc')]))
  raw.socket.end()
  const will = await sub.next('publish')
  t.assert.deepEqual([will.topic, will.payload.toString()], ['trunc/will', 'gone'])
  await raw.closed()
  t.assert.equal(broker.engine.connections.size, 1)
  t.assert.equal(broker.engine.sessions.get('trunc-1'), undefined)
})

test('a half-sent CONNECT followed by a hang-up leaves no connection behind', async (t: TestContext) => {
  const { port, broker } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes([0x10, 30, 0x00, 0x04, 0x4d, 0x51])
  raw.socket.end()
  await raw.closed()
  t.assert.equal(broker.engine.connections.size, 0)
})

test('after a barrage of garbage the broker still accepts clients and routes messages', async (t: TestContext) => {
  const { url, port, broker } = await startBroker(t, { max_packet_size: 1024 })
  const garbage: Array<{ version: Version; connect: boolean; bytes: Buffer }> = [
    { version: 4, connect: false, bytes: Buffer.from('\x00\x01\x02\x03 garbage') },
    { version: 4, connect: false, bytes: Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0xff]) },
    { version: 4, connect: false, bytes: Buffer.from([0x30, 0x00]) },
    { version: 4, connect: true, bytes: publishBytes({ topic: [0xed, 0xa0, 0x80] }) },
    { version: 5, connect: true, bytes: publishBytes({ topic: 'a/#', v5: true }) },
    { version: 5, connect: true, bytes: Buffer.concat([Buffer.from([0x30]), varint(10_000_000)]) },
    { version: 4, connect: true, bytes: packet(0x80, u16(1), str('x'), [0]) },
    { version: 5, connect: true, bytes: Buffer.from([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]) },
    { version: 4, connect: true, bytes: Buffer.from([0xf0, 0x00]) },
  ]
  await Promise.all(garbage.map(async ({ version, connect: doConnect, bytes }) => {
    const raw = doConnect ? await connected(t, port, version) : await rawClient(t, port, version)
    raw.sendBytes(bytes)
    await raw.closed()
  }))
  t.assert.equal(broker.engine.connections.size, 0, 'every garbage connection is gone')
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('after/#')
  const pub = await connect(t, url, { protocolVersion: 4 })
  const got = nextMessages(sub, 1)
  await pub.publishAsync('after/x', 'still here')
  t.assert.deepEqual((await got).map((m) => m.payload.toString()), ['still here'])
  t.assert.equal(broker.engine.connections.size, 2)
})

test('a CONNECT with bytes after its last field is malformed', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  const good = connectBytes({ clientId: 'trailing' })
  // Same CONNECT with one extra byte inside its Remaining Length.
  raw.sendBytes(Buffer.concat([Buffer.from([0x10, good[1] + 1]), good.subarray(2), Buffer.from([0x00])]))
  await raw.closed()
  t.assert.equal(raw.received.length, 0, 'no CONNACK for a malformed CONNECT')
})

test('a v5 flag property with a value other than 0 or 1 is malformed (MQTT 5.0 §2.2.2.2)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  // Request Problem Information (0x17) = 2
  raw.sendBytes(connectBytes({ level: 5, clientId: 'flag-2', properties: props([0x17, 0x02]) }))
  await raw.closed()
  t.assert.ok(raw.received.every((p) => p.cmd !== 'connack' || p.reasonCode !== 0), 'never accepted')
})
