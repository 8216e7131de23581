/**
 * mqtt-packet's Parser, made strict about strings.
 *
 * The stock parser decodes every UTF-8 string with `toString('utf8')`, which silently replaces
 * ill-formed sequences with U+FFFD. MQTT requires the receiver to close the connection on
 * ill-formed UTF-8 [MQTT-1.5.4-1] (3.1.1: [MQTT-1.5.3-1]) and on U+0000 [MQTT-1.5.4-2]. We override
 * the one string reader, validating the raw bytes with `buffer.isUtf8` (simdutf) before decoding;
 * a bad string makes the parser emit `error` and drop the packet, which the connection turns into a
 * close. One StrictParser per connection, always: the parser switches its own protocol version
 * after CONNECT.
 *
 * Two more holes are closed here: the stock parser reads fixed-size fields (packet id, keep alive,
 * property values) from its whole buffer, so a packet cut short inside its Remaining Length borrowed
 * the next packet's bytes; and a missing packet id came out as -1 instead of an error. Each body is
 * now parsed from a view that ends at its Remaining Length, and a missing packet id is malformed.
 * The property reader is redone so that a repeated property always becomes an array (the stock one
 * let a second value overwrite a first 0, false or ''), which protocol/properties.ts refuses; flag
 * properties must be 0 or 1; a CONNECT with bytes after its last field is malformed, and so is a
 * PINGREQ, PINGRESP or (before v5) DISCONNECT with a body (Mosquitto accepts the first two).
 *
 * Memory: the stock parser buffers input in a `bl` BufferListStream, a full Duplex stream (two
 * stream states and an emitter) that it never uses as a stream; each connection holds one for its
 * whole life. We hold a plain BufferList instead (same buffer API), about 1 KiB less per connection,
 * and keep only the protocol version of the CONNECT, not the packet (with its password). Packets
 * and errors go straight to the connection (a PacketSink) instead of through event listeners, so a
 * connection needs no closures for them.
 *
 * Fast path: most packets are a PUBLISH without properties or a bare PUBACK/PUBREC/PUBREL/PUBCOMP,
 * and most reads hold whole packets. While nothing is buffered, `parse` decodes those straight from
 * the chunk (`decodePublish`, `decodeAck`: the same fields and checks as the stock path, without
 * its buffer list, state machine and debug calls); anything else, anything unusual, and a packet
 * cut by the end of the chunk go through the stock parser from that byte on, so every error is
 * still reported by it.
 */
import { isUtf8 } from 'node:buffer'
import bl from 'bl'
import Packet from 'mqtt-packet/packet.js'
import Parser from 'mqtt-packet/parser.js'
import constants from 'mqtt-packet/constants.js'
import type { Packet as MqttPacket } from './packets.js'

const { BufferList } = bl

/**
 * An MQTT UTF-8 string from its bytes, or why it is refused: ill-formed UTF-8 [MQTT-1.5.4-1],
 * U+0000 [MQTT-1.5.4-2]. Both the fast path and the stock path's string reader use it.
 */
function strictString (buf: Buffer, start: number, end: number): string | Error {
  if (!isUtf8(buf.subarray(start, end))) return new Error('Malformed UTF-8 string [MQTT-1.5.4-1]')
  const text = buf.toString('utf8', start, end)
  return text.includes('\u0000') ? new Error('UTF-8 string contains U+0000 [MQTT-1.5.4-2]') : text
}

/** Receives what the parser reads (the connection that owns it). */
export interface PacketSink {
  onPacket (packet: MqttPacket): void
  onParseError (err: Error): void
}

export class StrictParser extends Parser {
  constructor (private readonly sink: PacketSink) {
    super()
    // mqtt-packet sets up its state in the static `parser()` factory, bound to the instance.
    Parser.parser.call(this)
  }

  override parse (buf: Buffer): number {
    if (this._list.length === 0 && this._stateCounter === 0 && this.error === null) {
      let off = 0
      for (let end = this.decodeFast(buf, 0); end > 0; end = this.decodeFast(buf, off)) {
        off = end
        if (off === buf.length) return 0
      }
      if (off > 0) return super.parse(buf.subarray(off))
    }
    return super.parse(buf)
  }

  /** The packet at `off` by the fast path (0: not taken), see decodePublish and decodeAck. */
  private decodeFast (buf: Buffer, off: number): number {
    const first = buf[off]
    if (first === undefined) return 0
    return (first & 0xf0) === 0x30 ? this.decodePublish(buf, off) : this.decodeAck(buf, off, first)
  }

  /**
   * A PUBACK, PUBREC, PUBREL or PUBCOMP with the required header flags and only a packet id
   * (Remaining Length 2: in MQTT 5 that means reason code 0, Success, and no properties). Returns
   * the offset after it, or 0.
   */
  private decodeAck (buf: Buffer, off: number, first: number): number {
    const cmd = first === 0x40 ? 'puback' : first === 0x50 ? 'pubrec' : first === 0x62 ? 'pubrel' : first === 0x70 ? 'pubcomp' : null
    if (cmd === null || buf[off + 1] !== 2 || off + 4 > buf.length) return 0
    this.sink.onPacket({
      cmd,
      retain: false,
      qos: cmd === 'pubrel' ? 1 : 0, // the header flags of PUBREL read as QoS 1, as the stock parser reads them
      dup: false,
      length: 2,
      messageId: buf.readUInt16BE(off + 2),
      reasonCode: this.settings.protocolVersion === 5 ? 0 : undefined,
    } as MqttPacket)
    return off + 4
  }

  /**
   * Decodes the PUBLISH at `off` and hands it to the sink, when it is whole in `buf` and needs
   * nothing the fast path leaves out: QoS 0-2, a topic of well-formed UTF-8 without U+0000
   * [MQTT-1.5.4-1], [MQTT-1.5.4-2], the packet id of QoS 1/2, and in MQTT 5 an empty property list.
   * Returns the offset after it, or 0 to let the stock parser read from `off`.
   */
  private decodePublish (buf: Buffer, off: number): number {
    const first = buf[off]!
    const qos = (first >> 1) & 3
    if (qos === 3) return 0
    // Remaining Length: at most four bytes (MQTT 5.0 §1.5.5)
    let pos = off + 1
    let length = 0
    let shift = 1
    for (let i = 0; ; i++) {
      const byte = buf[pos++]
      if (byte === undefined || i === 4) return 0
      length += (byte & 0x7f) * shift
      if ((byte & 0x80) === 0) break
      shift *= 128
    }
    const end = pos + length
    if (end > buf.length || length < 2) return 0
    const topicEnd = pos + 2 + buf.readUInt16BE(pos)
    if (topicEnd > end) return 0
    const topic = strictString(buf, pos + 2, topicEnd)
    if (typeof topic !== 'string') return 0 // the stock path reports it
    pos = topicEnd
    let messageId: number | undefined
    if (qos > 0) {
      if (pos + 2 > end) return 0
      messageId = buf.readUInt16BE(pos)
      pos += 2
    }
    if (this.settings.protocolVersion === 5) {
      if (pos >= end || buf[pos] !== 0) return 0 // properties: the stock parser reads them
      pos++
    }
    this.sink.onPacket({
      cmd: 'publish', retain: (first & 1) !== 0, qos, dup: (first & 8) !== 0, length, topic, payload: buf.subarray(pos, end), messageId,
    } as MqttPacket)
    return end
  }

  /** The stock parser reports through `emit('packet')` and `emit('error')` only. */
  override emit (event: string | symbol, arg: unknown): boolean {
    if (event === 'packet') this.sink.onPacket(arg as MqttPacket)
    else if (event === 'error') this.sink.onParseError(arg as Error)
    return true
  }

  /** The stock state reset, with a plain BufferList (see the header). */
  protected override _resetState (): void {
    this.packet = new Packet()
    this.error = null
    this._list = new BufferList()
    this._stateCounter = 0
  }

  protected override _parsePayload (): boolean {
    const list = this._list
    const length = this.packet.length
    const cmd = this.packet.cmd
    if (length !== 0 && (cmd === 'pingreq' || cmd === 'pingresp' || (cmd === 'disconnect' && this.settings.protocolVersion !== 5))) {
      // These packets have no variable header and no payload (MQTT 5.0 §3.12, §3.13; 3.1.1 §3.14).
      this._emitError(new Error(`${cmd.toUpperCase()} with a remaining length of ${length}`))
      return true
    }
    let complete: boolean
    if (list.length <= length) {
      complete = super._parsePayload()
    } else {
      // Bytes of the following packets are already buffered: hide them while this body is parsed.
      this._list = list.shallowSlice(0, length)
      try {
        complete = super._parsePayload()
      } finally {
        this._list = list
      }
    }
    if (complete && this.error === null && this.packet.cmd === 'connect') {
      if (this._pos !== length) {
        // Bytes left over inside the Remaining Length: the CONNECT is malformed (Mosquitto agrees).
        this._emitError(new Error('CONNECT has bytes after its last field'))
      }
      // The stock parser keeps the whole CONNECT (password and will payload included) as its
      // settings for the connection's life; it only ever reads the protocol version from it.
      // It keeps the bridge flag too (protocol level 0x83/0x84), which makes every subscription of
      // the bridge No Local and Retain As Published, as Mosquitto treats bridges.
      this.settings = { protocolVersion: this.settings.protocolVersion, bridgeMode: this.settings.bridgeMode }
    }
    return complete
  }

  /** One-byte flag properties may only be 0 or 1 (MQTT 5.0 §2.2.2.2); the stock parser reads any non-zero as true. */
  protected override _parseByType (type: string): unknown {
    if (type !== 'byte') return super._parseByType(type)
    const value = this._parseByte()
    if (value !== 0 && value !== 1) {
      this._emitError(new Error('a one-byte flag property must be 0 or 1'))
      return false
    }
    return value === 1
  }

  protected override _parseMessageId (): boolean {
    const id = this._parseNum()
    if (id === -1) {
      this._emitError(new Error('Cannot parse messageId'))
      return false
    }
    this.packet.messageId = id
    return true
  }

  protected override _parseProperties (): Record<string, unknown> | false {
    const length = this._parseVarByteNum()
    const end = this._pos + (length === false ? 0 : length)
    const result: Record<string, unknown> = {}
    while (this._pos < end) {
      const code = this._parseByte()
      if (code === undefined || code === 0) {
        this._emitError(new Error('Cannot parse property code type'))
        return false
      }
      const name = constants.propertiesCodes[code]
      if (name === undefined) {
        this._emitError(new Error('Unknown property'))
        return false
      }
      const value = this._parseByType(constants.propertiesTypes[name])
      if (name === 'userProperties') {
        const pair = value as { name: string; value: string }
        const users = (result.userProperties ??= Object.create(null)) as Record<string, string | string[]>
        const prev = users[pair.name]
        users[pair.name] = prev === undefined ? pair.value : Array.isArray(prev) ? [...prev, pair.value] : [prev, pair.value]
        continue
      }
      const prev = result[name]
      result[name] = !(name in result) ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
    }
    return result
  }

  protected _parseString (): string | null {
    const length = this._parseNum()
    const end = length + this._pos
    if (length === -1 || end > this._list.length || end > this.packet.length) return null
    const bytes = this._list.slice(this._pos, end)
    const text = strictString(bytes, 0, bytes.length)
    if (typeof text !== 'string') {
      this._emitError(text)
      return null
    }
    this._pos = end
    return text
  }
}
