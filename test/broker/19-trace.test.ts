/**
 * Live tracing (src/tracing, control stream `trace.start`): client traces see every packet of
 * their client from CONNECT on, topic traces see matching PUBLISHes of any client, concurrent
 * traces keep their own filters, payload modes, and `engine.tracer.active` is false again once
 * the last trace ends (the hot path's only cost when tracing is off).
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { ControlClient, type ControlClientError, type StreamHandle } from '../../src/control/client.js'
import type { Streams, TraceEvent } from '../../src/control/schema.js'
import type { Engine } from '../../src/core/engine.js'
import { topicMatches } from '../../src/protocol/topic.js'
import { connect, startBroker } from '../helpers/broker.js'
import { control } from '../helpers/control.js'

const DEADLINE_MS = 3000

interface Trace {
  events: TraceEvent[]
  handle: StreamHandle
  /** Resolves with the first event (already received or to come) that satisfies `pred`. */
  waitFor: (pred: (e: TraceEvent) => boolean, what: string) => Promise<TraceEvent>
}

async function trace (t: TestContext, ctl: ControlClient, params: Streams['trace.start']['params']): Promise<Trace> {
  const events: TraceEvent[] = []
  const waiters: Array<{ pred: (e: TraceEvent) => boolean; resolve: (e: TraceEvent) => void }> = []
  const handle = await ctl.stream('trace.start', params, (e) => {
    events.push(e)
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].pred(e)) { waiters[i].resolve(e); waiters.splice(i, 1) }
    }
  })
  t.after(() => handle.cancel())
  const waitFor = (pred: (e: TraceEvent) => boolean, what: string): Promise<TraceEvent> => {
    const seen = events.find(pred)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no trace event ${what} within ${DEADLINE_MS} ms; got ${JSON.stringify(events.map(brief))}`))
      }, DEADLINE_MS)
      waiters.push({ pred, resolve: (e) => { clearTimeout(timer); resolve(e) } })
    })
  }
  return { events, handle, waitFor }
}

function brief (e: TraceEvent): string {
  return `${e.dir} ${e.client_id} ${e.type}${e.topic === undefined ? '' : ` ${e.topic}`}`
}

const is = (dir: 'in' | 'out', type: string, clientId?: string, topic?: string) => (e: TraceEvent): boolean =>
  e.dir === dir && e.type === type && (clientId === undefined || e.client_id === clientId) && (topic === undefined || e.topic === topic)

/** Waits (with a deadline, no fixed sleep) until `cond` holds: for effects of a socket closing. */
async function eventually (cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

test('tracing is off until a trace starts', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  t.assert.equal(broker.engine.tracer.active, false)
  const c = await connect(t, url)
  await c.publishAsync('x', 'y', { qos: 1 })
  t.assert.equal(broker.engine.tracer.active, false)
})

test('a client trace started before the client connects sees every packet, with latency on deliveries', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const ctl = await control(t, broker.controlSocketPath)
  const tr = await trace(t, ctl, { clients: ['c1'], payload: 'preview' })
  t.assert.equal(broker.engine.tracer.active, true)

  const c1 = await connect(t, url, { clientId: 'c1', protocolVersion: 5 })
  const other = await connect(t, url, { clientId: 'other' })
  await c1.subscribeAsync('s/#', { qos: 1 })
  const received = new Promise((resolve) => { c1.once('message', resolve) })
  await c1.publishAsync('s/t1', '23.5', { qos: 1 })
  await received
  await other.publishAsync('s/t2', 'not traced', { qos: 0 }) // delivered to c1: traced as c1's out PUBLISH

  const connectIn = await tr.waitFor(is('in', 'CONNECT', 'c1'), 'CONNECT in')
  const connack = await tr.waitFor(is('out', 'CONNACK', 'c1'), 'CONNACK out')
  t.assert.equal(connack.reason_code, 0)
  t.assert.ok(connectIn.size > 0 && connack.size > 0)
  t.assert.ok(tr.events.indexOf(connectIn) < tr.events.indexOf(connack))
  const subscribe = await tr.waitFor(is('in', 'SUBSCRIBE', 'c1'), 'SUBSCRIBE in')
  t.assert.equal(subscribe.topic, 's/#')
  const suback = await tr.waitFor(is('out', 'SUBACK', 'c1'), 'SUBACK out')
  t.assert.equal(suback.packet_id, subscribe.packet_id)
  t.assert.equal(suback.reason_code, 1)

  const pubIn = await tr.waitFor(is('in', 'PUBLISH', 'c1', 's/t1'), 'PUBLISH in')
  t.assert.equal(pubIn.qos, 1)
  t.assert.equal(pubIn.retain, false)
  t.assert.equal(pubIn.dup, false)
  t.assert.equal(pubIn.payload, '23.5')
  t.assert.equal(pubIn.payload_encoding, 'utf8')
  t.assert.equal(typeof pubIn.packet_id, 'number')
  t.assert.equal(pubIn.latency_us, undefined)
  const pubOut = await tr.waitFor(is('out', 'PUBLISH', 'c1', 's/t1'), 'PUBLISH out')
  t.assert.equal(pubOut.qos, 1)
  t.assert.ok(typeof pubOut.latency_us === 'number' && pubOut.latency_us >= 0, `latency_us ${pubOut.latency_us}`)
  t.assert.ok(pubOut.ts_us >= pubIn.ts_us)
  const puback = await tr.waitFor(is('out', 'PUBACK', 'c1'), 'PUBACK out')
  t.assert.equal(puback.packet_id, pubIn.packet_id)
  await tr.waitFor(is('in', 'PUBACK', 'c1'), 'PUBACK in (for the delivery)')
  const shared = await tr.waitFor(is('out', 'PUBLISH', 'c1', 's/t2'), 'QoS 0 fan-out PUBLISH out')
  t.assert.equal(shared.qos, 0)
  t.assert.ok(typeof shared.latency_us === 'number' && shared.latency_us >= 0)

  t.assert.ok(Math.abs(pubIn.ts_us / 1000 - Date.now()) < 60_000, 'ts_us is wall clock in µs')
  t.assert.equal(tr.events.filter((e) => e.client_id !== 'c1').length, 0, 'only c1 is traced')

  await c1.endAsync()
  await tr.waitFor(is('in', 'DISCONNECT', 'c1'), 'DISCONNECT in')
})

test('a topic trace sees only the PUBLISHes whose topic matches, in and out, of any client', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const ctl = await control(t, broker.controlSocketPath)
  const tr = await trace(t, ctl, { topics: ['a/+'] })
  const sub = await connect(t, url, { clientId: 'sub' })
  await sub.subscribeAsync('#', { qos: 0 })
  const pub = await connect(t, url, { clientId: 'pub' })
  for (const topic of ['a/1', 'b/1', 'a/1/x', 'a', 'a/end']) await pub.publishAsync(topic, 'p', { qos: 1 })

  await tr.waitFor(is('in', 'PUBLISH', 'pub', 'a/1'), 'a/1 in')
  await tr.waitFor(is('out', 'PUBLISH', 'sub', 'a/1'), 'a/1 out')
  await tr.waitFor(is('out', 'PUBLISH', 'sub', 'a/end'), 'a/end out')
  t.assert.ok(tr.events.every((e) => e.type === 'PUBLISH' && topicMatches('a/+', e.topic as string)),
    JSON.stringify(tr.events.map(brief)))
  t.assert.deepEqual(tr.events.map(brief).sort(), ['in pub PUBLISH a/1', 'in pub PUBLISH a/end', 'out sub PUBLISH a/1', 'out sub PUBLISH a/end'])
})

test('concurrent traces keep their own filters; the tracer is off again once all have ended', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const engine: Engine = broker.engine
  const ctlA = await control(t, broker.controlSocketPath)
  const ctlB = await control(t, broker.controlSocketPath)
  const a = await trace(t, ctlA, { clients: ['ca'] })
  const b = await trace(t, ctlB, { topics: ['b/#'] })
  t.assert.equal(broker.tracer.sessionCount, 2)

  const ca = await connect(t, url, { clientId: 'ca' })
  const cb = await connect(t, url, { clientId: 'cb' })
  await ca.publishAsync('b/x', '1', { qos: 1 }) // both
  await cb.publishAsync('b/y', '2', { qos: 1 }) // B only
  await ca.publishAsync('z', '3', { qos: 1 }) // A only
  await cb.publishAsync('b/end', '4', { qos: 1 }) // B only

  await a.waitFor(is('in', 'PUBLISH', 'ca', 'z'), 'z in A')
  await b.waitFor(is('in', 'PUBLISH', 'cb', 'b/end'), 'b/end in B')
  await a.waitFor(is('in', 'PUBLISH', 'ca', 'b/x'), 'b/x in A')
  await b.waitFor(is('in', 'PUBLISH', 'ca', 'b/x'), 'b/x in B')
  t.assert.ok(a.events.every((e) => e.client_id === 'ca'), 'A sees client ca only')
  t.assert.ok(a.events.some((e) => e.type === 'CONNECT'), 'A sees the CONNECT of ca')
  t.assert.ok(b.events.every((e) => e.type === 'PUBLISH' && e.topic?.startsWith('b/') === true), 'B sees b/# only')
  t.assert.deepEqual(b.events.map(brief), ['in ca PUBLISH b/x', 'in cb PUBLISH b/y', 'in cb PUBLISH b/end'])

  const endA = await a.handle.cancel()
  t.assert.equal(endA.reason, 'cancelled')
  t.assert.equal(engine.tracer.active, true, 'B still runs')
  const countB = b.events.length
  await ca.publishAsync('b/after', '5', { qos: 1 })
  await b.waitFor(is('in', 'PUBLISH', 'ca', 'b/after'), 'b/after in B')
  t.assert.equal(b.events.length, countB + 1)

  ctlB.close() // the reader going away ends its trace too
  await eventually(() => !engine.tracer.active, 'tracer.active === false')
  t.assert.equal(broker.tracer.sessionCount, 0)
})

test('payload modes: none, preview (64 bytes, UTF-8 else base64, never a cut character), full', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const ctl = await control(t, broker.controlSocketPath)
  const none = await trace(t, ctl, { topics: ['p/#'], payload: 'none' })
  const preview = await trace(t, ctl, { topics: ['p/#'] }) // default: preview
  const full = await trace(t, ctl, { topics: ['p/#'], payload: 'full' })
  const pub = await connect(t, url, { clientId: 'pub' })
  const long = 'a' + 'é'.repeat(40) // 81 bytes; byte 64 is inside an 'é'
  const binary = Buffer.from([0xff, 0x00, 0xfe, 0x01])
  await pub.publishAsync('p/text', long, { qos: 1 })
  await pub.publishAsync('p/bin', binary, { qos: 1 })

  const n1 = await none.waitFor(is('in', 'PUBLISH', 'pub', 'p/text'), 'text (none)')
  t.assert.equal(n1.payload, undefined)
  t.assert.equal(n1.payload_encoding, undefined)
  t.assert.ok(n1.size > 81)

  const p1 = await preview.waitFor(is('in', 'PUBLISH', 'pub', 'p/text'), 'text (preview)')
  t.assert.equal(p1.payload, 'a' + 'é'.repeat(31))
  t.assert.equal(p1.payload_encoding, 'utf8')
  t.assert.equal(p1.payload_truncated, true)
  const p2 = await preview.waitFor(is('in', 'PUBLISH', 'pub', 'p/bin'), 'binary (preview)')
  t.assert.equal(p2.payload, binary.toString('base64'))
  t.assert.equal(p2.payload_encoding, 'base64')
  t.assert.equal(p2.payload_truncated, undefined)

  const f1 = await full.waitFor(is('in', 'PUBLISH', 'pub', 'p/text'), 'text (full)')
  t.assert.equal(f1.payload, long)
  t.assert.equal(f1.payload_truncated, undefined)
  const f2 = await full.waitFor(is('in', 'PUBLISH', 'pub', 'p/bin'), 'binary (full)')
  t.assert.equal(Buffer.from(f2.payload as string, 'base64').equals(binary), true)
})

test('trace.start refuses bad parameters with INVALID and starts nothing', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const ctl = await control(t, broker.controlSocketPath)
  const bad: Array<Record<string, unknown>> = [
    {},
    { clients: [], topics: [] },
    { clients: ['c1'], payload: 'huge' },
    { topics: ['a/#/b'] },
    { topics: ['a+'] },
    { topics: ['$share/g/a'] },
    { clients: 'c1' },
    { clients: [''] },
  ]
  for (const params of bad) {
    await t.assert.rejects(ctl.stream('trace.start', params as Streams['trace.start']['params'], () => undefined),
      (err: ControlClientError) => err.code === 'INVALID', JSON.stringify(params))
  }
  t.assert.equal(broker.engine.tracer.active, false)
  t.assert.equal(broker.tracer.sessionCount, 0)
})
