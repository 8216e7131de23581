/**
 * Reading Redis stream replies (RESP2 arrays, as RedisLink returns them): stream ids compared,
 * XREAD/XREADGROUP entries as [id, text fields, the binary field `d`], and the NUL-separated
 * lists of the cluster's entries.
 */
import type { Reply } from './redis.js'

/** `a` vs `b` as stream ids (`ms-seq`): negative, 0 or positive. */
export function compareIds (a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-')
  const [bm = '0', bs = '0'] = b.split('-')
  return Number(am) - Number(bm) || Number(as) - Number(bs)
}

/** NUL-separated keys (routes, changed state keys) as a list. */
export function splitKeys (joined: string | undefined): string[] {
  return joined === undefined || joined === '' ? [] : joined.split('\u0000')
}

/**
 * XREAD/XREADGROUP's reply (one stream) as [id, fields, field `d` as bytes] triples; fields are
 * text, except `d` which stays a Buffer when `binary`.
 */
export function streamEntries (reply: Reply, binary = false): Array<[string, Record<string, string>, Buffer | undefined]> {
  if (!Array.isArray(reply) || reply.length === 0) return []
  const stream = reply[0]
  if (!Array.isArray(stream) || !Array.isArray(stream[1])) return []
  const out: Array<[string, Record<string, string>, Buffer | undefined]> = []
  for (const entry of stream[1]) {
    if (!Array.isArray(entry)) continue
    const id = String(entry[0])
    const list = entry[1]
    const fields: Record<string, string> = {}
    let data: Buffer | undefined
    if (Array.isArray(list)) {
      for (let i = 0; i + 1 < list.length; i += 2) {
        const name = String(list[i])
        const value = list[i + 1]
        if (binary && name === 'd' && Buffer.isBuffer(value)) data = value
        else fields[name] = String(value)
      }
    }
    out.push([id, fields, data])
  }
  return out
}
