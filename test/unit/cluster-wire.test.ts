/**
 * The bytes of forwarded messages (src/cluster/wire.ts): every field round-trips (UTF-8 topics and
 * client ids, v5 properties with correlation data, share groups, QoS and retain), expiry moves
 * between clocks and is capped at the life left when forwarded, the body is encoded once per
 * message, and damaged bytes are refused.
 */
import { test, type TestContext } from 'node:test'
import { decodeBatch, encodeBody, encodeHead } from '../../src/cluster/wire.js'
import type { Message } from '../../src/protocol/message.js'

const now = 1_800_000_000_000

function message (over: Partial<Message> = {}): Message {
  return { topic: 'a/b', payload: Buffer.from('hello'), qos: 1, retain: false, properties: undefined, expiresAt: 0, origin: 'pub', receivedAt: now - 5, ...over }
}

test('forwarded messages round-trip, with groups, properties and expiry', (t: TestContext) => {
  const plain = message()
  const rich = message({
    topic: 'sensör/温度/#x',
    origin: 'client-ü',
    qos: 2,
    retain: true,
    expiresAt: now + 60_000,
    properties: { userProperties: { k: ['v1', 'v2'] }, contentType: 'text/plain', correlationData: Buffer.from([0, 1, 255]), payloadFormatIndicator: true },
  })
  const offset = 1234 // Redis is 1.234 s ahead of the sender
  const bytes = Buffer.concat([
    encodeHead(plain, null, now), encodeBody(plain, offset),
    encodeHead(rich, ['g1\u0000s/#', 'g2\u0000t/+'], now), encodeBody(rich, offset),
  ])
  // the receiver's clock is 2 s behind Redis, and it reads 10 ms later
  const [a, b] = decodeBatch(bytes, 2000, now + 10 - 2000 + 1234)
  t.assert.deepEqual(a, { msg: plain, groups: null })
  t.assert.deepEqual(b!.groups, ['g1\u0000s/#', 'g2\u0000t/+'])
  t.assert.equal(b!.msg.topic, rich.topic)
  t.assert.equal(b!.msg.origin, rich.origin)
  t.assert.equal(b!.msg.qos, 2)
  t.assert.equal(b!.msg.retain, true)
  t.assert.deepEqual(b!.msg.properties, rich.properties)
  t.assert.deepEqual(b!.msg.payload, rich.payload)
  // deadline in the receiver's clock: now + 60 s + 1234 - 2000 (offsets), capped at its now + 60 s left
  const receiverNow = now + 10 - 2000 + 1234
  t.assert.equal(b!.msg.expiresAt, Math.min(now + 60_000 + 1234 - 2000, receiverNow + 60_000))
  t.assert.ok(b!.msg.expiresAt - receiverNow <= 60_000, 'no life gained on the way')
})

test('a wrong clock offset never gives a message more life than it had when forwarded', (t: TestContext) => {
  const msg = message({ expiresAt: now + 30_000 })
  const bytes = Buffer.concat([encodeHead(msg, null, now), encodeBody(msg, 0)])
  const [got] = decodeBatch(bytes, -5000, now) // the receiver believes itself 5 s behind
  t.assert.equal(got!.msg.expiresAt, now + 30_000)
})

test('the body is encoded once per message and offset; damaged bytes are refused', (t: TestContext) => {
  const msg = message()
  t.assert.equal(encodeBody(msg, 0), encodeBody(msg, 0))
  t.assert.notEqual(encodeBody(msg, 0), encodeBody(msg, 1))
  const bytes = Buffer.concat([encodeHead(msg, null, now), encodeBody(msg, 0)])
  t.assert.throws(() => decodeBatch(bytes.subarray(0, bytes.length - 2), 0, now), RangeError)
  const badFlags = Buffer.from(bytes)
  badFlags[10] = 3
  t.assert.throws(() => decodeBatch(badFlags, 0, now), RangeError)
})
