/**
 * The hand-written PUBLISH encoder produces exactly mqtt-packet's bytes for every combination it
 * handles (QoS, flags, v3/v5 without properties, empty and multi-byte topics and payloads across
 * the Remaining Length size steps), and mqtt-packet's parser reads them back.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import mqttPacket from 'mqtt-packet'
import { encodePublish } from '../../src/protocol/encode-publish.js'

const topics = ['t', 'a/b/c', 'ünïcødé/💡', 'x'.repeat(300)]
const sizes = [0, 1, 100, 127 - 10, 200, 16_384, 2_097_152]

test('encodePublish matches mqtt-packet generate byte for byte', (t: TestContext) => {
  let cases = 0
  for (const v5 of [false, true]) {
    for (const qos of [0, 1, 2] as const) {
      for (const retain of [false, true]) {
        for (const dup of qos === 0 ? [false] : [false, true]) {
          for (const topic of topics) {
            for (const size of sizes) {
              const payload = Buffer.alloc(size, 0x61)
              const packetId = qos === 0 ? 0 : 1 + (size % 65535)
              const expected = mqttPacket.generate({ cmd: 'publish', topic, payload, qos, retain, dup, ...(qos > 0 ? { messageId: packetId } : {}) },
                { protocolVersion: v5 ? 5 : 4 })
              const got = encodePublish(topic, payload, qos, retain, dup, packetId, v5)
              t.assert.ok(got.equals(expected), `v5=${v5} qos=${qos} retain=${retain} dup=${dup} topic=${topic.slice(0, 10)} size=${size}`)
              cases++
            }
          }
        }
      }
    }
  }
  t.assert.ok(cases > 300)
})

test('encodePublish output parses back with mqtt-packet', (t: TestContext) => {
  const parser = mqttPacket.parser({ protocolVersion: 5 })
  const got: mqttPacket.IPublishPacket[] = []
  parser.on('packet', (p) => { got.push(p as mqttPacket.IPublishPacket) })
  parser.parse(encodePublish('s/ü', Buffer.from('hello'), 1, true, true, 513, true))
  t.assert.equal(got.length, 1)
  t.assert.deepEqual([got[0].topic, got[0].payload.toString(), got[0].qos, got[0].retain, got[0].dup, got[0].messageId], ['s/ü', 'hello', 1, true, true, 513])
})
