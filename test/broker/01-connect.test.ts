/**
 * CONNECT → CONNACK (src/core/handlers/connect.ts): protocol name/level, connect flags, client
 * identifiers, the connect-state guard of core/dispatch.ts, takeover, session present, the v5
 * capabilities and refusals, and the CONNECT timeout. Raw sockets throughout, so that every byte of
 * the CONNACK (and whether the socket closes) is observable.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import type { Packet } from 'mqtt-packet'
import { startBroker } from '../helpers/broker.js'
import { rawClient } from '../helpers/raw-client.js'
import { Prop, connectBytes, packet, props, u16, u32 } from '../helpers/wire.js'

/** A client id unique to this run, so that no test sees another's session. */
function uid (prefix: string): string {
  return `${prefix}-${Math.random().toString(16).slice(2)}`
}

// ---- protocol name and level ---------------------------------------------------------------------

for (const [label, protocolVersion, protocolId] of [['3.1', 3, 'MQIsdp'], ['3.1.1', 4, 'MQTT'], ['5', 5, 'MQTT']] as const) {
  test(`MQTT ${label} (${protocolId} level ${protocolVersion}) CONNECT is accepted`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await rawClient(t, port, protocolVersion)
    const connack = await raw.connect({ protocolId, protocolVersion, clientId: uid('ok') })
    t.assert.equal(protocolVersion === 5 ? connack.reasonCode : connack.returnCode, 0)
    t.assert.equal(connack.sessionPresent, false)
    // The connection is usable: PINGREQ is answered.
    raw.send({ cmd: 'pingreq' })
    await raw.next('pingresp')
  })
}

for (const [protocolId, protocolVersion] of [['MQTT', 3], ['MQIsdp', 4]] as const) {
  test(`[MQTT-3.1.2-2] ${protocolId} with level ${protocolVersion} is refused with return code 1, then closed`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await rawClient(t, port, 4)
    raw.send({ cmd: 'connect', protocolId, protocolVersion, clientId: uid('mismatch'), clean: true, keepalive: 60 })
    const connack = await raw.next('connack')
    t.assert.equal(connack.returnCode, 1)
    await raw.closed()
  })
}

test('[MQTT-3.1.2-2] unknown protocol level 6 is refused with CONNACK 0x01, then closed', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes(connectBytes({ protocolName: 'MQTT', level: 6, clientId: uid('level6') }))
  const connack = await raw.next('connack')
  t.assert.equal(connack.returnCode, 1)
  t.assert.equal(connack.sessionPresent, false)
  await raw.closed()
})

// ---- connect flags -------------------------------------------------------------------------------

for (const level of [4, 5] as const) {
  test(`[MQTT-3.1.2-3] reserved connect flag bit 0 set closes the connection (level ${level})`, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const raw = await rawClient(t, port, level)
    raw.sendBytes(connectBytes({ level, flags: 0x03, clientId: uid('reserved') }))
    await raw.closed()
    t.assert.deepEqual(raw.received.map((p) => p.cmd), [])
  })
}

test('[MQTT-3.1.2-12] will QoS 3 closes the connection (3.1.1: no CONNACK)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes(connectBytes({ level: 4, clientId: uid('willq3'), will: { topic: 'will/t', qos: 3 } }))
  await raw.closed()
  t.assert.deepEqual(raw.received.map((p) => p.cmd), [])
})

test('[MQTT-3.1.2-12] will QoS 3 is a malformed CONNECT in v5 (CONNACK 0x81, then closed)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  raw.sendBytes(connectBytes({ level: 5, clientId: uid('willq3'), will: { topic: 'will/t', qos: 3 } }))
  await raw.closed()
  const connacks = raw.received.filter((p): p is Extract<Packet, { cmd: 'connack' }> => p.cmd === 'connack')
  t.assert.deepEqual(connacks.map((c) => c.reasonCode), [0x81])
})

test('[MQTT-3.1.2-11] will flag 0 with will QoS 1 closes the connection', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes(connectBytes({ level: 4, flags: 0x02 | (1 << 3), clientId: uid('noflag-qos') }))
  await raw.closed()
  t.assert.deepEqual(raw.received.map((p) => p.cmd), [])
})

test('[MQTT-3.1.2-13] will flag 0 with will retain closes the connection', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes(connectBytes({ level: 4, flags: 0x02 | 0x20, clientId: uid('noflag-retain') }))
  await raw.closed()
  t.assert.deepEqual(raw.received.map((p) => p.cmd), [])
})

test('[MQTT-3.1.2-22] password without user name closes a 3.1.1 connection', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes(connectBytes({ level: 4, clientId: uid('pw'), password: Buffer.from('secret') }))
  await raw.closed()
  t.assert.deepEqual(raw.received.filter((p) => p.cmd === 'connack' && p.returnCode === 0), [])
})

test('v5 allows a password without a user name (MQTT 5.0 §3.1.2.9)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  raw.sendBytes(connectBytes({ level: 5, clientId: uid('pw5'), password: Buffer.from('secret') }))
  t.assert.equal((await raw.next('connack')).reasonCode, 0)
})

// ---- client identifier ---------------------------------------------------------------------------

test('[MQTT-3.1.3-6] zero-length client id with clean session is accepted (3.1.1)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes(connectBytes({ level: 4, clientId: '', clean: true }))
  const connack = await raw.next('connack')
  t.assert.equal(connack.returnCode, 0)
  t.assert.equal(connack.sessionPresent, false)
})

test('[MQTT-3.1.3-8] zero-length client id without clean session is refused with return code 2 (3.1.1)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.sendBytes(connectBytes({ level: 4, clientId: '', clean: false }))
  const connack = await raw.next('connack')
  t.assert.equal(connack.returnCode, 2)
  await raw.closed()
})

test('[MQTT-3.2.2-16] v5 zero-length client id gets an Assigned Client Identifier', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const a = await rawClient(t, port, 5)
  const b = await rawClient(t, port, 5)
  const ca = await a.connect({ clientId: '' })
  const cb = await b.connect({ clientId: '' })
  t.assert.equal(ca.reasonCode, 0)
  const idA = ca.properties?.assignedClientIdentifier
  const idB = cb.properties?.assignedClientIdentifier
  t.assert.equal(typeof idA, 'string')
  t.assert.ok((idA ?? '').length > 0)
  t.assert.notEqual(idA, idB, 'two clients got the same identifier')
  // Both stay connected: the second did not take over the first.
  a.send({ cmd: 'pingreq' })
  await a.next('pingresp')
})

test('a v5 client that gives its own client id gets no Assigned Client Identifier', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  const connack = await raw.connect({ clientId: uid('own') })
  t.assert.equal(connack.properties?.assignedClientIdentifier, undefined)
})

// ---- v5 authentication, redirect, anonymous access ----------------------------------------------

test('v5 CONNECT with an Authentication Method is refused with 0x8C, then closed', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  const connack = await raw.connect({ properties: { authenticationMethod: 'SCRAM-SHA-1' } })
  t.assert.equal(connack.reasonCode, 0x8c)
  await raw.closed()
})

for (const [permanent, reason] of [[false, 0x9c], [true, 0x9d]] as const) {
  test(`redirect (permanent: ${permanent}) answers v5 with 0x${reason.toString(16)} and the Server Reference`, async (t: TestContext) => {
    const { port } = await startBroker(t, { redirect: { server_reference: 'other:1883', permanent } })
    const raw = await rawClient(t, port, 5)
    const connack = await raw.connect()
    t.assert.deepEqual([connack.reasonCode, connack.properties?.serverReference], [reason, 'other:1883'])
    await raw.closed()
  })
}

test('redirect answers v3.1.1 with return code 3 (server unavailable)', async (t: TestContext) => {
  const { port } = await startBroker(t, { redirect: { server_reference: 'other:1883' } })
  const raw = await rawClient(t, port, 4)
  t.assert.equal((await raw.connect()).returnCode, 3)
  await raw.closed()
})

for (const protocolVersion of [4, 5] as const) {
  test(`allow_anonymous: false refuses an anonymous v${protocolVersion} client (${protocolVersion === 5 ? '0x87' : 'return code 5'})`, async (t: TestContext) => {
    const { port } = await startBroker(t, { allow_anonymous: false })
    const raw = await rawClient(t, port, protocolVersion)
    const connack = await raw.connect()
    t.assert.equal(protocolVersion === 5 ? connack.reasonCode : connack.returnCode, protocolVersion === 5 ? 0x87 : 5)
    await raw.closed()
  })
}

test('allow_anonymous: false refuses a user name it cannot check (v5 0x86, v3 return code 4)', async (t: TestContext) => {
  const { port } = await startBroker(t, { allow_anonymous: false })
  const v5 = await rawClient(t, port, 5)
  t.assert.equal((await v5.connect({ username: 'alice', password: Buffer.from('pw') })).reasonCode, 0x86)
  const v4 = await rawClient(t, port, 4)
  t.assert.equal((await v4.connect({ username: 'alice', password: Buffer.from('pw') })).returnCode, 4)
})

// ---- connect-state guard -------------------------------------------------------------------------

test('[MQTT-3.1.0-1] first packet must be CONNECT (PINGREQ first closes, unanswered)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  raw.send({ cmd: 'pingreq' })
  await raw.closed()
  t.assert.deepEqual(raw.received.map((p) => p.cmd), [])
})

test('[MQTT-3.1.0-1] first packet must be CONNECT (PUBLISH first closes and is not delivered)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const sub = await rawClient(t, port, 4)
  await sub.connect()
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'early/#', qos: 0 }] })
  await sub.next('suback')
  const raw = await rawClient(t, port, 4)
  raw.send({ cmd: 'publish', topic: 'early/a', payload: Buffer.from('no'), qos: 0, dup: false, retain: false })
  await raw.closed()
  // A message published afterwards is the first one the subscriber sees.
  const pub = await rawClient(t, port, 4)
  await pub.connect()
  pub.send({ cmd: 'publish', topic: 'early/b', payload: Buffer.from('yes'), qos: 0, dup: false, retain: false })
  const msg = await sub.next('publish')
  t.assert.deepEqual([msg.topic, msg.payload.toString()], ['early/b', 'yes'])
})

test('[MQTT-3.1.0-2] a second CONNECT closes a 3.1.1 connection', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  const clientId = uid('twice')
  t.assert.equal((await raw.connect({ clientId })).returnCode, 0)
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 60 })
  await raw.closed()
  t.assert.equal(raw.received.filter((p) => p.cmd === 'connack').length, 1)
})

// Closed without DISCONNECT, as Mosquitto does: Paho's client_test5 test_basic reads the socket from
// two threads at that moment and hung now and then on a DISCONNECT split between them.
test('[MQTT-3.1.0-2] a second CONNECT closes a v5 connection without sending DISCONNECT', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  const clientId = uid('twice5')
  t.assert.equal((await raw.connect({ clientId })).reasonCode, 0)
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId, clean: true, keepalive: 60 })
  await raw.closed()
  t.assert.deepEqual(raw.received.map((p) => p.cmd), ['connack'])
})

// ---- takeover and session present ----------------------------------------------------------------

test('[MQTT-3.1.4-3] a second connection with the same client id closes the first (3.1.1)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const clientId = uid('takeover')
  const first = await rawClient(t, port, 4)
  await first.connect({ clientId })
  const second = await rawClient(t, port, 4)
  t.assert.equal((await second.connect({ clientId })).returnCode, 0)
  await first.closed()
  second.send({ cmd: 'pingreq' })
  await second.next('pingresp')
})

test('[MQTT-3.1.4-3] takeover sends the first v5 connection DISCONNECT 0x8E', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const clientId = uid('takeover5')
  const first = await rawClient(t, port, 5)
  await first.connect({ clientId })
  const second = await rawClient(t, port, 5)
  t.assert.equal((await second.connect({ clientId })).reasonCode, 0)
  t.assert.equal((await first.next('disconnect')).reasonCode, 0x8e)
  await first.closed()
  second.send({ cmd: 'pingreq' })
  await second.next('pingresp')
})

test('[MQTT-3.2.2-1] [MQTT-3.2.2-2] [MQTT-3.2.2-3] session present follows clean session (3.1.1)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const clientId = uid('present')
  const session = async (clean: boolean): Promise<boolean> => {
    const raw = await rawClient(t, port, 4)
    const connack = await raw.connect({ clientId, clean })
    t.assert.equal(connack.returnCode, 0)
    raw.send({ cmd: 'disconnect' })
    await raw.closed()
    return connack.sessionPresent
  }
  t.assert.equal(await session(false), false, 'no session existed yet [MQTT-3.2.2-3]')
  t.assert.equal(await session(false), true, 'the session was kept [MQTT-3.2.2-2]')
  t.assert.equal(await session(true), false, 'clean session never reports one [MQTT-3.2.2-1]')
  t.assert.equal(await session(false), false, 'the clean session ended when it disconnected')
})

test('[MQTT-3.2.2-2] session present on takeover without clean session', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const clientId = uid('present-takeover')
  const first = await rawClient(t, port, 4)
  t.assert.equal((await first.connect({ clientId, clean: false })).sessionPresent, false)
  const second = await rawClient(t, port, 4)
  t.assert.equal((await second.connect({ clientId, clean: false })).sessionPresent, true)
  await first.closed()
})

test('v5 session present: Clean Start 0 with a Session Expiry Interval resumes, Clean Start 1 does not', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const clientId = uid('present5')
  const session = async (clean: boolean, sessionExpiryInterval: number): Promise<boolean> => {
    const raw = await rawClient(t, port, 5)
    const connack = await raw.connect({ clientId, clean, properties: { sessionExpiryInterval } })
    t.assert.equal(connack.reasonCode, 0)
    raw.send({ cmd: 'disconnect', reasonCode: 0 })
    await raw.closed()
    return connack.sessionPresent
  }
  t.assert.equal(await session(false, 60), false)
  t.assert.equal(await session(false, 60), true)
  t.assert.equal(await session(true, 0), false)
  t.assert.equal(await session(false, 0), false, 'expiry 0 ended the session at disconnect')
})

// ---- v5 capabilities and CONNECT properties ------------------------------------------------------

test('v5 CONNACK advertises Receive Maximum, Maximum Packet Size and Topic Alias Maximum from config', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_inflight: 7, max_packet_size: 5000, topic_alias_maximum: 3 })
  const raw = await rawClient(t, port, 5)
  const connack = await raw.connect()
  t.assert.equal(connack.reasonCode, 0)
  const p = connack.properties ?? {}
  t.assert.deepEqual([p.receiveMaximum, p.maximumPacketSize, p.topicAliasMaximum], [7, 5000, 3])
})

test('v5 Receive Maximum 0 is a protocol error (CONNACK 0x82, then closed)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  raw.sendBytes(connectBytes({ level: 5, properties: props([Prop.ReceiveMaximum, ...u16(0)]) }))
  await raw.closed()
  const connacks = raw.received.filter((p): p is Extract<Packet, { cmd: 'connack' }> => p.cmd === 'connack')
  t.assert.deepEqual(connacks.map((c) => c.reasonCode), [0x82])
})

test('a property repeated in CONNECT is a protocol error (MQTT 5.0 §2.2.2.2) (CONNACK 0x82, then closed)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  raw.sendBytes(connectBytes({
    level: 5,
    properties: props([Prop.SessionExpiryInterval, ...u32(10)], [Prop.SessionExpiryInterval, ...u32(20)]),
  }))
  await raw.closed()
  const connacks = raw.received.filter((p): p is Extract<Packet, { cmd: 'connack' }> => p.cmd === 'connack')
  t.assert.deepEqual(connacks.map((c) => c.reasonCode), [0x82])
})

test('a repeated property is a protocol error even when its first value is 0 (MQTT 5.0 §2.2.2.2)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  raw.sendBytes(connectBytes({
    level: 5,
    properties: props([Prop.SessionExpiryInterval, ...u32(0)], [Prop.SessionExpiryInterval, ...u32(60)]),
  }))
  await raw.closed()
  const connacks = raw.received.filter((p): p is Extract<Packet, { cmd: 'connack' }> => p.cmd === 'connack')
  t.assert.deepEqual(connacks.map((c) => c.reasonCode), [0x82])
})

test('a property not allowed in CONNECT (Topic Alias) is malformed (MQTT 5.0 §2.2.2.2) (CONNACK 0x81, then closed)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  raw.sendBytes(connectBytes({ level: 5, properties: props([Prop.TopicAlias, ...u16(1)]) }))
  await raw.closed()
  const connacks = raw.received.filter((p): p is Extract<Packet, { cmd: 'connack' }> => p.cmd === 'connack')
  t.assert.deepEqual(connacks.map((c) => c.reasonCode), [0x81])
})

test('an unknown property identifier in CONNECT closes the connection', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  raw.sendBytes(connectBytes({ level: 5, properties: props([0x7f, 0x00]) }))
  await raw.closed()
  t.assert.deepEqual(raw.received.filter((p) => p.cmd === 'connack' && p.reasonCode === 0), [])
})

// ---- limits --------------------------------------------------------------------------------------

test('max_connections: 1 closes a second socket, and a slot frees when the first leaves', async (t: TestContext) => {
  const { port } = await startBroker(t, { max_connections: 1 })
  const first = await rawClient(t, port, 4)
  t.assert.equal((await first.connect()).returnCode, 0)
  const second = await rawClient(t, port, 4)
  second.sendBytes(connectBytes({ level: 4 }))
  await second.closed()
  t.assert.deepEqual(second.received, [])
  first.send({ cmd: 'disconnect' })
  await first.closed()
  const third = await rawClient(t, port, 4)
  t.assert.equal((await third.connect()).returnCode, 0)
})

test('connect_timeout: a socket that sends nothing is closed after about a second', async (t: TestContext) => {
  const { port } = await startBroker(t, { connect_timeout: 1 })
  const started = Date.now()
  const raw = await rawClient(t, port, 4)
  await raw.closed(2500)
  const elapsed = Date.now() - started
  t.assert.ok(elapsed >= 900, `closed after ${elapsed} ms, before connect_timeout`)
  t.assert.deepEqual(raw.received, [])
})

test('connect_timeout does not close a client that completed CONNECT', async (t: TestContext) => {
  const { port } = await startBroker(t, { connect_timeout: 1 })
  const silent = await rawClient(t, port, 4)
  const connected = await rawClient(t, port, 4)
  t.assert.equal((await connected.connect({ keepalive: 0 })).returnCode, 0)
  await silent.closed(2500)
  // The silent socket has been swept; the connected one was swept past and still answers.
  connected.send({ cmd: 'pingreq' })
  await connected.next('pingresp')
})

test('a CONNECT split over several TCP segments is assembled', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 4)
  const bytes = Buffer.concat([connectBytes({ level: 4, clientId: uid('split') }), packet(0xc0)])
  for (const b of bytes) {
    raw.sendBytes([b])
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  t.assert.equal((await raw.next('connack')).returnCode, 0)
  await raw.next('pingresp')
})
