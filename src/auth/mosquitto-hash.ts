/**
 * Password hashes of Mosquitto's password files, as `mosquitto_passwd` writes them, kept on
 * imported accounts until their first login (src/auth/hash-upgrade.ts then stores a bcrypt hash):
 *
 *   $6$<salt>$<hash>               mosquitto_passwd 1.x (`-H sha512`): SHA-512(password ‖ salt)
 *   $7$<iterations>$<salt>$<hash>  mosquitto_passwd 2.x (default): PBKDF2-HMAC-SHA-512, 64 bytes
 *
 * Salt and hash are standard base64; the password is its UTF-8 bytes. Comparison is constant-time.
 */
import { createHash, pbkdf2Sync, timingSafeEqual } from 'node:crypto'

export type MosquittoHashType = 'sha512' | 'pbkdf2-sha512'

export interface MosquittoHash {
  type: MosquittoHashType
  iterations: number
  salt: Buffer
  hash: Buffer
}

/** PBKDF2 iterations accepted: Mosquitto writes 101; far more would let one login hold a worker for seconds. */
export const MAX_ITERATIONS = 1_000_000

const B64 = '[A-Za-z0-9+/]+={0,2}'
const SHA512 = new RegExp(`^\\$6\\$(${B64})\\$(${B64})$`)
const PBKDF2 = new RegExp(`^\\$7\\$(\\d{1,7})\\$(${B64})\\$(${B64})$`)
const DIGEST_BYTES = 64

/** The parts of a Mosquitto hash, or null when `text` is none (or out of bounds). */
export function parseMosquittoHash (text: string): MosquittoHash | null {
  let m = SHA512.exec(text)
  if (m !== null) return parts('sha512', 1, m[1], m[2])
  m = PBKDF2.exec(text)
  if (m === null) return null
  const iterations = Number(m[1])
  if (iterations < 1 || iterations > MAX_ITERATIONS) return null
  return parts('pbkdf2-sha512', iterations, m[2], m[3])
}

function parts (type: MosquittoHashType, iterations: number, salt: string, hash: string): MosquittoHash | null {
  const digest = Buffer.from(hash, 'base64')
  const saltBytes = Buffer.from(salt, 'base64')
  if (digest.length !== DIGEST_BYTES || saltBytes.length === 0) return null
  return { type, iterations, salt: saltBytes, hash: digest }
}

/**
 * A password with a NUL byte never matches: Mosquitto's passwords are C strings, so none has one,
 * and HMAC (PBKDF2) would take `pass\0` for `pass` (it pads its key with zero bytes).
 */
export function verifyMosquittoHash (password: string, h: MosquittoHash): boolean {
  const bytes = Buffer.from(password, 'utf8')
  if (bytes.includes(0)) return false
  const digest = h.type === 'sha512'
    ? createHash('sha512').update(bytes).update(h.salt).digest()
    : pbkdf2Sync(bytes, h.salt, h.iterations, DIGEST_BYTES, 'sha512')
  return timingSafeEqual(digest, h.hash)
}
