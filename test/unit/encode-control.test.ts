/**
 * The hand-written acknowledgement encoders write the shortest form the specification allows
 * (MQTT 5.0 §3.4.2.1, §3.14.2.1) for every reason code and packet id across the byte boundaries,
 * mqtt-packet's bytes for the packets that have one form (PINGRESP, v3 CONNACK, SUBACK sizes across
 * the Remaining Length step), bytes that mqtt-packet parses back, and decline what needs the
 * general encoder.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import mqttPacket from 'mqtt-packet'
import { encodeControl } from '../../src/protocol/encode-control.js'
import type { Packet } from '../../src/protocol/packets.js'

const ids = [1, 255, 256, 4660, 65535]

function same (t: TestContext, packet: Packet, v5: boolean): void {
  const expected = mqttPacket.generate(packet, { protocolVersion: v5 ? 5 : 4 })
  const got = encodeControl(packet, v5)
  t.assert.ok(got !== null, `${packet.cmd} v5=${v5} was not handled`)
  t.assert.deepStrictEqual([...got], [...expected], `${JSON.stringify(packet)} v5=${v5}`)
}

const FIRST_BYTE = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 } as const

test('acknowledgements take the shortest form: packet id alone for Success, then the reason code alone', (t: TestContext) => {
  for (const cmd of ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const) {
    for (const messageId of ids) {
      const id = [messageId >> 8, messageId & 0xff]
      same(t, { cmd, messageId } as Packet, false)
      for (const reasonCode of [undefined, 0]) {
        t.assert.deepStrictEqual([...encodeControl({ cmd, messageId, reasonCode } as Packet, true) as Buffer], [FIRST_BYTE[cmd], 2, ...id])
      }
      for (const reasonCode of [0x10, 0x80, 0x87, 0x92]) {
        t.assert.deepStrictEqual([...encodeControl({ cmd, messageId, reasonCode } as Packet, true) as Buffer], [FIRST_BYTE[cmd], 3, ...id, reasonCode])
        t.assert.deepStrictEqual([...encodeControl({ cmd, messageId, reasonCode } as Packet, false) as Buffer], [FIRST_BYTE[cmd], 2, ...id], 'v3 has no reason code')
      }
    }
  }
})

test('a v5 DISCONNECT without properties is empty for Normal disconnection, else the reason code alone', (t: TestContext) => {
  t.assert.deepStrictEqual([...encodeControl({ cmd: 'disconnect', reasonCode: 0 } as Packet, true) as Buffer], [0xe0, 0])
  t.assert.deepStrictEqual([...encodeControl({ cmd: 'disconnect' } as Packet, true) as Buffer], [0xe0, 0])
  t.assert.deepStrictEqual([...encodeControl({ cmd: 'disconnect', reasonCode: 0x8e } as Packet, true) as Buffer], [0xe0, 1, 0x8e])
})

test('PINGRESP, v3 CONNACK, SUBACK and UNSUBACK match mqtt-packet', (t: TestContext) => {
  same(t, { cmd: 'pingresp' }, false)
  same(t, { cmd: 'pingresp' }, true)
  for (const sessionPresent of [false, true]) {
    for (const returnCode of [0, 1, 5]) same(t, { cmd: 'connack', sessionPresent, returnCode } as Packet, false)
  }
  for (const v5 of [false, true]) {
    for (const messageId of ids) {
      for (const n of [1, 3, 124, 125, 126, 300]) {
        const granted = Array.from({ length: n }, (_, i) => [0, 1, 2, 0x80][i % 4])
        same(t, { cmd: 'suback', messageId, granted } as Packet, v5)
      }
      same(t, { cmd: 'unsuback', messageId, granted: v5 ? [0, 0x11] : [] } as Packet, v5)
    }
  }
})

test('packets with properties, v5 CONNACK and a v3 DISCONNECT are left to mqtt-packet', (t: TestContext) => {
  t.assert.equal(encodeControl({ cmd: 'puback', messageId: 1, reasonCode: 0x87, properties: { reasonString: 'no' } } as Packet, true), null)
  t.assert.equal(encodeControl({ cmd: 'suback', messageId: 1, granted: [0], properties: { reasonString: 'x' } } as Packet, true), null)
  t.assert.equal(encodeControl({ cmd: 'connack', sessionPresent: false, reasonCode: 0 } as Packet, true), null)
  t.assert.equal(encodeControl({ cmd: 'disconnect', reasonCode: 0x8e, properties: { reasonString: 'x' } } as Packet, true), null)
  t.assert.equal(encodeControl({ cmd: 'disconnect' } as Packet, false), null)
})

test('the encoded acknowledgements parse back with mqtt-packet', (t: TestContext) => {
  const parser = mqttPacket.parser({ protocolVersion: 5 })
  const got: Packet[] = []
  parser.on('packet', (p: Packet) => got.push(p))
  // the parser reads v5 only after a CONNECT; give it one
  parser.parse(mqttPacket.generate({ cmd: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0 } as Packet))
  parser.parse(encodeControl({ cmd: 'puback', messageId: 7, reasonCode: 0x10 } as Packet, true) as Buffer)
  parser.parse(encodeControl({ cmd: 'pubrel', messageId: 65535, reasonCode: 0 } as Packet, true) as Buffer)
  parser.parse(encodeControl({ cmd: 'suback', messageId: 9, granted: [1, 0x80] } as Packet, true) as Buffer)
  parser.parse(encodeControl({ cmd: 'disconnect', reasonCode: 0x8e } as Packet, true) as Buffer)
  parser.parse(encodeControl({ cmd: 'disconnect', reasonCode: 0 } as Packet, true) as Buffer)
  t.assert.equal(got.length, 6)
  t.assert.deepStrictEqual([got[1].cmd, (got[1] as { messageId: number }).messageId, (got[1] as { reasonCode: number }).reasonCode], ['puback', 7, 0x10])
  t.assert.deepStrictEqual([got[2].cmd, (got[2] as { messageId: number }).messageId], ['pubrel', 65535])
  t.assert.deepStrictEqual((got[3] as { granted: number[] }).granted, [1, 0x80])
  t.assert.deepStrictEqual([got[4].cmd, (got[4] as { reasonCode: number }).reasonCode], ['disconnect', 0x8e])
  t.assert.deepStrictEqual([got[5].cmd, (got[5] as { reasonCode?: number }).reasonCode ?? 0], ['disconnect', 0])
})
