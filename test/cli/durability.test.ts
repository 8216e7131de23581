/**
 * Durability through mqttctl with the embedded store (the default): what was acknowledged to a
 * publisher survives `mqttctl stop/start` and `kill -9` of the daemon, for an offline persistent
 * subscriber, together with retained messages and subscriptions.
 */
import { once } from 'node:events'
import { test, type TestContext } from 'node:test'
import mqtt, { type MqttClient } from 'mqtt'
import { rawClient } from '../helpers/raw-client.js'
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

/** Kills the daemon with SIGKILL and waits until it is gone. */
async function kill9 (pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL')
  await until('the daemon is gone', () => !processExists(pid))
}

test('unacknowledged QoS 1 deliveries to an online persistent session survive kill -9, resent with DUP', async (t: TestContext) => {
  const dir = await testDir(t)
  const first = await startDaemon(dir)
  const connect = { clientId: 'inflight-sub', clean: false, properties: { sessionExpiryInterval: 3600, receiveMaximum: 5 } }
  const sub = await rawClient(t, first.listeners[0].port, 5)
  await sub.connect(connect)
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'inf/#', qos: 1 }] })
  await sub.next('suback')
  const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.listeners[0].port}`, { reconnectPeriod: 0 }, false)
  const sent: string[] = []
  for (let i = 0; i < 20; i++) {
    await pub.publishAsync('inf/q', `m${i}`, { qos: 1 }) // resolves on PUBACK
    sent.push(`m${i}`)
  }
  await pub.endAsync(true)
  // the window (Receive Maximum 5) is full and never acknowledged; the other 15 wait in the queue
  const before = await until('5 deliveries', () => sub.received.filter((p) => p.cmd === 'publish').length >= 5 && sub.received)
  t.assert.deepEqual(before.flatMap((p) => p.cmd === 'publish' ? [p.payload.toString()] : []), sent.slice(0, 5))
  await kill9(first.pid)

  const second = await startDaemon(dir)
  const back = await rawClient(t, second.listeners[0].port, 5)
  const connack = await back.connect(connect)
  t.assert.equal(connack.sessionPresent, true)
  const got: Array<{ payload: string; dup: boolean }> = []
  while (got.length < 20) {
    const p = await back.next('publish', 10_000)
    got.push({ payload: p.payload.toString(), dup: p.dup })
    back.send({ cmd: 'puback', messageId: p.messageId ?? 0 })
  }
  t.assert.deepEqual(got.map((g) => g.payload), sent, 'every acknowledged message, once, in order')
  t.assert.deepEqual(got.map((g) => g.dup), sent.map((_, i) => i < 5), 'the inflight ones resent with DUP=1')
})

test('[MQTT-4.3.3-9] a QoS 2 PUBLISH re-sent after kill -9 is not delivered twice', async (t: TestContext) => {
  const dir = await testDir(t)
  const first = await startDaemon(dir)
  const url = `mqtt://127.0.0.1:${first.listeners[0].port}`
  const subscriber = { ...SUBSCRIBER, clientId: 'qos2-sub' }
  const sub = await mqtt.connectAsync(url, subscriber, false)
  await sub.subscribeAsync('q2/#', { qos: 1 }) // QoS 1: mqtt.js emits in arrival order
  await sub.endAsync()
  const publisher = { clientId: 'qos2-pub', clean: false, properties: { sessionExpiryInterval: 3600 } }
  const pub = await rawClient(t, first.listeners[0].port, 5)
  await pub.connect(publisher)
  pub.send({ cmd: 'publish', topic: 'q2/x', payload: Buffer.from('once'), qos: 2, messageId: 7, retain: false, dup: false })
  const pubrec = await pub.next('pubrec')
  t.assert.equal(pubrec.messageId, 7)
  await kill9(first.pid)

  const second = await startDaemon(dir)
  const again = await rawClient(t, second.listeners[0].port, 5)
  const connack = await again.connect(publisher)
  t.assert.equal(connack.sessionPresent, true)
  again.send({ cmd: 'publish', topic: 'q2/x', payload: Buffer.from('once'), qos: 2, messageId: 7, retain: false, dup: true })
  t.assert.equal((await again.next('pubrec')).messageId, 7)
  again.send({ cmd: 'pubrel', messageId: 7 })
  const pubcomp = await again.next('pubcomp')
  t.assert.equal(pubcomp.reasonCode ?? 0, 0, 'the packet id was still known after the restart')
  again.send({ cmd: 'publish', topic: 'q2/end', payload: Buffer.from('end'), qos: 1, messageId: 8, retain: false, dup: false })
  await again.next('puback')

  const back = mqtt.connect(`mqtt://127.0.0.1:${second.listeners[0].port}`, subscriber)
  t.after(() => back.endAsync(true))
  const got: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`got only ${JSON.stringify(got)}`)) }, 10_000)
    back.on('message', (_topic, payload) => {
      got.push(payload.toString())
      if (payload.toString() === 'end') { clearTimeout(timer); resolve() }
    })
  })
  t.assert.deepEqual(got, ['once', 'end'])
})

for (const qos of [1, 2] as const) {
  test(`kill -9 in the middle of a QoS ${qos} stream: every acknowledged message reaches an online and an offline persistent subscriber${qos === 2 ? ' exactly once' : ''}`, async (t: TestContext) => {
    const dir = await testDir(t)
    const first = await startDaemon(dir)
    const port = first.listeners[0].port
    const url = `mqtt://127.0.0.1:${port}`
    const offline = { ...SUBSCRIBER, clientId: `stream-off-${qos}` }
    const off = await mqtt.connectAsync(url, offline, false)
    await off.subscribeAsync('st/#', { qos })
    await off.endAsync()
    // the online subscriber is a raw client that acknowledges everything, so what it got before the
    // kill is known exactly (QoS 2: a PUBLISH counts once PUBREL came, as the receiver's method B)
    const online = { clientId: `stream-on-${qos}`, clean: false, properties: { sessionExpiryInterval: 3600 } }
    const onGot = new Map<string, number>()
    // packet id → message received, PUBREC sent, PUBREL awaited: kept across reconnections, as a client must
    const pending = new Map<number, string>()
    const follow = (raw: Awaited<ReturnType<typeof rawClient>>): void => {
      raw.socket.on('data', () => {
        for (const p of raw.received.splice(0)) {
          if (p.cmd === 'publish') {
            const text = (p.payload as Buffer).toString()
            if (p.qos === 1) { onGot.set(text, (onGot.get(text) ?? 0) + 1); raw.send({ cmd: 'puback', messageId: p.messageId ?? 0 }) }
            if (p.qos === 2) { pending.set(p.messageId ?? 0, text); raw.send({ cmd: 'pubrec', messageId: p.messageId ?? 0 }) }
          } else if (p.cmd === 'pubrel') {
            const id = p.messageId ?? 0
            const text = pending.get(id)
            if (text !== undefined) onGot.set(text, (onGot.get(text) ?? 0) + 1)
            pending.delete(id)
            raw.send({ cmd: 'pubcomp', messageId: id })
          }
        }
      })
    }
    const sub = await rawClient(t, port, 5)
    await sub.connect(online)
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'st/#', qos }] })
    await sub.next('suback')
    follow(sub)

    // the publisher keeps 10 messages in flight and records each one acknowledged (PUBACK / PUBREC)
    const pub = await rawClient(t, port, 5)
    await pub.connect({ clientId: `stream-pub-${qos}` })
    const acked: string[] = []
    let next = 0
    const inFlight = new Map<number, string>()
    const send = (): void => {
      const id = (next % 60000) + 1
      const text = `m${next++}`
      inFlight.set(id, text)
      pub.send({ cmd: 'publish', topic: 'st/x', payload: Buffer.from(text), qos, messageId: id, retain: false, dup: false })
    }
    pub.socket.on('data', () => {
      for (const p of pub.received.splice(0)) {
        if (p.cmd !== 'puback' && p.cmd !== 'pubrec') continue
        const text = inFlight.get(p.messageId ?? 0)
        if (text === undefined) continue
        inFlight.delete(p.messageId ?? 0)
        acked.push(text)
        if (p.cmd === 'pubrec') pub.send({ cmd: 'pubrel', messageId: p.messageId ?? 0 })
        send()
      }
    })
    for (let i = 0; i < 10; i++) send()
    await until('300 acknowledged messages', () => acked.length >= 300)
    await kill9(first.pid) // mid-stream: messages are in flight both ways
    const ackedBeforeKill = [...acked]

    const second = await startDaemon(dir)
    const port2 = second.listeners[0].port
    const again = await rawClient(t, port2, 5)
    t.assert.equal((await again.connect(online)).sessionPresent, true)
    follow(again)
    const offGot = new Map<string, number>()
    const back = mqtt.connect(`mqtt://127.0.0.1:${port2}`, offline)
    t.after(() => back.endAsync(true))
    back.on('message', (_topic, payload) => { offGot.set(payload.toString(), (offGot.get(payload.toString()) ?? 0) + 1) })
    // a marker published after the restart arrives after everything queued before it
    const marker = await mqtt.connectAsync(`mqtt://127.0.0.1:${port2}`, { reconnectPeriod: 0 }, false)
    t.after(() => marker.endAsync(true))
    await until('the offline subscriber is back', () => back.connected)
    await marker.publishAsync('st/end', 'end', { qos })
    await until('the marker reached both subscribers', () => onGot.has('end') && offGot.has('end'), 20_000)

    for (const [name, got] of [['online', onGot], ['offline', offGot]] as const) {
      const missing = ackedBeforeKill.filter((m) => !got.has(m))
      t.assert.deepEqual(missing, [], `${name}: every acknowledged message arrived`)
      if (qos === 2) {
        const twice = [...got].filter(([, n]) => n > 1).map(([m]) => m)
        t.assert.deepEqual(twice, [], `${name}: QoS 2 delivered exactly once`)
      }
    }
  })
}
