/**
 * Key layout of the embedded store: one LevelDB keyspace, one leading letter per kind of record, so
 * each kind is one contiguous key range: key builders live here, not in the methods.
 *
 *   a<kind>:<id>                     operator record (account, topic_rule, ip_rule, setting): JSON
 *   m<name>                          store metadata (`mformat`: the layout version, "1")
 *   r<topic>                         retained message of `topic`
 *   s<clientId>                      persistent session record
 *   q<len:4 hex><clientId><seq:16 hex>  entry `seq` of the queue of `clientId`
 *   i<len:4 hex><clientId><packetId:4 hex>  outbound QoS 1/2 message inflight to `clientId`
 *   p<len:4 hex><clientId><packetId:4 hex>  inbound QoS 2 packet id of `clientId` awaiting PUBREL
 *   w<clientId>                      delayed will of `clientId`
 *
 * Keys are UTF-8 strings. UTF-8 keeps code-point order, so the database's byte order is JavaScript's
 * string order. Queue keys prefix the client id with its length (UTF-16 units, 4 hex digits: MQTT
 * strings are at most 65535 bytes), so no client's range can contain another's, whatever
 * characters the ids hold; the fixed-width hex sequence number sorts numerically.
 */

/** Keys of the store's own metadata (the layout version here, the commit number in wal-guard.ts). */
export const METADATA_PREFIX = 'm'
export const FORMAT_KEY = 'mformat'
/** The key layout and value codec version this code reads and writes. */
export const FORMAT_VERSION = '1'

/** The key of operator record `id` of `kind` (kinds hold no ':'). */
export const recordKey = (kind: string, id: string): string => `a${kind}:${id}`
/** Every record key of `kind`: from `a<kind>:` up to (not including) `a<kind>;`. */
export const recordRange = (kind: string): { gte: string; lt: string } => ({ gte: `a${kind}:`, lt: `a${kind};` })
export const RECORD_RANGE = { gte: 'a', lt: 'b' } as const

export const retainedKey = (topic: string): string => `r${topic}`
export const RETAINED_RANGE = { gte: 'r', lt: 's' } as const

export const sessionKey = (clientId: string): string => `s${clientId}`
export const SESSION_RANGE = { gte: 's', lt: 't' } as const

/** Every queue entry key of `clientId` starts with this. */
export function queuePrefix (clientId: string): string {
  return `q${clientId.length.toString(16).padStart(4, '0')}${clientId}`
}

/** The key of entry `seq` (a non-negative integer below 2^53) under a `queuePrefix`. */
export function queueKey (prefix: string, seq: number): string {
  return prefix + seq.toString(16).padStart(16, '0')
}

export const QUEUE_RANGE = { gte: 'q', lt: 'r' } as const

/** The key of the inflight record `packetId` of `clientId`. */
export function inflightKey (clientId: string, packetId: number): string {
  return `i${clientPart(clientId)}${packetId.toString(16).padStart(4, '0')}`
}

export const INFLIGHT_RANGE = { gte: 'i', lt: 'j' } as const

/** The key of the inbound QoS 2 packet id `packetId` of `clientId`. */
export function incomingQos2Key (clientId: string, packetId: number): string {
  return `p${clientPart(clientId)}${packetId.toString(16).padStart(4, '0')}`
}

export const INCOMING_QOS2_RANGE = { gte: 'p', lt: 'q' } as const

function clientPart (clientId: string): string {
  return clientId.length.toString(16).padStart(4, '0') + clientId
}

/** Splits an inflight or inbound QoS 2 key (`letter` 'i' or 'p'), or returns undefined when it is not one. */
export function parsePacketKey (letter: 'i' | 'p', key: string): { clientId: string; packetId: number } | undefined {
  const lenHex = key.slice(1, 5)
  if (key[0] !== letter || !HEX4.test(lenHex)) return undefined
  const len = Number.parseInt(lenHex, 16)
  const idHex = key.slice(5 + len)
  if (key.length !== 5 + len + 4 || !HEX4.test(idHex)) return undefined
  const packetId = Number.parseInt(idHex, 16)
  return packetId === 0 ? undefined : { clientId: key.slice(5, 5 + len), packetId }
}

const HEX4 = /^[0-9a-f]{4}$/
const HEX16 = /^[0-9a-f]{16}$/

/** Splits a queue entry key, or returns undefined when it is not one. */
export function parseQueueKey (key: string): { clientId: string; seq: number } | undefined {
  const lenHex = key.slice(1, 5)
  if (key[0] !== 'q' || !HEX4.test(lenHex)) return undefined
  const len = Number.parseInt(lenHex, 16)
  const seqHex = key.slice(5 + len)
  if (key.length !== 5 + len + 16 || !HEX16.test(seqHex)) return undefined
  const seq = Number.parseInt(seqHex, 16)
  return Number.isSafeInteger(seq) ? { clientId: key.slice(5, 5 + len), seq } : undefined
}

export const willKey = (clientId: string): string => `w${clientId}`
export const WILL_RANGE = { gte: 'w', lt: 'x' } as const
