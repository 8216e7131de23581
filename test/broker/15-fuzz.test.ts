/**
 * Robustness: mutated packets (bit flips, truncation, length tampering, random bytes) sent on many
 * connections must only ever close their own connection. Deterministic (seeded) and bounded, so
 * a failure reproduces; after the storm the broker still serves a normal client.
 */
import net from 'node:net'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import mqttPacket, { type Packet } from 'mqtt-packet'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { seededRandom } from '../helpers/random-topics.js'

const SEEDS: Array<[Packet, 4 | 5]> = [
  [{ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 1, messageId: 3, dup: false, retain: true }, 4],
  [{
    cmd: 'publish',
    topic: 'a/b',
    payload: Buffer.from('x'),
    qos: 2,
    messageId: 9,
    dup: false,
    retain: false,
    properties: { topicAlias: 1, userProperties: { k: 'v' }, contentType: 't', messageExpiryInterval: 5 }
  }, 5],
  [{ cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'a/+', qos: 1 }, { topic: '$share/g/#', qos: 2 }] }, 4],
  [{ cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'a/#', qos: 1, nl: true, rap: true, rh: 1 }], properties: { subscriptionIdentifier: 7 } }, 5],
  [{ cmd: 'unsubscribe', messageId: 5, unsubscriptions: ['a/+', 'b'] }, 5],
  [{ cmd: 'pubrel', messageId: 9 }, 5],
  [{ cmd: 'puback', messageId: 1, reasonCode: 0x10 }, 5],
  [{ cmd: 'disconnect', reasonCode: 0x04, properties: { sessionExpiryInterval: 10 } }, 5],
  [{ cmd: 'pingreq' }, 4],
]

function connectBytes (version: 4 | 5, id: string): Buffer {
  return mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: version,
    clientId: id,
    clean: true,
    keepalive: 30,
    will: { topic: 'w', payload: Buffer.from('bye'), qos: 1, retain: false }
  }, { protocolVersion: version })
}

function mutate (bytes: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(bytes)
  switch (Math.floor(rnd() * 5)) {
    case 0: { // flip a few bits
      for (let i = 0; i < 1 + Math.floor(rnd() * 3); i++) b[Math.floor(rnd() * b.length)] ^= 1 << Math.floor(rnd() * 8)
      return b
    }
    case 1: return b.subarray(0, Math.floor(rnd() * b.length)) // truncate
    case 2: { b[1] = Math.floor(rnd() * 256); return b } // tamper with the length
    case 3: return Buffer.concat([b, Buffer.from(Array.from({ length: Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256)))])
    default: return Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)))
  }
}

test('mutated packets on 300 connections never take the broker down', async (t: TestContext) => {
  const { url, port, broker } = await startBroker(t, { connect_timeout: 1 })
  const rnd = seededRandom(0xc0ffee)
  const batch: Promise<void>[] = []
  for (let i = 0; i < 300; i++) {
    const [seed, version] = SEEDS[i % SEEDS.length]
    const connectFirst = rnd() < 0.8
    const bytes = Buffer.concat([
      connectFirst ? connectBytes(version, `fuzz-${i}`) : Buffer.alloc(0),
      mutate(mqttPacket.generate(seed, { protocolVersion: version }), rnd),
      mutate(mqttPacket.generate(seed, { protocolVersion: version }), rnd),
    ])
    batch.push(new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(bytes) })
      socket.on('error', () => undefined)
      socket.on('close', () => { resolve() })
      socket.resume()
      setTimeout(() => { socket.destroy() }, 3000).unref()
    }))
    if (batch.length === 50) await Promise.all(batch.splice(0))
  }
  await Promise.all(batch)

  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('after/storm', { qos: 1 })
  const pub = await connect(t, url)
  const got = nextMessages(sub, 1)
  await pub.publishAsync('after/storm', 'still here', { qos: 1 })
  t.assert.equal((await got)[0].payload.toString(), 'still here')
  t.assert.ok(broker.engine.connections.size <= 2 + 300, 'connections are released')
})
