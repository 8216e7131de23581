/**
 * Listener tests: every transport is bound on 127.0.0.1 port 0 with an echo handler (the stream is
 * piped back into itself) and exercised with real clients: net, tls (certificates generated with
 * openssl at test time), ws/wss, and an mqtt.js client whose CONNECT must come through the ws
 * listener. Ordering relies on awaited events with a 2 s timeout, never on sleeps.
 */

import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import { after, test, type TestContext } from 'node:test'
import tls from 'node:tls'

import mqtt from 'mqtt'
import WebSocket from 'ws'

import type { ListenerConfig, ListenerType } from '../../src/config/types.js'
import { openListener, type ConnectionInfo, type RunningListener } from '../../src/transport/listener.js'
import { makeCerts } from '../helpers/certs.js'

const certDir = await mkdtemp(join(tmpdir(), 'mqttd-certs-'))
after(() => rm(certDir, { recursive: true, force: true }))
const certs = await makeCerts(certDir)
const [ca, clientCert, clientKey] = await Promise.all([
  readFile(certs.ca),
  readFile(certs.clientCert),
  readFile(certs.clientKey),
])

const within = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(2000) })

function config (type: ListenerType, extra: Partial<ListenerConfig> = {}): ListenerConfig {
  return { type, host: '127.0.0.1', port: 0, path: '/mqtt', require_certificate: false, use_identity_as_username: false, ...extra }
}

function tlsConfig (type: 'mqtts' | 'wss', extra: Partial<ListenerConfig> = {}): ListenerConfig {
  return config(type, { cert: certs.cert, key: certs.key, ca: certs.ca, ...extra })
}

interface Accepted {
  stream: Duplex
  info: ConnectionInfo
}

interface Echo {
  listener: RunningListener
  /** Resolves with the next accepted connection; call it before connecting. */
  next(): Promise<Accepted>
  count(): number
}

/** Opens a listener that echoes every stream; listener and streams are closed after the test. */
async function openEcho (t: TestContext, listenerConfig: ListenerConfig): Promise<Echo> {
  const events = new EventEmitter()
  const streams: Duplex[] = []
  const listener = await openListener(listenerConfig, (stream, info) => {
    streams.push(stream)
    stream.on('error', () => {})
    stream.pipe(stream)
    events.emit('stream', { stream, info })
  })
  t.after(async () => {
    await listener.close()
    for (const stream of streams) stream.destroy()
  })
  return {
    listener,
    next: async () => ((await once(events, 'stream', within())) as [Accepted])[0],
    count: () => streams.length,
  }
}

/** Collects `event` chunks from `emitter` until `length` bytes arrived. */
function collect (emitter: EventEmitter, event: string, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    const signal = AbortSignal.timeout(2000)
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      received += chunk.length
      if (received >= length) {
        emitter.off(event, onData)
        resolve(Buffer.concat(chunks))
      }
    }
    emitter.on(event, onData)
    signal.addEventListener('abort', () => {
      emitter.off(event, onData)
      reject(new Error(`timed out after ${received} of ${length} bytes`))
    })
  })
}

function payload (size: number): Buffer {
  const bytes = Buffer.alloc(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff
  return bytes
}

async function connectTcp (t: TestContext, port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port })
  t.after(() => socket.destroy())
  await once(socket, 'connect', within())
  return socket
}

async function connectTls (t: TestContext, port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca, ...options })
  t.after(() => socket.destroy())
  await once(socket, 'secureConnect', within())
  return socket
}

async function connectWs (
  t: TestContext,
  url: string,
  protocols: string | string[] | undefined,
  options: WebSocket.ClientOptions = {}
): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options)
  t.after(() => ws.terminate())
  await once(ws, 'open', within())
  return ws
}

/** Resolves with the error a WebSocket handshake fails with. */
async function refusedWs (t: TestContext, url: string, protocols?: string | string[]): Promise<Error> {
  const ws = new WebSocket(url, protocols)
  t.after(() => ws.terminate())
  const [err] = (await once(ws, 'error', within())) as [Error]
  return err
}

test('tcp: echoes bytes and describes the connection', async (t) => {
  const echo = await openEcho(t, config('mqtt'))
  assert.notEqual(echo.listener.port, 0)
  assert.equal(echo.listener.host, '127.0.0.1')

  const accepted = echo.next()
  const socket = await connectTcp(t, echo.listener.port)
  const { info } = await accepted
  assert.deepEqual(info, {
    remoteAddress: '127.0.0.1',
    remotePort: socket.localPort,
    transport: 'tcp',
    listener: `mqtt 127.0.0.1:${echo.listener.port}`,
  })

  const data = payload(256 * 1024)
  const echoed = collect(socket, 'data', data.length)
  socket.write(data)
  assert.deepEqual(await echoed, data)
})

test('tls: client certificate CN is reported', async (t) => {
  const echo = await openEcho(t, tlsConfig('mqtts'))
  const accepted = echo.next()
  const socket = await connectTls(t, echo.listener.port, { cert: clientCert, key: clientKey })
  const { info } = await accepted
  assert.equal(info.transport, 'tls')
  assert.equal(info.listener, `mqtts 127.0.0.1:${echo.listener.port}`)
  assert.deepEqual(info.peerCertificate, { authorized: true, subjectCN: 'client-1' })

  const data = payload(64 * 1024)
  const echoed = collect(socket, 'data', data.length)
  socket.write(data)
  assert.deepEqual(await echoed, data)
})

test('tls: with ca set, a client without a certificate is still accepted', async (t) => {
  const echo = await openEcho(t, tlsConfig('mqtts'))
  const accepted = echo.next()
  const socket = await connectTls(t, echo.listener.port)
  const { info } = await accepted
  assert.equal(info.peerCertificate, undefined)

  const echoed = collect(socket, 'data', 3)
  socket.write(Buffer.from([1, 2, 3]))
  assert.deepEqual(await echoed, Buffer.from([1, 2, 3]))
})

test('tls: require_certificate refuses a client without one', async (t) => {
  const echo = await openEcho(t, tlsConfig('mqtts', { require_certificate: true }))
  const socket = tls.connect({ host: '127.0.0.1', port: echo.listener.port, ca })
  t.after(() => socket.destroy())
  socket.resume()
  const [err] = (await once(socket, 'error', within())) as [NodeJS.ErrnoException]
  assert.match(err.code ?? '', /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|ECONNRESET/)
  assert.equal(echo.count(), 0)

  const accepted = echo.next()
  await connectTls(t, echo.listener.port, { cert: clientCert, key: clientKey })
  assert.deepEqual((await accepted).info.peerCertificate, { authorized: true, subjectCN: 'client-1' })
})

test('tls: a failed handshake only costs that socket', async (t) => {
  const echo = await openEcho(t, tlsConfig('mqtts'))
  const garbage = await connectTcp(t, echo.listener.port)
  garbage.on('error', () => {})
  garbage.resume()
  garbage.write('this is not a TLS ClientHello\r\n\r\n')
  await once(garbage, 'close', within())
  assert.equal(echo.count(), 0)

  const accepted = echo.next()
  await connectTls(t, echo.listener.port)
  assert.equal((await accepted).info.transport, 'tls')
})

test('ws: echoes binary frames and negotiates mqtt', async (t) => {
  const echo = await openEcho(t, config('ws'))
  const accepted = echo.next()
  const ws = await connectWs(t, `ws://127.0.0.1:${echo.listener.port}/mqtt`, 'mqtt')
  assert.equal(ws.protocol, 'mqtt')
  const { info } = await accepted
  assert.equal(info.transport, 'ws')
  assert.equal(info.listener, `ws 127.0.0.1:${echo.listener.port}/mqtt`)
  assert.equal(info.remoteAddress, '127.0.0.1')
  assert.equal(info.peerCertificate, undefined)

  const small = Buffer.from([0x10, 0x02, 0xab, 0xcd])
  let echoed = collect(ws, 'message', small.length)
  ws.send(small)
  assert.deepEqual(await echoed, small)

  const large = payload(4 * 1024 * 1024)
  echoed = collect(ws, 'message', large.length)
  for (let offset = 0; offset < large.length; offset += 64 * 1024) ws.send(large.subarray(offset, offset + 64 * 1024))
  assert.deepEqual(await echoed, large)
})

test('ws: prefers mqtt, falls back to mqttv3.1', async (t) => {
  const echo = await openEcho(t, config('ws'))
  const url = `ws://127.0.0.1:${echo.listener.port}/mqtt?client=1`
  assert.equal((await connectWs(t, url, ['mqttv3.1', 'mqtt'])).protocol, 'mqtt')
  assert.equal((await connectWs(t, url, ['mqttv3.1'])).protocol, 'mqttv3.1')
})

test('ws: another path is refused with 404', async (t) => {
  const echo = await openEcho(t, config('ws'))
  const err = await refusedWs(t, `ws://127.0.0.1:${echo.listener.port}/other`, 'mqtt')
  assert.match(err.message, /404/)

  const response = await fetch(`http://127.0.0.1:${echo.listener.port}/mqtt`)
  assert.equal(response.status, 426)
  await response.arrayBuffer()
  assert.equal(echo.count(), 0)
})

test('ws: a handshake without an MQTT subprotocol is refused', async (t) => {
  const echo = await openEcho(t, config('ws'))
  const url = `ws://127.0.0.1:${echo.listener.port}/mqtt`
  assert.match((await refusedWs(t, url)).message, /400/)
  assert.match((await refusedWs(t, url, ['graphql-ws', 'MQTT'])).message, /400/)
  assert.equal(echo.count(), 0)
})

test('ws: a text frame closes the connection with 1003', async (t) => {
  const echo = await openEcho(t, config('ws'))
  const accepted = echo.next()
  const ws = await connectWs(t, `ws://127.0.0.1:${echo.listener.port}/mqtt`, 'mqtt')
  const { stream } = await accepted
  const ended = once(stream, 'close', within())
  ws.send('hello')
  const [code] = (await once(ws, 'close', within())) as [number]
  assert.equal(code, 1003)
  await ended
})

test('wss: echoes over TLS and reports the client certificate', async (t) => {
  const echo = await openEcho(t, tlsConfig('wss'))
  const accepted = echo.next()
  const ws = await connectWs(t, `wss://127.0.0.1:${echo.listener.port}/mqtt`, 'mqtt', {
    ca,
    cert: clientCert,
    key: clientKey,
  })
  const { info } = await accepted
  assert.equal(info.transport, 'wss')
  assert.equal(info.listener, `wss 127.0.0.1:${echo.listener.port}/mqtt`)
  assert.deepEqual(info.peerCertificate, { authorized: true, subjectCN: 'client-1' })

  const data = payload(100_000)
  const echoed = collect(ws, 'message', data.length)
  ws.send(data)
  assert.deepEqual(await echoed, data)
})

test('binding a taken port rejects with EADDRINUSE and names the listener', async (t) => {
  const echo = await openEcho(t, config('mqtt'))
  const port = echo.listener.port
  for (const type of ['mqtt', 'ws'] as const) {
    await assert.rejects(openListener(config(type, { port }), () => {}), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'EADDRINUSE')
      assert.ok(err.message.startsWith(`${type} 127.0.0.1:${port}`), err.message)
      return true
    })
  }
})

test('a missing certificate file rejects with ENOENT', async () => {
  const missing = join(certDir, 'missing.pem')
  await assert.rejects(openListener(tlsConfig('mqtts', { cert: missing }), () => {}), { code: 'ENOENT' })
})

test('close() stops accepting and leaves existing tcp streams alone', async (t) => {
  const echo = await openEcho(t, config('mqtt'))
  const accepted = echo.next()
  const socket = await connectTcp(t, echo.listener.port)
  await accepted
  await echo.listener.close()

  const refused = net.connect({ host: '127.0.0.1', port: echo.listener.port })
  t.after(() => refused.destroy())
  const [err] = (await once(refused, 'error', within())) as [NodeJS.ErrnoException]
  assert.equal(err.code, 'ECONNREFUSED')

  const echoed = collect(socket, 'data', 2)
  socket.write(Buffer.from([7, 8]))
  assert.deepEqual(await echoed, Buffer.from([7, 8]))
})

test('close() stops accepting and leaves existing ws streams alone', async (t) => {
  const echo = await openEcho(t, config('ws'))
  const accepted = echo.next()
  const ws = await connectWs(t, `ws://127.0.0.1:${echo.listener.port}/mqtt`, 'mqtt')
  await accepted
  await echo.listener.close()

  const err = await refusedWs(t, `ws://127.0.0.1:${echo.listener.port}/mqtt`, 'mqtt')
  assert.equal((err as NodeJS.ErrnoException).code, 'ECONNREFUSED')

  const echoed = collect(ws, 'message', 2)
  ws.send(Buffer.from([7, 8]))
  assert.deepEqual(await echoed, Buffer.from([7, 8]))
})

test('mqtt.js sends its CONNECT through the ws listener', async (t) => {
  const accepted = new EventEmitter()
  const streams: Duplex[] = []
  const listener = await openListener(config('ws'), (stream, info) => {
    streams.push(stream)
    stream.on('error', () => {})
    accepted.emit('stream', stream, info)
  })
  t.after(async () => {
    await listener.close()
    for (const stream of streams) stream.destroy()
  })

  const arrived = once(accepted, 'stream', within())
  const connecting = mqtt
    .connectAsync(`ws://127.0.0.1:${listener.port}/mqtt`, { reconnectPeriod: 0, connectTimeout: 2000 }, false)
    .then(
      (client) => {
        client.end(true)
        throw new Error('connected without a broker')
      },
      (err: Error) => err
    )
  const [stream, info] = (await arrived) as [Duplex, ConnectionInfo]
  assert.equal(info.transport, 'ws')
  const [first] = (await once(stream, 'data', within())) as [Buffer]
  assert.equal(first[0], 0x10)

  stream.destroy()
  assert.ok((await connecting) instanceof Error)
})
