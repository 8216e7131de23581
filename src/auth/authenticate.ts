/**
 * Who is connecting: the CONNECT-time checks of IP rules, TLS identity and credentials.
 *
 * 1. IP rules (most specific range wins): `deny` refuses even correct credentials (Not authorized);
 *    `allow --skip-auth` admits a client that sends no user name, even with `allow_anonymous` off.
 * 2. A listener with `use_identity_as_username` takes the user name from the verified client
 *    certificate's CN, and asks for no password; no verified CN → Not authorized.
 * 3. No user name: anonymous, admitted when `allow_anonymous` is on (or by a skip-auth IP rule).
 * 4. A user name: while no account exists at all and `allow_anonymous` is on, authentication is
 *    off and the name is taken as given (Mosquitto without a password file); otherwise the account
 *    must exist and the password match its bcrypt hash (PasswordChecks: a recent verification
 *    from the cache, else back-off per address and user name, then a bcrypt check on a worker
 *    thread within a bounded queue). A missing account costs one comparison with a dummy hash
 *    too, so timing does not say which user names exist. An account still holding a hash imported
 *    from Mosquitto is matched against it, and gets a bcrypt hash at that first login (HashUpgrade).
 * Refusals: bad credentials → CONNACK 0x86 (v3: 4); not allowed at all → 0x87 (v3: 5); in
 * back-off after failed logins → 0x9F Connection rate exceeded (v3: 3); the check queue full →
 * 0x89 Server busy (v3: 3).
 */
import type { AccessControl } from './access-control.js'
import type { PasswordChecks, PasswordVerdict } from './password-checks.js'
import { hashType, presentedPassword } from './passwords.js'

export interface AuthRequest {
  readonly address: string
  readonly username: string | undefined
  readonly password: Buffer | undefined
  /**
   * The listener takes the user name from the client certificate: its verified CN, or null when
   * the client has none. Undefined on other listeners.
   */
  readonly certificateUsername?: string | null
}

/**
 * Why an authentication failed, as counted (`mqttctl state`, `$SYS/broker/auth/failures/<reason>`):
 * a wrong or missing password of an existing account, a user name without an account, an address
 * an IP rule denies, a client without a user name while anonymous access is off, no verified
 * certificate CN on a `use_identity_as_username` listener, refused in back-off after failed
 * logins, refused with the password-check queue full.
 */
export const AUTH_FAILURES = ['bad_password', 'unknown_user', 'ip_denied', 'anonymous_refused', 'no_certificate', 'backoff', 'busy'] as const
export type AuthFailure = (typeof AUTH_FAILURES)[number]

export type AuthOutcome =
  | { ok: true; username: string | undefined }
  | { ok: false; refusal: 'bad_credentials' | 'not_authorized' | 'rate_limited' | 'busy'; failure: AuthFailure; detail: string }

/** A bcrypt hash of a random password: compared against when the account does not exist. */
const DUMMY_HASH = '$2b$10$NqwqpS92z7Dg52gErhSBZevLauoFjVIlNG/mQQ1tVTI3odmuBZy4y'

export function authenticate (access: AccessControl, passwords: PasswordChecks, allowAnonymous: boolean, req: AuthRequest): AuthOutcome | Promise<AuthOutcome> {
  const ip = access.checkIp(req.address)
  if (ip.verdict === 'deny') {
    ip.rule.hits++
    return { ok: false, refusal: 'not_authorized', failure: 'ip_denied', detail: `address ${req.address} denied by IP rule ${ip.rule.id} (${ip.rule.cidr.text})` }
  }
  if (ip.rule !== null) ip.rule.hits++

  if (req.certificateUsername !== undefined) {
    if (req.certificateUsername === null) return { ok: false, refusal: 'not_authorized', failure: 'no_certificate', detail: 'no verified client certificate with a CN' }
    return { ok: true, username: req.certificateUsername }
  }

  const username = req.username
  if (username === undefined) {
    if (allowAnonymous || ip.verdict === 'skip_auth') return { ok: true, username: undefined }
    return { ok: false, refusal: 'not_authorized', failure: 'anonymous_refused', detail: 'anonymous access is disabled' }
  }
  if (access.accountCount === 0 && allowAnonymous) return { ok: true, username }

  const account = access.account(username)
  const password = presentedPassword(req.password)
  const refusal = (exists: boolean): AuthOutcome =>
    ({ ok: false, refusal: 'bad_credentials', failure: exists ? 'bad_password' : 'unknown_user', detail: `bad user name or password for '${username}'` })
  if (password === null) return refusal(account !== undefined)
  const hash = account?.hash ?? DUMMY_HASH
  const decide = (result: PasswordVerdict): AuthOutcome => {
    if (result.verdict === 'rate_limited') return { ok: false, refusal: 'rate_limited', failure: 'backoff', detail: result.detail }
    if (result.verdict === 'busy') return { ok: false, refusal: 'busy', failure: 'busy', detail: result.detail }
    // the account may have been deleted or changed while the check ran: decide on what is there now
    const now = access.account(username)
    if (account === undefined || now === undefined) return refusal(false)
    if (result.verdict !== 'match' || now.hash !== account.hash) return refusal(true)
    if (hashType(account.hash) !== 'bcrypt') passwords.upgrade.start(access, username, password, account.hash)
    return { ok: true, username }
  }
  const result = passwords.check({ address: req.address, username, password, hash, accountExists: account !== undefined })
  return result instanceof Promise ? result.then(decide) : decide(result)
}
