import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { rawClient } from '../helpers/raw-client.js'

for (const protocolVersion of [4, 5] as const) {
  test(`mqtt.js v${protocolVersion}: QoS 0, 1 and 2 are delivered in order`, async (t: TestContext) => {
    const { url } = await startBroker(t)
    const sub = await connect(t, url, { protocolVersion })
    await sub.subscribeAsync('a/#', { qos: 2 })
    const pub = await connect(t, url, { protocolVersion })
    const got = nextMessages(sub, 3)
    await pub.publishAsync('a/b', 'q0', { qos: 0 })
    await pub.publishAsync('a/b', 'q1', { qos: 1 })
    await pub.publishAsync('a/b', 'q2', { qos: 2 })
    const msgs = await got
    t.assert.deepEqual(msgs.map((m) => [m.topic, m.payload.toString(), m.packet.qos]), [['a/b', 'q0', 0], ['a/b', 'q1', 1], ['a/b', 'q2', 2]])
  })
}

test('PUBACK carries 0x10 when nobody is subscribed (v5)', async (t: TestContext) => {
  const { port } = await startBroker(t)
  const raw = await rawClient(t, port, 5)
  t.assert.equal((await raw.connect()).reasonCode, 0)
  raw.send({ cmd: 'publish', topic: 'nobody/here', payload: Buffer.from('x'), qos: 1, dup: false, retain: false, messageId: 7 })
  const ack = await raw.next('puback')
  t.assert.deepEqual([ack.messageId, ack.reasonCode], [7, 0x10])
})
