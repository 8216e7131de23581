/**
 * Hand-built MQTT bytes for the packets mqtt-packet refuses to encode (reserved flags, password
 * without user name, bad UTF-8, impossible lengths...). Everything here is pure: it returns Buffers
 * that tests write with `RawClient.sendBytes`.
 */

/** A Variable Byte Integer (MQTT 5.0 §1.5.5); no range check, so tests can go past the limit. */
export function varint (n: number): Buffer {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return Buffer.from(out)
}

/** A two-byte length followed by the bytes of `s` (a string is UTF-8 encoded; raw bytes go as is). */
export function str (s: string | Buffer | number[]): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s)
  const len = Buffer.alloc(2)
  len.writeUInt16BE(bytes.length)
  return Buffer.concat([len, bytes])
}

/** A two-byte integer. */
export function u16 (n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}

/** A four-byte integer. */
export function u32 (n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/** A whole packet: first byte, Remaining Length, then the body parts. */
export function packet (firstByte: number, ...body: Array<Buffer | number[]>): Buffer {
  const payload = Buffer.concat(body.map((b) => Buffer.from(b)))
  return Buffer.concat([Buffer.from([firstByte]), varint(payload.length), payload])
}

/** A v5 property block: its length, then the given property bytes (identifier and value each). */
export function props (...entries: Array<Buffer | number[]>): Buffer {
  const body = Buffer.concat(entries.map((b) => Buffer.from(b)))
  return Buffer.concat([varint(body.length), body])
}

/** Property identifiers used by the tests (MQTT 5.0 §2.2.2.2). */
export const Prop = {
  SessionExpiryInterval: 0x11,
  ReceiveMaximum: 0x21,
  TopicAliasMaximum: 0x22,
  TopicAlias: 0x23,
} as const

export interface ConnectBytes {
  protocolName?: string
  level?: number
  /** Connect flags byte as sent; computed from the fields below when absent. */
  flags?: number
  keepalive?: number
  /** v5 CONNECT properties block (from `props()`); an empty block is sent for level 5 by default. */
  properties?: Buffer
  clientId?: string | Buffer
  will?: { topic: string; payload?: Buffer; qos?: number; retain?: boolean; properties?: Buffer }
  username?: string
  password?: Buffer
  clean?: boolean
}

/**
 * A CONNECT packet byte by byte. With `flags` given, the flags byte is sent verbatim while the
 * payload still follows the fields that are present, so a test can make them disagree.
 */
export function connectBytes (c: ConnectBytes = {}): Buffer {
  const level = c.level ?? 4
  const clean = c.clean ?? true
  const flags = c.flags ?? (
    (c.username !== undefined ? 0x80 : 0) |
    (c.password !== undefined ? 0x40 : 0) |
    (c.will?.retain === true ? 0x20 : 0) |
    ((c.will?.qos ?? 0) << 3) |
    (c.will !== undefined ? 0x04 : 0) |
    (clean ? 0x02 : 0))
  const parts: Buffer[] = [
    str(c.protocolName ?? (level === 3 ? 'MQIsdp' : 'MQTT')),
    Buffer.from([level, flags]),
    u16(c.keepalive ?? 60),
  ]
  if (level === 5) parts.push(c.properties ?? props())
  parts.push(str(c.clientId ?? `wire-${Math.random().toString(16).slice(2)}`))
  if (c.will !== undefined) {
    if (level === 5) parts.push(c.will.properties ?? props())
    parts.push(str(c.will.topic), str(c.will.payload ?? Buffer.alloc(0)))
  }
  if (c.username !== undefined) parts.push(str(c.username))
  if (c.password !== undefined) parts.push(str(c.password))
  return packet(0x10, ...parts)
}

/** A PUBLISH whose topic is given as raw bytes (after the length prefix). */
export function publishBytes (opts: { topic: string | number[]; payload?: string; qos?: number; dup?: boolean; retain?: boolean; messageId?: number; v5?: boolean; firstByte?: number }): Buffer {
  const qos = opts.qos ?? 0
  const first = opts.firstByte ?? (0x30 | (opts.dup === true ? 0x08 : 0) | (qos << 1) | (opts.retain === true ? 0x01 : 0))
  const parts: Buffer[] = [str(opts.topic)]
  if (qos > 0) parts.push(u16(opts.messageId ?? 1))
  if (opts.v5 === true) parts.push(props())
  parts.push(Buffer.from(opts.payload ?? 'x'))
  return packet(first, ...parts)
}
