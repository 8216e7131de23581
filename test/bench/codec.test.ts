/**
 * The load generator's hand-written MQTT codec against mqtt-packet, both ways: what our encoders
 * write, mqtt-packet parses to the same packet; what mqtt-packet generates, our streaming reader
 * decodes to the same fields, whatever the chunking. Plus the sequence tracker and histogram.
 */
import { describe, test, type TestContext } from 'node:test'
import mqttPacket, { type Packet } from 'mqtt-packet'
import { ACK_SIZE, PacketType, PublishTemplate, encodeConnect, encodeSubscribe, writeAck, type MqttVersion } from '../../src/bench/packets.js'
import { PacketReader, type PacketHandler } from '../../src/bench/reader.js'
import { makePayload, readPublisher, readSentNs, readSeq, stamp } from '../../src/bench/payload.js'
import { SequenceTracker } from '../../src/bench/sequence.js'
import { Histogram } from '../../src/bench/histogram.js'

function parseAll (buf: Buffer, version: MqttVersion): Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: version })
  const out: Packet[] = []
  parser.on('packet', (p: Packet) => out.push(p))
  parser.on('error', (err: Error) => { throw err })
  parser.parse(buf)
  return out
}

for (const version of [4, 5] as const) {
  describe(`bench encoders → mqtt-packet (v${version})`, () => {
    test('CONNECT with credentials', (t: TestContext) => {
      const [p] = parseAll(encodeConnect({ clientId: 'bench-1-p0', version, keepalive: 30, clean: true, username: 'ü', password: 'pw' }), version)
      t.assert.equal(p.cmd, 'connect')
      if (p.cmd !== 'connect') return
      t.assert.equal(p.clientId, 'bench-1-p0')
      t.assert.equal(p.protocolVersion, version)
      t.assert.equal(p.keepalive, 30)
      t.assert.equal(p.clean, true)
      t.assert.equal(p.username, 'ü')
      t.assert.equal(String(p.password), 'pw')
    })

    test('SUBSCRIBE with two filters', (t: TestContext) => {
      const [p] = parseAll(encodeSubscribe(7, [{ topic: 'a/+', qos: 1 }, { topic: '#', qos: 2 }], version), version)
      if (p.cmd !== 'subscribe') return t.assert.fail(p.cmd)
      t.assert.equal(p.messageId, 7)
      t.assert.deepEqual(p.subscriptions.map((s) => [s.topic, s.qos]), [['a/+', 1], ['#', 2]])
    })

    for (const qos of [0, 1, 2]) {
      test(`PUBLISH QoS ${qos} from a template, stamped`, (t: TestContext) => {
        const tpl = new PublishTemplate('bench/7', qos, makePayload(40, 7), version, qos === 2)
        const buf = Buffer.alloc(tpl.size * 2)
        let off = 0
        for (const [id, seq] of [[1, 0], [65534, 1]]) {
          tpl.writeTo(buf, off, id)
          stamp(buf, off + tpl.payloadOffset, 123456789.5, seq)
          off += tpl.size
        }
        const packets = parseAll(buf, version)
        t.assert.equal(packets.length, 2)
        packets.forEach((p, k) => {
          if (p.cmd !== 'publish') return t.assert.fail(p.cmd)
          t.assert.equal(p.topic, 'bench/7')
          t.assert.equal(p.qos, qos)
          t.assert.equal(p.retain, qos === 2)
          if (qos > 0) t.assert.equal(p.messageId, k === 0 ? 1 : 65534)
          const payload = p.payload as Buffer
          t.assert.equal(payload.length, 40)
          t.assert.equal(readSentNs(payload, 0), 123456789.5)
          t.assert.equal(readPublisher(payload, 0), 7)
          t.assert.equal(readSeq(payload, 0), k)
        })
      })
    }

    test('PUBACK, PUBREC, PUBREL, PUBCOMP', (t: TestContext) => {
      const buf = Buffer.alloc(4 * ACK_SIZE)
      let off = 0
      for (const type of [PacketType.Puback, PacketType.Pubrec, PacketType.Pubrel, PacketType.Pubcomp]) off = writeAck(buf, off, type, 300 + type)
      const packets = parseAll(buf, version)
      t.assert.deepEqual(packets.map((p) => [p.cmd, (p as { messageId?: number }).messageId]),
        [['puback', 304], ['pubrec', 305], ['pubrel', 306], ['pubcomp', 307]])
    })
  })

  describe(`mqtt-packet → bench reader (v${version})`, () => {
    const opts = { protocolVersion: version }
    const packets: Packet[] = [
      { cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: true },
      { cmd: 'suback', messageId: 65535, granted: [1] },
      { cmd: 'publish', topic: 'x/y', payload: Buffer.from('hello'), qos: 0, retain: true, dup: false },
      {
        cmd: 'publish',
        topic: 'bench/1',
        payload: Buffer.alloc(300, 1),
        qos: 1,
        messageId: 42,
        retain: false,
        dup: false,
        ...(version === 5 ? { properties: { userProperties: { a: 'b' }, contentType: 'x' } } : {}),
      },
      { cmd: 'publish', topic: 'q2', payload: Buffer.alloc(0), qos: 2, messageId: 43, retain: false, dup: true },
      { cmd: 'puback', messageId: 1 },
      { cmd: 'pubrec', messageId: 2 },
      { cmd: 'pubrel', messageId: 3 },
      { cmd: 'pubcomp', messageId: 4 },
      { cmd: 'pingresp' },
    ]
    const wire = Buffer.concat(packets.map((p) => mqttPacket.generate(p, opts)))

    function decode (chunks: Buffer[]): string[] {
      const seen: string[] = []
      const handler: PacketHandler = {
        onConnack: (code, sp) => { seen.push(`connack ${code} ${sp}`) },
        onSuback: (id, code) => { seen.push(`suback ${id} ${code}`) },
        onPublish: (buf, ts, te, ps, end, qos, id, flags) => {
          seen.push(`publish ${buf.toString('utf8', ts, te)} q${qos} m${id} r${flags & 1} d${(flags >> 3) & 1} ${end - ps}B ${end > ps ? buf[ps] : '-'}`)
        },
        onAck: (type, id) => { seen.push(`ack ${type} ${id}`) },
        onOther: (type) => { seen.push(`other ${type}`) },
      }
      const reader = new PacketReader(handler, version)
      for (const c of chunks) reader.push(c)
      return seen
    }
    const expected = [
      'connack 0 true', 'suback 65535 1', `publish x/y q0 m0 r1 d0 5B ${'h'.charCodeAt(0)}`, 'publish bench/1 q1 m42 r0 d0 300B 1',
      'publish q2 q2 m43 r0 d1 0B -', 'ack 4 1', 'ack 5 2', 'ack 6 3', 'ack 7 4', 'other 13',
    ]

    test('in one chunk', (t: TestContext) => {
      t.assert.deepEqual(decode([wire]), expected)
    })

    test('one byte at a time', (t: TestContext) => {
      t.assert.deepEqual(decode([...wire].map((b) => Buffer.from([b]))), expected)
    })

    test('in random chunks', (t: TestContext) => {
      for (let round = 0; round < 20; round++) {
        const chunks: Buffer[] = []
        for (let off = 0; off < wire.length;) {
          const n = 1 + Math.floor(Math.random() * 60)
          chunks.push(wire.subarray(off, off + n))
          off += n
        }
        t.assert.deepEqual(decode(chunks), expected)
      }
    })
  })
}

describe('SequenceTracker', () => {
  test('in order, gaps filled late, duplicates', (t: TestContext) => {
    const s = new SequenceTracker()
    for (const n of [0, 1, 2, 5, 6, 3, 9, 4, 4, 1, 8]) s.record(n)
    t.assert.equal(s.distinct, 9) // 0..6, 8, 9
    t.assert.equal(s.duplicates, 2) // 4 and 1 again
    t.assert.equal(s.outOfOrder, 3) // 3, 4, 8
    t.assert.equal(s.holes, 1) // 7
  })
})

describe('Histogram', () => {
  test('percentiles within 1% and exact max', (t: TestContext) => {
    const h = new Histogram()
    for (let v = 1; v <= 100_000; v++) h.record(v)
    const near = (a: number, b: number): boolean => Math.abs(a - b) / b < 0.01
    t.assert.ok(near(h.quantile(0.5), 50_000), String(h.quantile(0.5)))
    t.assert.ok(near(h.quantile(0.99), 99_000), String(h.quantile(0.99)))
    t.assert.equal(h.summaryMs()?.max, 100)
    const other = new Histogram()
    other.record(5)
    h.merge(other.toJSON())
    t.assert.equal(h.total, 100_001)
  })
})
