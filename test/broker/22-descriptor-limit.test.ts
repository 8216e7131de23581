/**
 * The broker at its file descriptor limit (300 sockets under `ulimit -n 256` used to kill it with
 * an uncaught EMFILE from a memory reading). Each test runs a real broker process under
 * `ulimit -n 256`, opens more MQTT connections than it can hold, checks that it stays up and
 * refuses the extra ones with one log line for the whole episode, then closes them and connects,
 * subscribes and receives with a real client.
 */
import net from 'node:net'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { maxConnectionsFor } from '../../src/host/descriptor-limit.js'
import { connect, nextMessages } from '../helpers/broker.js'
import { type LimitedBroker, startLimitedBroker } from '../helpers/limited-broker.js'
import { until } from '../helpers/messages.js'
import { connectBytes } from '../helpers/wire.js'

const LIMIT = 256
const SOCKETS = 300

interface Flood {
  sockets: net.Socket[]
  /** Sockets the broker closed (or reset). */
  closedByBroker: () => number
  /** Closes every socket still open. */
  end: () => Promise<void>
}

/** Opens `n` sockets that each send a CONNECT (keep alive 0); resolves once each is open or closed. */
async function flood (t: TestContext, port: number, n: number): Promise<Flood> {
  const sockets: net.Socket[] = []
  let closedByBroker = 0
  let ending = false
  let settled = 0
  await new Promise<void>((resolve) => {
    for (let i = 0; i < n; i++) {
      const socket = net.connect(port, '127.0.0.1')
      sockets.push(socket)
      let done = false
      const settle = (): void => {
        if (done) return
        done = true
        if (++settled === n) resolve()
      }
      socket.on('connect', () => { socket.write(connectBytes({ clientId: `flood-${i}`, keepalive: 0 }), settle) })
      socket.on('error', settle)
      socket.on('close', () => {
        if (!ending) closedByBroker++
        settle()
      })
    }
  })
  const end = async (): Promise<void> => {
    ending = true
    await Promise.all(sockets.map((s) => s.closed ? undefined : new Promise((resolve) => { s.once('close', resolve); s.destroy() })))
  }
  t.after(end)
  return { sockets, closedByBroker: () => closedByBroker, end }
}

/** A real client connects, subscribes and gets a QoS 1 message; returns it for more checks. */
async function servesAgain (t: TestContext, b: LimitedBroker): Promise<ReturnType<typeof connect>> {
  const client = await connect(t, `mqtt://127.0.0.1:${b.port}`, { clientId: 'after-the-flood', protocolVersion: 5 })
  await client.subscribeAsync('fd/test', { qos: 1 })
  const got = nextMessages(client, 1)
  await client.publishAsync('fd/test', 'still here', { qos: 1 })
  t.assert.equal((await got)[0].payload.toString(), 'still here')
  return client
}

test(`under ulimit -n ${LIMIT}, ${SOCKETS} connections: the default max_connections holds, the rest are refused in one logged episode, then it serves again`, async (t: TestContext) => {
  const b = await startLimitedBroker(t, LIMIT, { sys_interval: 1 })
  const control = await b.control()
  const expected = maxConnectionsFor(LIMIT)
  const shown = await control.request('config.show', {})
  t.assert.equal(shown.config.max_connections, expected, 'the broker derived max_connections from its own limit')

  const f = await flood(t, b.port, SOCKETS)
  await until(() => f.closedByBroker() >= SOCKETS - expected, `${SOCKETS - expected} sockets closed by the broker`, 10_000)
  const state = await control.request('state', {})
  t.assert.equal(b.child.exitCode, null, 'the broker is still running')
  t.assert.equal(f.closedByBroker(), SOCKETS - expected)
  t.assert.equal(state.connections.open, expected)
  t.assert.equal(state.connections.refused, SOCKETS - expected)
  t.assert.equal(state.connections.refusal_episodes, 1)
  const warnings = b.log.filter((l) => l.msg.includes('max_connections'))
  t.assert.equal(warnings.length, 1, `one line for the episode, not one per socket: ${JSON.stringify(warnings)}`)
  t.assert.equal(warnings[0].level, 40)

  await f.end()
  await until(() => b.child.exitCode === null, 'still running')
  const client = await servesAgain(t, b)
  const again = await b.waitForLog((l) => l.msg === 'accepting connections again', 'the end of the episode')
  t.assert.equal(again.refused, SOCKETS - expected)
  // the counters in $SYS too (published once a second: the retained value may be older)
  const latest = new Map<string, string>()
  client.on('message', (topic, payload) => { latest.set(topic, payload.toString()) })
  await client.subscribeAsync(['$SYS/broker/connections/refused', '$SYS/broker/connections/refusal_episodes'])
  await until(() => latest.get('$SYS/broker/connections/refused') === String(SOCKETS - expected) &&
    latest.get('$SYS/broker/connections/refusal_episodes') === '1', `$SYS counters (${JSON.stringify([...latest])})`, 5000)
})

test(`under ulimit -n ${LIMIT} with max_connections 0 (no limit): out of descriptors, the broker stays up, logs it once and serves again`, async (t: TestContext) => {
  const b = await startLimitedBroker(t, LIMIT, { max_connections: 0, sys_interval: 1 })
  const f = await flood(t, b.port, SOCKETS)
  // libuv drops what it cannot accept; the once-a-second metrics reading finds the limit
  const line = await b.waitForLog((l) => l.cause === 'descriptors', 'the out-of-descriptors episode')
  t.assert.equal(line.level, 40)
  t.assert.ok(f.closedByBroker() > 0, 'some sockets were dropped')
  t.assert.equal(b.child.exitCode, null, 'the broker is still running')
  await f.end()
  await servesAgain(t, b)
  const control = await b.control()
  const state = await control.request('state', {})
  t.assert.ok(state.connections.refusal_episodes >= 1)
  t.assert.equal(b.log.filter((l) => l.cause === 'descriptors' && l.level === 40).length, 1, 'logged once')
  t.assert.equal(b.log.filter((l) => l.level >= 50).length, 0, `no error lines: ${JSON.stringify(b.log.filter((l) => l.level >= 50))}`)
})
