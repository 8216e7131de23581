/**
 * HashUpgrade: an account imported with a Mosquitto hash (`$6$`, `$7$`) gets a bcrypt hash of the
 * same password at its first successful login, so that passwords rest as bcrypt after first use.
 * The client is let in at once; the bcrypt hash (at `bcrypt_cost`) is made afterwards on a worker
 * thread of the BcryptPool (never on the event loop that serves clients) and stored
 * only if the account still holds the hash that was matched (a password changed meanwhile wins).
 * One upgrade per user at a time.
 */
import type { Logger } from '../log.js'
import type { AccessControl } from './access-control.js'
import type { BcryptPool } from './bcrypt-pool.js'

export class HashUpgrade {
  private readonly running = new Set<string>()

  constructor (private readonly pool: BcryptPool, private readonly cost: () => number, private readonly log: Logger) {}

  /** Starts the upgrade of `username`, whose `imported` hash `password` just matched. */
  start (access: AccessControl, username: string, password: string, imported: string): void {
    if (this.running.has(username)) return
    this.running.add(username)
    this.pool.hash(password, this.cost())
      .then((hash) => access.replaceHash(username, imported, hash))
      .then((replaced) => { if (replaced) this.log.info({ user: username }, 'imported password hash replaced by bcrypt at first login') },
        (err: unknown) => { this.log.warn({ user: username, err }, 'imported password hash not replaced: it is tried again at the next login') })
      .finally(() => { this.running.delete(username) })
  }
}
