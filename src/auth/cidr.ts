/**
 * IPv4 and IPv6 CIDR ranges for IP rules: parsing into a normal form, and matching an address.
 *
 * Addresses are compared as 128-bit numbers; an IPv4 range `a.b.c.d/n` is held as the IPv4-mapped
 * IPv6 range `::ffff:a.b.c.d/(96+n)`, so a client that reaches a dual-stack listener as
 * `::ffff:10.1.2.3` matches `10.0.0.0/8` exactly as one reaching an IPv4 listener as `10.1.2.3`.
 */
import { isIPv4, isIPv6 } from 'node:net'

export interface Cidr {
  /** Normal form: network address (host bits cleared) and prefix, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
  readonly text: string
  /** The network as a 128-bit number (IPv4 mapped into ::ffff:0:0/96). */
  readonly network: bigint
  /** Prefix length over 128 bits. */
  readonly bits: number
}

const MAPPED_PREFIX = 0xffffn << 32n
const ALL = (1n << 128n) - 1n

/** Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128); throws a readable Error. */
export function parseCidr (input: string): Cidr {
  const slash = input.indexOf('/')
  const address = slash < 0 ? input : input.slice(0, slash)
  const v4 = isIPv4(address)
  if (!v4 && !isIPv6(address)) throw new Error(`'${input}' is not an IPv4 or IPv6 address or CIDR range`)
  const max = v4 ? 32 : 128
  let prefix = max
  if (slash >= 0) {
    const text = input.slice(slash + 1)
    if (!/^\d{1,3}$/.test(text) || Number(text) > max) throw new Error(`'${input}': the prefix length must be 0 to ${max}`)
    prefix = Number(text)
  }
  const bits = v4 ? 96 + prefix : prefix
  const network = (v4 ? MAPPED_PREFIX | ipv4ToBigInt(address) : ipv6ToBigInt(address)) & mask(bits)
  return { text: `${format(network, v4)}/${prefix}`, network, bits }
}

/** The address of a connection as a 128-bit number, or undefined when it is not an IP address. */
export function addressToBigInt (address: string): bigint | undefined {
  if (isIPv4(address)) return MAPPED_PREFIX | ipv4ToBigInt(address)
  if (isIPv6(address)) return ipv6ToBigInt(address)
  return undefined
}

export function cidrContains (cidr: Cidr, address: bigint): boolean {
  return (address & mask(cidr.bits)) === cidr.network
}

function mask (bits: number): bigint {
  return bits === 0 ? 0n : (ALL << BigInt(128 - bits)) & ALL
}

function ipv4ToBigInt (address: string): bigint {
  let n = 0n
  for (const part of address.split('.')) n = (n << 8n) | BigInt(Number(part))
  return n
}

function ipv6ToBigInt (address: string): bigint {
  let text = address
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    const v4 = ipv4ToBigInt(tail)
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`
  }
  const [head, rest] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined]
  const headParts = head === '' ? [] : head.split(':')
  const restParts = rest === undefined || rest === '' ? [] : rest.split(':')
  const fill = rest === undefined ? 0 : 8 - headParts.length - restParts.length
  const parts = [...headParts, ...Array<string>(fill).fill('0'), ...restParts]
  let n = 0n
  for (const part of parts) n = (n << 16n) | BigInt(Number.parseInt(part, 16))
  return n
}

function format (network: bigint, v4: boolean): string {
  if (v4) {
    const n = network & 0xffffffffn
    return [24n, 16n, 8n, 0n].map((s) => ((n >> s) & 0xffn).toString()).join('.')
  }
  const parts: string[] = []
  for (let s = 112n; s >= 0n; s -= 16n) parts.push(((network >> s) & 0xffffn).toString(16))
  // the longest run of zero hextets (two or more) becomes '::' (RFC 5952)
  let best = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    if (parts[i] !== '0') { i++; continue }
    let j = i
    while (j < 8 && parts[j] === '0') j++
    if (j - i > bestLength) { best = i; bestLength = j - i }
    i = j
  }
  if (best < 0) return parts.join(':')
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLength).join(':')}`
}
