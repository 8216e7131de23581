/**
 * Password rules shared by mqttctl (which hashes) and the broker (which verifies).
 *
 * bcrypt reads at most 72 bytes of a password: a longer one would match any password sharing its
 * first 72 bytes. So a password must be valid UTF-8 of 1 to 72 bytes, when it is set and when a
 * client presents it; every byte counts, an embedded NUL included (bcryptjs hashes the whole
 * string; a C `strlen` would stop there, which is how `alice-pass\0x` passes as `alice-pass` in some
 * brokers). Hashes are `$2a$`/`$2b$`/`$2y$` bcrypt strings; the cost is the broker's `bcrypt_cost`.
 * An account imported from a Mosquitto password file holds its `$6$`/`$7$` hash (mosquitto-hash.ts)
 * until its first login, which replaces it with a bcrypt hash of the same password.
 */
import { isUtf8 } from 'node:buffer'
import bcrypt from 'bcryptjs'
import { type MosquittoHashType, parseMosquittoHash, verifyMosquittoHash } from './mosquitto-hash.js'

export const MAX_PASSWORD_BYTES = 72
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/

/** Why `password` cannot be used, or null when it can. */
export function passwordProblem (password: string): string | null {
  const bytes = Buffer.byteLength(password, 'utf8')
  if (bytes === 0) return 'the password is empty'
  if (bytes > MAX_PASSWORD_BYTES) return `the password is ${bytes} bytes long; bcrypt uses at most ${MAX_PASSWORD_BYTES}`
  return null
}

/** The password a client sent in CONNECT as text, or null when no account could have it. */
export function presentedPassword (password: Buffer | undefined): string | null {
  if (password === undefined || password.length === 0 || password.length > MAX_PASSWORD_BYTES || !isUtf8(password)) return null
  return password.toString('utf8')
}

/** True for a bcrypt hash string; `costOf` reads its cost. */
export function isBcryptHash (hash: string): boolean {
  return BCRYPT_HASH.test(hash)
}

/** Why `hash` cannot be stored as an account's hash, or null when it can. */
export function hashProblem (hash: string): string | null {
  return hashType(hash) !== null ? null : 'the password hash is not a bcrypt hash ($2a$, $2b$ or $2y$) or a Mosquitto one ($6$, $7$)'
}

export type HashType = 'bcrypt' | MosquittoHashType

/** What kind of hash `hash` is, or null when none we verify. */
export function hashType (hash: string): HashType | null {
  if (isBcryptHash(hash)) return 'bcrypt'
  return parseMosquittoHash(hash)?.type ?? null
}

export function costOf (hash: string): number {
  const m = BCRYPT_HASH.exec(hash)
  return m === null ? 0 : Number(m[1])
}

/** A bcrypt hash of `password` (asynchronous: bcryptjs yields to the event loop between rounds). */
export function hashPassword (password: string, cost: number): Promise<string> {
  const problem = passwordProblem(password)
  if (problem !== null) return Promise.reject(new Error(problem))
  return bcrypt.hash(password, cost)
}

/** Compares on the calling thread: for mqttctl (`account test`) and the bcrypt worker. */
export function verifyPasswordSync (password: string, hash: string): boolean {
  const imported = parseMosquittoHash(hash)
  return imported === null ? bcrypt.compareSync(password, hash) : verifyMosquittoHash(password, imported)
}
