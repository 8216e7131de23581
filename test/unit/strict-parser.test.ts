/**
 * StrictParser's fast path for PUBLISH (src/protocol/strict-parser.ts) against mqtt-packet's own
 * parser: the same packets, field for field, whether they come whole, several to a chunk, or cut
 * at every byte; and what the fast path leaves to the stock path (properties, bad UTF-8, QoS 3)
 * still decoded or refused as before.
 */
import { test, type TestContext } from 'node:test'
import mqttPacket, { type Packet } from 'mqtt-packet'
import { StrictParser } from '../../src/protocol/strict-parser.js'

interface Outcome { packets: Array<Record<string, unknown>>; errors: string[] }

/** The fields a handler reads, from whichever parser. */
function fields (p: Packet): Record<string, unknown> {
  const q = p as Packet & Record<string, unknown>
  return {
    cmd: q.cmd,
    retain: q.retain,
    qos: q.qos,
    dup: q.dup,
    length: q.length,
    topic: q.topic ?? undefined, // the stock Packet has null where the fast path has no field
    payload: Buffer.isBuffer(q.payload) ? q.payload.toString('hex') : (q.payload ?? undefined),
    messageId: q.messageId,
    properties: q.properties,
    reasonCode: q.reasonCode,
  }
}

function viaStrict (version: 4 | 5, chunks: Buffer[]): Outcome {
  const out: Outcome = { packets: [], errors: [] }
  const parser = new StrictParser({ onPacket: (p) => { out.packets.push(fields(p)) }, onParseError: (err) => { out.errors.push(err.message) } })
  parser.settings.protocolVersion = version
  for (const chunk of chunks) parser.parse(chunk)
  return out
}

function viaStock (version: 4 | 5, bytes: Buffer): Outcome {
  const out: Outcome = { packets: [], errors: [] }
  const parser = mqttPacket.parser({ protocolVersion: version })
  parser.on('packet', (p: Packet) => { out.packets.push(fields(p)) })
  parser.on('error', (err: Error) => { out.errors.push(err.message) })
  parser.parse(bytes)
  return out
}

const encode = (p: Packet, version: 4 | 5): Buffer => mqttPacket.generate(p, { protocolVersion: version })

const PUBLISHES: Packet[] = [
  { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 0, retain: false, dup: false },
  { cmd: 'publish', topic: 'sensors/température/ü', payload: Buffer.alloc(300, 7), qos: 1, messageId: 42, retain: true, dup: false },
  { cmd: 'publish', topic: 'x', payload: Buffer.alloc(0), qos: 2, messageId: 65535, retain: false, dup: true },
  { cmd: 'publish', topic: 'big', payload: Buffer.alloc(20_000, 1), qos: 1, messageId: 1, retain: false, dup: false },
  { cmd: 'puback', messageId: 42 },
  { cmd: 'pubrec', messageId: 7 },
  { cmd: 'pubrel', messageId: 7 },
  { cmd: 'pubcomp', messageId: 65535 },
]

test('PUBLISH without properties and bare acknowledgements: the same packets as mqtt-packet, whole, batched and cut at every byte', (t: TestContext) => {
  for (const version of [4, 5] as const) {
    const bytes = Buffer.concat(PUBLISHES.map((p) => encode(p, version)))
    const expected = viaStock(version, bytes)
    t.assert.equal(expected.packets.length, PUBLISHES.length)
    t.assert.deepEqual(viaStrict(version, [bytes]), expected, `v${version} in one chunk`)
    t.assert.deepEqual(viaStrict(version, PUBLISHES.map((p) => encode(p, version))), expected, `v${version} one per chunk`)
    for (let cut = 1; cut < bytes.length; cut += cut < 400 ? 1 : 997) {
      t.assert.deepEqual(viaStrict(version, [bytes.subarray(0, cut), bytes.subarray(cut)]), expected, `v${version} cut at ${cut}`)
    }
  }
})

test('what the fast path leaves to the stock parser: properties are decoded, bad input is still refused', (t: TestContext) => {
  const withProps = encode({ cmd: 'publish', topic: 't', payload: Buffer.from('p'), qos: 1, messageId: 3, retain: false, dup: false, properties: { contentType: 'text/plain', userProperties: { k: 'v' } } }, 5)
  const mixed = Buffer.concat([encode(PUBLISHES[0]!, 5), withProps, encode(PUBLISHES[1]!, 5)])
  const out = viaStrict(5, [mixed])
  t.assert.deepEqual(out.errors, [])
  t.assert.deepEqual(out.packets.map((p) => p.topic), ['a/b', 't', 'sensors/température/ü'])
  t.assert.deepEqual(out.packets[1]!.properties, { contentType: 'text/plain', userProperties: { k: 'v' } })

  // an ill-formed UTF-8 topic [MQTT-1.5.4-1] and U+0000 in a topic [MQTT-1.5.4-2]
  const badUtf8 = Buffer.from([0x30, 0x05, 0x00, 0x02, 0xc3, 0x28, 0x41])
  t.assert.match(viaStrict(4, [badUtf8]).errors.join(), /Malformed UTF-8/)
  const nul = Buffer.from([0x30, 0x05, 0x00, 0x02, 0x61, 0x00, 0x41])
  t.assert.match(viaStrict(4, [nul]).errors.join(), /U\+0000/)
  // both QoS bits set
  const qos3 = Buffer.from([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01])
  t.assert.match(viaStrict(4, [qos3]).errors.join(), /QoS/)
  // acknowledgements with a reason code go the stock way; a PUBACK with header flags is refused [MQTT-2.2.2-2]
  const withReason = viaStrict(5, [Buffer.from([0x40, 0x03, 0x00, 0x05, 0x10])])
  t.assert.deepEqual([withReason.packets[0]?.reasonCode, withReason.errors], [0x10, []])
  t.assert.notDeepEqual(viaStrict(4, [Buffer.from([0x41, 0x02, 0x00, 0x05])]).errors, [])
  // a QoS 1 PUBLISH whose Remaining Length ends before its packet id
  const noId = Buffer.from([0x32, 0x03, 0x00, 0x01, 0x61])
  t.assert.equal(viaStrict(4, [noId]).packets.length, 0)
  t.assert.notDeepEqual(viaStrict(4, [noId]).errors, [])
})
