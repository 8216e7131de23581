// Type declarations for mqtt-packet's Parser class, which its own typings expose only as an interface.
declare module 'mqtt-packet/parser.js' {
  import { EventEmitter } from 'node:events'
  import type { Packet } from 'mqtt-packet'

  interface BufferList {
    readonly length: number
    slice (start: number, end: number): Buffer
    readUInt16BE (offset: number): number
    shallowSlice (start: number, end: number): BufferList
  }

  class Parser extends EventEmitter {
    constructor ()
    static parser (opts?: object): Parser
    parse (buf: Buffer): number
    settings: { protocolVersion?: number; bridgeMode?: boolean }
    packet: { cmd?: string; length: number; messageId?: number }
    error: Error | null
    protected _list: BufferList
    protected _pos: number
    protected _stateCounter: number
    protected _resetState (): void
    protected _parseNum (): number
    protected _parsePayload (): boolean
    protected _parseMessageId (): boolean
    protected _parseByte (): number | undefined
    protected _parseVarByteNum (): number | false
    protected _parseByType (type: string): unknown
    protected _parseProperties (): Record<string, unknown> | false
    protected _emitError (err: Error): void
    on (event: 'packet', listener: (packet: Packet) => void): this
    on (event: 'error', listener: (err: Error) => void): this
  }
  export = Parser
}

declare module 'mqtt-packet/packet.js' {
  class Packet {
    cmd?: string
    length: number
    messageId?: number
  }
  export = Packet
}

declare module 'mqtt-packet/constants.js' {
  const constants: {
    /** Property identifier → mqtt-packet's property name. */
    propertiesCodes: Record<number, string | undefined>
    /** Property name → wire type ('byte', 'int16', 'string', 'pair', ...). */
    propertiesTypes: Record<string, string>
  }
  export = constants
}
