/**
 * The hand-written acknowledgement encoders produce exactly mqtt-packet's bytes for every packet
 * they handle (v3/v5, every reason code form, packet ids across the byte boundaries, SUBACK sizes
 * across the Remaining Length step), and decline what needs the general encoder.
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

test('acknowledgements match mqtt-packet byte for byte', (t: TestContext) => {
  for (const cmd of ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const) {
    for (const messageId of ids) {
      same(t, { cmd, messageId } as Packet, false)
      for (const reasonCode of [undefined, 0, 0x10, 0x80, 0x87, 0x92]) {
        same(t, { cmd, messageId, reasonCode } as Packet, true)
      }
    }
  }
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

test('packets with properties, v5 CONNACK and DISCONNECT are left to mqtt-packet', (t: TestContext) => {
  t.assert.equal(encodeControl({ cmd: 'puback', messageId: 1, reasonCode: 0x87, properties: { reasonString: 'no' } } as Packet, true), null)
  t.assert.equal(encodeControl({ cmd: 'suback', messageId: 1, granted: [0], properties: { reasonString: 'x' } } as Packet, true), null)
  t.assert.equal(encodeControl({ cmd: 'connack', sessionPresent: false, reasonCode: 0 } as Packet, true), null)
  t.assert.equal(encodeControl({ cmd: 'disconnect', reasonCode: 0 } as Packet, true), null)
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
  t.assert.equal(got.length, 4)
  t.assert.deepStrictEqual([got[1].cmd, (got[1] as { messageId: number }).messageId, (got[1] as { reasonCode: number }).reasonCode], ['puback', 7, 0x10])
  t.assert.deepStrictEqual([got[2].cmd, (got[2] as { messageId: number }).messageId], ['pubrel', 65535])
  t.assert.deepStrictEqual((got[3] as { granted: number[] }).granted, [1, 0x80])
})
