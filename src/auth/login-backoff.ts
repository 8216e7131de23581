/**
 * LoginBackoff: failed logins slow down whoever keeps failing, per client address and per user
 * name, so that a flood of wrong passwords costs the bcrypt workers a few checks rather than one
 * per attempt.
 *
 * Each key (`a:<address>`, `u:<user name>`) counts its failed checks. Once it has
 * `failuresBeforeBackoff()` of them, it backs off: attempts under it are refused without a check
 * (CONNACK 0x9F Connection rate exceeded) for 1 s after the last failure, doubling with each
 * further failure up to `maxSeconds()`, and even after that only one check at a time runs for it.
 * An attempt refused because the check queue was full counts against its address too. A
 * successful login clears its address and its user name; a key with no failure for `maxSeconds()`
 * is forgotten. At most MAX_KEYS keys are held (the least recently failed go first), so a spray of
 * made-up user names cannot grow it without bound. IPv6 addresses count per /64, the block one
 * host is usually given.
 */
import { addressToBigInt } from './cidr.js'

/** Keys remembered at most. */
const MAX_KEYS = 100_000

interface Failures {
  count: number
  lastAt: number
  /** Checks under way for this key. */
  checking: number
}

/** Which key refused an attempt, and for how long it backs off from now (seconds, rounded up). */
export interface BackoffRefusal {
  key: 'address' | 'user'
  retryAfter: number
}

export class LoginBackoff {
  private readonly keys = new Map<string, Failures>()

  /** Both are read at every use (they follow `config set`); 0 failures disables the back-off. */
  constructor (private readonly failuresBeforeBackoff: () => number, private readonly maxSeconds: () => number) {}

  /** Keys held now. */
  get size (): number {
    return this.keys.size
  }

  /** Null when an attempt from `address` as `username` may be checked now. */
  refusal (address: string, username: string, now: number): BackoffRefusal | null {
    if (this.keys.size === 0 || this.failuresBeforeBackoff() <= 0) return null
    const byAddress = this.waitFor(addressKey(address), now)
    if (byAddress !== null) return { key: 'address', retryAfter: byAddress }
    const byUser = this.waitFor(userKey(username), now)
    return byUser === null ? null : { key: 'user', retryAfter: byUser }
  }

  /** A check for this attempt starts (call `settled` when it ends). */
  checking (address: string, username: string): void {
    const a = this.keys.get(addressKey(address))
    if (a !== undefined) a.checking++
    const u = this.keys.get(userKey(username))
    if (u !== undefined) u.checking++
  }

  /**
   * The check ended: a failure counts against the address and the user name; a success clears
   * both. Returns the keys that began (or went further into) back-off with this failure.
   */
  settled (address: string, username: string, ok: boolean, now: number): string[] {
    const keys = [addressKey(address), userKey(username)]
    const backingOff: string[] = []
    for (const key of keys) {
      const entry = this.keys.get(key)
      if (entry !== undefined && entry.checking > 0) entry.checking--
      if (ok) {
        this.keys.delete(key)
        continue
      }
      const failures = this.fail(key, entry, now)
      if (failures >= this.failuresBeforeBackoff() && this.failuresBeforeBackoff() > 0) backingOff.push(key)
    }
    return backingOff
  }

  /**
   * An attempt from `address` was refused because the check queue was full: it counts as a
   * failure of the address (not of the user name), so that the addresses of a flood back off
   * within a few attempts instead of keeping the queue full. True when the address backs off now.
   */
  refusedBusy (address: string, now: number): boolean {
    const key = addressKey(address)
    const threshold = this.failuresBeforeBackoff()
    return this.fail(key, this.keys.get(key), now) >= threshold && threshold > 0
  }

  /** Seconds `key` still backs off for (rounded up), or null when an attempt may be checked. */
  private waitFor (key: string, now: number): number | null {
    const entry = this.keys.get(key)
    if (entry === undefined) return null
    const maxMs = this.maxSeconds() * 1000
    if (now - entry.lastAt > maxMs) {
      if (entry.checking === 0) this.keys.delete(key)
      return null
    }
    const threshold = this.failuresBeforeBackoff()
    if (entry.count < threshold) return null
    const delayMs = Math.min(1000 * 2 ** Math.min(entry.count - threshold, 30), maxMs)
    const left = entry.lastAt + delayMs - now
    if (left > 0) return Math.ceil(left / 1000)
    return entry.checking > 0 ? 1 : null // past the delay: one check at a time
  }

  private fail (key: string, entry: Failures | undefined, now: number): number {
    if (entry !== undefined) {
      // forgotten after a quiet period; re-inserted so that the oldest failures are evicted first
      entry.count = now - entry.lastAt > this.maxSeconds() * 1000 ? 1 : entry.count + 1
      entry.lastAt = now
      this.keys.delete(key)
      this.keys.set(key, entry)
      return entry.count
    }
    if (this.keys.size >= MAX_KEYS) this.keys.delete(this.keys.keys().next().value as string)
    this.keys.set(key, { count: 1, lastAt: now, checking: 0 })
    return 1
  }
}

function addressKey (address: string): string {
  const n = addressToBigInt(address)
  if (n === undefined) return `a:${address}`
  // IPv4 (held IPv4-mapped) by address; IPv6 by its /64
  return (n >> 32n) === 0xffffn ? `a:${n.toString(16)}` : `a:${(n >> 64n).toString(16)}/64`
}

function userKey (username: string): string {
  return `u:${username}`
}
