/**
 * The broker end to end over each transport: plain TCP (`mqtt`), TLS (`mqtts`), WebSocket (`ws`)
 * and secure WebSocket (`wss`), with real mqtt.js clients. Messages cross transports because every
 * listener feeds the same engine. TLS material is a throwaway CA, server and client certificate
 * made with openssl into a temp dir for this file (test/helpers/certs.ts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { TestContext } from 'node:test'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import type { ListenerType } from '../../src/config/types.js'
import { connect, nextMessages, startBroker, type TestBroker } from '../helpers/broker.js'
import { makeCerts } from '../helpers/certs.js'

const certDir = await mkdtemp(join(tmpdir(), 'mqttd-transport-certs-'))
after(() => rm(certDir, { recursive: true, force: true }))
const certs = await makeCerts(certDir)
const [caPem, clientCert, clientKey] = await Promise.all([readFile(certs.ca), readFile(certs.clientCert), readFile(certs.clientKey)])

const SCHEME: Record<ListenerType, string> = { mqtt: 'mqtt', mqtts: 'mqtts', ws: 'ws', wss: 'wss' }

/** A listener entry of the config file for `type` on 127.0.0.1 port 0. */
function listener (type: ListenerType, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const tls = type === 'mqtts' || type === 'wss' ? { cert: certs.cert, key: certs.key, ca: certs.ca } : {}
  return { type, host: '127.0.0.1', port: 0, ...tls, ...extra }
}

/** The URL of the broker's `index`th listener. */
function urlOf (b: TestBroker, index: number): string {
  const l = b.broker.listeners[index]
  return `${SCHEME[l.type]}://127.0.0.1:${l.port}${l.path ?? ''}`
}

/** Connects to `url`, trusting the test CA on TLS transports. */
async function connectTo (t: TestContext, url: string, extra: IClientOptions = {}): Promise<MqttClient> {
  const secure = url.startsWith('mqtts:') || url.startsWith('wss:')
  return connect(t, url, { ...(secure ? { ca: caPem, rejectUnauthorized: true } : {}), ...extra })
}

/** Subscribes a client on `url` to `topic`, publishes from another client on `pubUrl`, returns what arrived. */
async function roundTrip (t: TestContext, subUrl: string, pubUrl: string, protocolVersion: 3 | 4 | 5 = 4): Promise<[string, string, number]> {
  const v3 = protocolVersion === 3 ? { protocolId: 'MQIsdp' as const } : {}
  const sub = await connectTo(t, subUrl, { protocolVersion, ...v3 })
  await sub.subscribeAsync('tr/#', { qos: 1 })
  const pub = await connectTo(t, pubUrl, { protocolVersion, ...v3 })
  const got = nextMessages(sub, 1)
  await pub.publishAsync('tr/x', `via ${pubUrl.split(':')[0]}`, { qos: 1 })
  const [m] = await got
  return [m.topic, m.payload.toString(), m.packet.qos]
}

for (const type of ['mqtts', 'ws', 'wss'] as const) {
  for (const protocolVersion of [3, 4, 5] as const) {
    test(`${type}: mqtt.js v${protocolVersion} publishes and receives through a ${type} listener`, async (t: TestContext) => {
      const b = await startBroker(t, { listeners: [listener(type)] })
      const url = urlOf(b, 0)
      t.assert.match(url, type === 'mqtts' ? /^mqtts:\/\/127\.0\.0\.1:\d+$/ : new RegExp(`^${type}://127\\.0\\.0\\.1:\\d+/mqtt$`))
      t.assert.deepEqual(await roundTrip(t, url, url, protocolVersion), ['tr/x', `via ${type}`, 1])
      const [conn] = b.broker.engine.connections
      t.assert.equal(conn.info.transport, type === 'mqtts' ? 'tls' : type)
    })
  }
}

test('a message published over TCP reaches a WebSocket subscriber, and one published over WebSocket a TCP subscriber', async (t: TestContext) => {
  const b = await startBroker(t, { listeners: [listener('mqtt'), listener('ws')] })
  const tcp = urlOf(b, 0)
  const ws = urlOf(b, 1)
  t.assert.deepEqual(await roundTrip(t, ws, tcp), ['tr/x', 'via mqtt', 1], 'TCP → WS')
  t.assert.deepEqual(await roundTrip(t, tcp, ws, 5), ['tr/x', 'via ws', 1], 'WS → TCP')
})

test('every transport reaches every other: 4 subscribers × 4 publishers', async (t: TestContext) => {
  const types = ['mqtt', 'mqtts', 'ws', 'wss'] as const
  const b = await startBroker(t, { listeners: types.map((type) => listener(type)) })
  const urls = types.map((_, i) => urlOf(b, i))
  const subs = await Promise.all(urls.map(async (url, i) => {
    const sub = await connectTo(t, url, { protocolVersion: i % 2 === 0 ? 4 : 5 })
    await sub.subscribeAsync('mesh/#', { qos: 2 })
    return sub
  }))
  const pubs = await Promise.all(urls.map((url) => connectTo(t, url)))
  const got = subs.map((sub) => nextMessages(sub, types.length))
  for (const [i, pub] of pubs.entries()) await pub.publishAsync(`mesh/${types[i]}`, types[i], { qos: 2 })
  for (const [i, messages] of (await Promise.all(got)).entries()) {
    t.assert.deepEqual(messages.map((m) => m.payload.toString()), [...types], `subscriber on ${types[i]}`)
  }
})

test('several listeners of each type at once: each is bound on its own port and serves clients', async (t: TestContext) => {
  const types = ['mqtt', 'mqtt', 'mqtts', 'mqtts', 'ws', 'ws', 'wss', 'wss'] as const
  const b = await startBroker(t, { listeners: types.map((type, i) => listener(type, i === 5 ? { path: '/other' } : {})) })
  const bound = b.broker.listeners
  t.assert.deepEqual(bound.map((l) => l.type), [...types])
  t.assert.equal(new Set(bound.map((l) => l.port)).size, types.length, 'distinct ports')
  t.assert.equal(bound[5].path, '/other')
  const urls = types.map((_, i) => urlOf(b, i))
  const subs = await Promise.all(urls.map(async (url) => {
    const sub = await connectTo(t, url)
    await sub.subscribeAsync('many', { qos: 1 })
    return sub
  }))
  const got = subs.map((sub) => nextMessages(sub, 1))
  const pub = await connectTo(t, urls[7])
  await pub.publishAsync('many', 'hello all', { qos: 1 })
  for (const [i, [m]] of (await Promise.all(got)).entries()) t.assert.equal(m.payload.toString(), 'hello all', `listener ${i} (${types[i]})`)
  t.assert.equal(b.broker.engine.connections.size, types.length + 1)
})

/** Resolves 'connected' or 'refused' (error or close before CONNACK) for an mqtt.js connection attempt. */
function attempt (t: TestContext, url: string, opts: IClientOptions): Promise<'connected' | 'refused'> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
  t.after(() => client.endAsync(true))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither connected nor refused')), 5000)
    const done = (result: 'connected' | 'refused') => () => { clearTimeout(timer); resolve(result) }
    client.once('connect', done('connected'))
    client.once('error', done('refused'))
    client.once('close', done('refused'))
  })
}

for (const type of ['mqtts', 'wss'] as const) {
  test(`${type} with require_certificate: a client without a certificate is refused, one with a CA-signed certificate is let in`, async (t: TestContext) => {
    const b = await startBroker(t, { listeners: [listener(type, { require_certificate: true })] })
    const url = urlOf(b, 0)
    const ca = caPem
    t.assert.equal(await attempt(t, url, { ca }), 'refused')
    t.assert.equal(b.broker.engine.counters.connectionsAccepted, 0, 'the handshake failed before the engine saw a connection')

    t.assert.equal(await attempt(t, url, { ca, cert: clientCert, key: clientKey }), 'connected')
    const [conn] = b.broker.engine.connections
    t.assert.deepEqual(conn.info.peerCertificate, { authorized: true, subjectCN: 'client-1' })
  })
}

test('mqtts: a client that does not trust the server certificate cannot connect (the broker presents the configured one)', async (t: TestContext) => {
  const b = await startBroker(t, { listeners: [listener('mqtts')] })
  const url = urlOf(b, 0)
  t.assert.equal(await attempt(t, url, { rejectUnauthorized: true }), 'refused', 'untrusted without the CA')
  t.assert.equal(await attempt(t, url, { ca: caPem, rejectUnauthorized: true }), 'connected', 'trusted with the CA')
})
