/**
 * Sessions and their outbound QoS 1/2 flow without sockets: an Engine on the memory store and
 * clients on in-memory streams (test/helpers/memory-client.ts). The inflight window follows the
 * client's Receive Maximum, acknowledgements free slots in order, a QoS 2 delivery runs
 * PUBLISH → PUBREC → PUBREL → PUBCOMP, and what waits while the client is away is resent with DUP
 * on resume.
 */
import { test, type TestContext } from 'node:test'
import type { Packet, IPublishPacket } from 'mqtt-packet'
import { parseConfig } from '../../src/config/schema.js'
import { Engine } from '../../src/core/engine.js'
import { createLogger } from '../../src/log.js'
import type { Message } from '../../src/protocol/message.js'
import { MemoryStore } from '../../src/store/memory.js'
import { MemoryClient } from '../helpers/memory-client.js'

function engine (t: TestContext): Engine {
  const config = parseConfig({ store: 'memory', listeners: [{ type: 'mqtt', host: '127.0.0.1', port: 0 }], sys_interval: 0 })
  const e = new Engine(config, createLogger('silent'), new MemoryStore())
  t.after(() => e.shutdown(100))
  return e
}

function message (topic: string, qos: 1 | 2): Message {
  return { topic, payload: Buffer.from(topic), qos, retain: false, properties: undefined, expiresAt: 0, origin: 'publisher', receivedAt: Date.now() }
}

const topicsOf = (packets: Packet[]): string[] => packets.filter((p): p is IPublishPacket => p.cmd === 'publish').map((p) => p.topic)

test('the inflight window is the client\'s Receive Maximum; each PUBACK lets the next one out', async (t: TestContext) => {
  const e = engine(t)
  const c = new MemoryClient(e)
  await c.connect('sub', { receiveMaximum: 2 })
  c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'w/#', qos: 1 }] } as Packet)
  await c.next('suback')
  for (let i = 0; i < 5; i++) e.publish(message(`w/${i}`, 1), Date.now())
  const first = [await c.next('publish'), await c.next('publish')] as IPublishPacket[]
  t.assert.deepEqual(topicsOf(first), ['w/0', 'w/1'])
  t.assert.equal(e.sessions.get('sub')?.outbound.inflightCount, 2)
  t.assert.deepEqual(topicsOf(c.received), []) // nothing beyond the window
  c.send({ cmd: 'puback', messageId: first[0]!.messageId })
  t.assert.equal((await c.next('publish') as IPublishPacket).topic, 'w/2')
})

test('a QoS 2 delivery completes PUBREC → PUBREL → PUBCOMP and frees its slot', async (t: TestContext) => {
  const e = engine(t)
  const c = new MemoryClient(e)
  await c.connect('sub2', { receiveMaximum: 1 })
  c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/#', qos: 2 }] } as Packet)
  await c.next('suback')
  e.publish(message('x/1', 2), Date.now())
  e.publish(message('x/2', 2), Date.now())
  const pub = await c.next('publish') as IPublishPacket
  t.assert.equal(pub.topic, 'x/1')
  c.send({ cmd: 'pubrec', messageId: pub.messageId })
  const pubrel = await c.next('pubrel')
  t.assert.equal(pubrel.messageId, pub.messageId)
  t.assert.deepEqual(topicsOf(c.received), []) // x/2 waits: the slot is held until PUBCOMP
  c.send({ cmd: 'pubcomp', messageId: pub.messageId })
  t.assert.equal((await c.next('publish') as IPublishPacket).topic, 'x/2')
})

test('unacknowledged deliveries are resent with DUP when the session resumes', async (t: TestContext) => {
  const e = engine(t)
  const first = new MemoryClient(e)
  await first.connect('p', { clean: false, sessionExpiry: 60 })
  first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 1 }] } as Packet)
  await first.next('suback')
  e.publish(message('r/1', 1), Date.now())
  const sent = await first.next('publish') as IPublishPacket
  t.assert.equal(sent.dup, false)
  first.end() // gone without PUBACK
  const second = new MemoryClient(e)
  const connack = await second.connect('p', { clean: false, sessionExpiry: 60 })
  t.assert.equal((connack as { sessionPresent?: boolean }).sessionPresent, true)
  const again = await second.next('publish') as IPublishPacket
  t.assert.deepEqual([again.topic, again.messageId, again.dup], ['r/1', sent.messageId, true])
})
