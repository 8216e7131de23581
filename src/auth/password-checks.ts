/**
 * PasswordChecks: whether a presented password matches an account's bcrypt hash, with what keeps a
 * flood of wrong passwords from locking real users out (each part in its own module):
 *
 * 1. LoginCache: a user name and password verified within `auth_cache_ttl` against the same hash
 *    is a match at once, before the back-off and the queue (a reconnect never waits for either).
 * 2. LoginBackoff: an address or user name with `auth_backoff_failures` failed checks is refused
 *    for a while without a check → `rate_limited` (CONNACK 0x9F).
 * 3. BcryptPool: one worker per core, at most `auth_max_pending` checks waiting or running; a full
 *    queue → `busy` (CONNACK 0x89) at once rather than a wait of seconds; it counts as a failure
 *    of the address, so a flood's addresses back off within a few attempts.
 * A check's result goes back to the back-off (failure counted, or the keys cleared) and, on a
 * match, to the cache. Start of a back-off step is logged (info), not every refused attempt.
 * 4. HashUpgrade: a match against an imported Mosquitto hash gets the account a bcrypt hash.
 */
import type { Config } from '../config/types.js'
import type { Logger } from '../log.js'
import { BcryptPool } from './bcrypt-pool.js'
import { HashUpgrade } from './hash-upgrade.js'
import { LoginBackoff } from './login-backoff.js'
import { LoginCache } from './login-cache.js'

export type PasswordVerdict =
  | { verdict: 'match' | 'mismatch' }
  | { verdict: 'rate_limited'; detail: string }
  | { verdict: 'busy'; detail: string }

export interface PasswordAttempt {
  address: string
  username: string
  password: string
  /** The account's hash, or a dummy one when the account does not exist (same cost either way). */
  hash: string
  accountExists: boolean
}

export class PasswordChecks {
  readonly pool: BcryptPool
  readonly cache: LoginCache
  readonly backoff: LoginBackoff
  readonly upgrade: HashUpgrade

  constructor (config: Config, private readonly log: Logger) {
    this.pool = new BcryptPool(() => config.auth_max_pending)
    this.cache = new LoginCache(() => config.auth_cache_size, () => config.auth_cache_ttl)
    this.backoff = new LoginBackoff(() => config.auth_backoff_failures, () => config.auth_backoff_max)
    this.upgrade = new HashUpgrade(this.pool, () => config.bcrypt_cost, log)
  }

  check (attempt: PasswordAttempt, now = Date.now()): PasswordVerdict | Promise<PasswordVerdict> {
    const { address, username, password, hash, accountExists } = attempt
    if (accountExists && this.cache.has(username, password, hash, now)) return { verdict: 'match' }
    const refusal = this.backoff.refusal(address, username, now)
    if (refusal !== null) {
      const who = refusal.key === 'address' ? `from ${address}` : `for '${username}'`
      return { verdict: 'rate_limited', detail: `too many failed logins ${who}: retry in ${refusal.retryAfter} s` }
    }
    const pending = this.pool.tryVerify(password, hash)
    if (pending === null) {
      if (this.backoff.refusedBusy(address, now)) this.log.info({ keys: [`a:${address}`], address }, 'logins refused while busy: backing off')
      return { verdict: 'busy', detail: `${this.pool.pending} password checks are under way (auth_max_pending)` }
    }
    this.backoff.checking(address, username)
    return pending.then((match) => {
      const ok = match && accountExists
      const backingOff = this.backoff.settled(address, username, ok, Date.now())
      if (backingOff.length > 0) this.log.info({ keys: backingOff, address, username }, 'failed logins: backing off')
      if (ok) this.cache.add(username, password, hash, Date.now())
      return { verdict: ok ? 'match' : 'mismatch' }
    })
  }

  close (): Promise<void> {
    return this.pool.close()
  }
}
