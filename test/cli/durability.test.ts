/**
 * Durability through mqttctl with the embedded store (the default): what was acknowledged to a
 * publisher survives `mqttctl stop/start` and `kill -9` of the daemon, for an offline persistent
 * subscriber, together with retained messages and subscriptions.
 */
import { once } from 'node:events'
import { test, type TestContext } from 'node:test'
import mqtt, { type MqttClient } from 'mqtt'
import { runCli, startDaemon, testDir, until, processExists } from './harness.js'

const SUBSCRIBER = { clientId: 'durable-sub', protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 0 }

async function collect (client: MqttClient, n: number, timeoutMs = 10_000): Promise<string[]> {
  const got: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`got ${got.length} of ${n} messages`)) }, timeoutMs)
    client.on('message', (_topic, payload) => {
      got.push(payload.toString())
      if (got.length === n) { clearTimeout(timer); resolve() }
    })
  })
  return got
}

for (const how of ['stop/start', 'kill -9'] as const) {
  test(`acknowledged QoS 1 messages for an offline persistent session survive ${how}`, async (t: TestContext) => {
    const dir = await testDir(t)
    const first = await startDaemon(dir)
    const url = `mqtt://127.0.0.1:${first.listeners[0].port}`
    const sub = await mqtt.connectAsync(url, SUBSCRIBER, false)
    await sub.subscribeAsync('dur/#', { qos: 1 })
    await sub.endAsync()
    const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 }, false)
    const sent: string[] = []
    for (let i = 0; i < 200; i++) {
      await pub.publishAsync('dur/q', `m${i}`, { qos: 1 }) // resolves on PUBACK
      sent.push(`m${i}`)
    }
    await pub.publishAsync('dur/retained', 'kept', { qos: 1, retain: true })
    await pub.endAsync(true)

    if (how === 'kill -9') {
      process.kill(first.pid, 'SIGKILL')
      await until('the daemon is gone', () => !processExists(first.pid))
    } else {
      t.assert.equal((await runCli(['stop', '--data-dir', dir.dataDir])).code, 0)
    }

    const second = await startDaemon(dir)
    const back = mqtt.connect(`mqtt://127.0.0.1:${second.listeners[0].port}`, SUBSCRIBER)
    t.after(() => back.endAsync(true))
    const messages = collect(back, 201)
    const [connack] = await once(back as never, 'connect') as [{ sessionPresent: boolean }]
    t.assert.equal(connack.sessionPresent, true, 'session and subscription restored')
    const got = await messages
    t.assert.deepEqual(got.filter((m) => m !== 'kept'), sent, 'every acknowledged message, in order')
    t.assert.ok(got.includes('kept'), 'retained message restored')
  })
}
