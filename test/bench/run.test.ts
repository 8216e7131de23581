/**
 * `mqttctl bench`'s engine against a real broker (in this process): counts, losses and
 * duplicates of small runs, in one thread and in worker threads; the connection storm; retained
 * delivery; and the options' checks. Nothing here asserts anything about speed.
 */
import { describe, test, type TestContext } from 'node:test'
import { startBroker } from '../helpers/broker.js'
import { startCluster } from '../helpers/cluster.js'
import { redisMissing, startRedis } from '../helpers/redis-server.js'
import { BenchUsageError, buildOptions, type BenchFlags } from '../../src/bench/options.js'
import { runBench } from '../../src/bench/run.js'
import { until } from '../helpers/messages.js'
import type { Scenario } from '../../src/bench/plan.js'

function flags (url: string, extra: Partial<BenchFlags> = {}): BenchFlags {
  return {
    url,
    topology: 'fan-in',
    warmupMs: 0,
    size: 64,
    qos: 0,
    rate: 0,
    topic: 'bench/%i',
    mqttVersion: '3.1.1',
    inflight: 20,
    workers: 1,
    concurrency: 20,
    holdMs: 0,
    drainMs: 2000,
    retain: false,
    persistent: false,
    ...extra,
  }
}

async function bench (scenario: Scenario, url: string, extra: Partial<BenchFlags>) {
  return await runBench(buildOptions(scenario, flags(url, extra)))
}

describe('mqttctl bench engine', () => {
  test('--persistent: subscribers hold persistent sessions during the run (v3.1.1 and v5), none is left after it', async (t: TestContext) => {
    const { url, broker } = await startBroker(t)
    for (const mqttVersion of ['3.1.1', '5']) {
      let persistentSeen = 0
      const timer = setInterval(() => {
        for (const s of broker.engine.sessions.values()) if (s.persistent && s.clientId.includes('-s')) persistentSeen++
      }, 5)
      const r = await bench('pubsub', url, { clients: 2, subscribers: 1, messages: 300, qos: 1, persistent: true, mqttVersion })
      clearInterval(timer)
      t.assert.equal(r.valid, true, JSON.stringify(r.errors))
      t.assert.equal(r.received?.messages, 600)
      t.assert.ok(persistentSeen > 0, `a persistent subscriber session existed during the run (${mqttVersion})`)
      await until(() => broker.engine.sessions.size === 0, 'every session gone after the run')
    }
  })

  test('--sub-url: publishers on one cluster node, subscribers on the other (QoS 0 and 1), nothing lost', { skip: redisMissing ?? false }, async (t: TestContext) => {
    const redis = await startRedis(t)
    const [a, b] = await startCluster(t, redis, ['a', 'b'])
    for (const qos of [0, 1]) {
      const r = await bench('pubsub', a.url, { subUrl: b.url, clients: 3, subscribers: 1, messages: 200, qos })
      t.assert.equal(r.valid, true, JSON.stringify(r.errors))
      t.assert.equal(r.received?.messages, 600)
      t.assert.equal(r.config.sub_url, b.url)
    }
    await until(() => a.broker.engine.sessions.size + b.broker.engine.sessions.size === 0, 'every session gone on both nodes')
    t.assert.throws(() => buildOptions('conn', flags(a.url, { subUrl: b.url })), BenchUsageError)
  })

  test('pubsub fan-in: 2 publishers × 200 QoS 1 messages to 1 subscriber, nothing lost or duplicated', async (t: TestContext) => {
    const { url } = await startBroker(t)
    const r = await bench('pubsub', url, { clients: 2, subscribers: 1, messages: 200, qos: 1 })
    t.assert.equal(r.valid, true, JSON.stringify(r.errors))
    t.assert.equal(r.sent?.messages, 400)
    t.assert.equal(r.sent?.acked, 400)
    t.assert.equal(r.received?.messages, 400)
    t.assert.deepEqual(r.integrity, { expected: 400, received: 400, lost: 0, duplicates: 0, out_of_order: 0, unexpected: 0 })
    t.assert.equal(r.latency_ms?.samples, 400)
  })

  test('pubsub pairs over 2 worker threads, QoS 2, MQTT 5: each subscriber hears its publisher only', async (t: TestContext) => {
    const { url } = await startBroker(t)
    const r = await bench('pubsub', url, { topology: 'pairs', clients: 4, messages: 50, qos: 2, workers: 2, mqttVersion: '5' })
    t.assert.equal(r.valid, true, JSON.stringify(r.errors))
    t.assert.deepEqual(r.subscribers.map((s) => [s.index, s.expected, s.received, s.unexpected]), [[0, 50, 50, 0], [1, 50, 50, 0], [2, 50, 50, 0], [3, 50, 50, 0]])
  })

  test('pubsub fan-out at a fixed rate for a duration: every subscriber gets every message', async (t: TestContext) => {
    const { url } = await startBroker(t)
    const r = await bench('pubsub', url, { topology: 'fan-out', clients: 1, subscribers: 3, durationMs: 300, rate: 200 })
    t.assert.equal(r.valid, true, JSON.stringify(r.errors))
    const sent = r.sent?.messages ?? 0
    t.assert.ok(sent > 0)
    t.assert.equal(r.integrity?.expected, 3 * sent)
    t.assert.equal(r.integrity?.received, 3 * sent)
  })

  test('a subscriber that misses messages is counted as losses and the run is invalid', async (t: TestContext) => {
    const { url } = await startBroker(t, { max_queued_messages: 0, max_inflight: 1 })
    // QoS 1 to one subscriber whose window is 1 and queue 0: the broker drops what does not fit.
    const r = await bench('pubsub', url, { clients: 4, messages: 100, qos: 1, inflight: 50, drainMs: 300 })
    t.assert.ok((r.integrity?.lost ?? 0) > 0)
    t.assert.equal(r.valid, false)
  })

  test('conn: opens N connections and holds them', async (t: TestContext) => {
    const { url, broker } = await startBroker(t)
    let held = -1
    const r = await runBench(buildOptions('conn', flags(url, { clients: 60, concurrency: 10, holdMs: 50 })), {
      onHolding: (n) => { held = n },
    })
    t.assert.equal(held, 60)
    t.assert.equal(r.connections?.opened, 60)
    t.assert.equal(r.connections?.failed, 0)
    t.assert.equal(r.connections?.dropped, 0)
    t.assert.equal(r.valid, true)
    t.assert.ok(broker !== undefined)
  })

  test('retained: N retained messages reach a new # subscriber, and are removed afterwards', async (t: TestContext) => {
    const { url, broker } = await startBroker(t)
    const r = await bench('retained', url, { messages: 150, filter: '#', qos: 1 })
    t.assert.equal(r.valid, true, JSON.stringify(r.errors))
    t.assert.equal(r.retained?.received, 150)
    t.assert.ok((r.retained?.last_ms ?? -1) >= 0)
    const again = await bench('retained', url, { messages: 1, filter: '#' })
    t.assert.equal(again.retained?.unexpected, 0) // the first run's messages are gone
    t.assert.ok(broker !== undefined)
  })

  test('options: usage errors', (t: TestContext) => {
    const url = 'mqtt://127.0.0.1:1883'
    t.assert.throws(() => buildOptions('pub', flags('ws://x')), BenchUsageError)
    t.assert.throws(() => buildOptions('pubsub', flags(url, { topology: 'pairs', clients: 2, subscribers: 3 })), BenchUsageError)
    t.assert.throws(() => buildOptions('pubsub', flags(url, { topology: 'fan-out', clients: 2, topic: 'fixed' })), BenchUsageError)
    t.assert.throws(() => buildOptions('pub', flags(url, { topic: 'a/+' })), BenchUsageError)
    const o = buildOptions('pubsub', flags('mqtt://u:p%40ss@h', { topology: 'fan-out', size: 4 }))
    t.assert.deepEqual(o.endpoint, { host: 'h', port: 1883, username: 'u', password: 'p@ss' })
    t.assert.equal(o.size, 16)
    t.assert.equal(o.clients, 1)
    t.assert.equal(o.subscribers, 10)
    t.assert.equal(o.durationMs, 10_000)
  })
})
