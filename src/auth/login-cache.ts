/**
 * LoginCache: recent successful password verifications, so that a client that logged in a moment
 * ago (a reconnect) gets in without another bcrypt check — and so past a login flood that keeps
 * the bcrypt workers busy or has put its address or user name in back-off.
 *
 * Keyed safely: the key is an HMAC-SHA256 of the user name (length-prefixed) and the password under
 * a random key made at start and never stored, so the cache holds nothing a password can be
 * recovered or tested from outside this process. Each entry also keeps the account's bcrypt hash
 * it was verified against and counts only while the account still has that hash, so a changed or
 * deleted account is never let in from the cache; `forget(username)` drops its entries at once
 * as well. Bounded: at most `size()` entries (the oldest go first) for `ttlSeconds()` each.
 */
import { createHmac, randomBytes } from 'node:crypto'

interface Entry {
  username: string
  hash: string
  expiresAt: number
}

export class LoginCache {
  private readonly secret = randomBytes(32)
  private readonly entries = new Map<string, Entry>()
  private readonly keysByUser = new Map<string, Set<string>>()

  /** Both are read at every use (they follow `config set`). */
  constructor (private readonly size: () => number, private readonly ttlSeconds: () => number) {}

  /** Entries held now. */
  get count (): number {
    return this.entries.size
  }

  /** Whether `password` was verified for `username` against `hash` within the TTL. */
  has (username: string, password: string, hash: string, now: number): boolean {
    if (this.entries.size === 0 || this.size() <= 0) return false
    const key = this.key(username, password)
    const entry = this.entries.get(key)
    if (entry === undefined) return false
    if (entry.hash === hash && entry.expiresAt > now) return true
    this.delete(key, entry)
    return false
  }

  /** Remembers that `password` matched `hash` for `username`. */
  add (username: string, password: string, hash: string, now: number): void {
    const limit = this.size()
    if (limit <= 0) return
    const key = this.key(username, password)
    const previous = this.entries.get(key)
    if (previous !== undefined) this.delete(key, previous) // re-inserted: the newest again
    while (this.entries.size >= limit) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry]
      this.delete(oldestKey, oldest)
    }
    this.entries.set(key, { username, hash, expiresAt: now + this.ttlSeconds() * 1000 })
    let keys = this.keysByUser.get(username)
    if (keys === undefined) this.keysByUser.set(username, keys = new Set())
    keys.add(key)
  }

  /** Drops every entry of `username` (its password changed, or the account is gone). */
  forget (username: string): void {
    const keys = this.keysByUser.get(username)
    if (keys === undefined) return
    for (const key of keys) this.entries.delete(key)
    this.keysByUser.delete(username)
  }

  private key (username: string, password: string): string {
    const name = Buffer.from(username, 'utf8')
    const length = Buffer.alloc(4)
    length.writeUInt32BE(name.length)
    return createHmac('sha256', this.secret).update(length).update(name).update(password, 'utf8').digest('base64')
  }

  private delete (key: string, entry: Entry): void {
    this.entries.delete(key)
    const keys = this.keysByUser.get(entry.username)
    if (keys === undefined) return
    keys.delete(key)
    if (keys.size === 0) this.keysByUser.delete(entry.username)
  }
}
