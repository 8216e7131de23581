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
 */
import { isUtf8 } from 'node:buffer'
import Parser from 'mqtt-packet/parser.js'

export class StrictParser extends Parser {
  constructor () {
    super()
    // mqtt-packet sets up its state in the static `parser()` factory, bound to the instance.
    Parser.parser.call(this)
  }

  protected _parseString (): string | null {
    const length = this._parseNum()
    const end = length + this._pos
    if (length === -1 || end > this._list.length || end > this.packet.length) return null
    const bytes = this._list.slice(this._pos, end)
    if (!isUtf8(bytes)) {
      this._emitError(new Error('Malformed UTF-8 string [MQTT-1.5.4-1]'))
      return null
    }
    const text = bytes.toString('utf8')
    if (text.includes('\u0000')) {
      this._emitError(new Error('UTF-8 string contains U+0000 [MQTT-1.5.4-2]'))
      return null
    }
    this._pos = end
    return text
  }
}
