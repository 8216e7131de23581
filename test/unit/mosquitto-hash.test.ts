/**
 * Mosquitto password hashes (src/auth/mosquitto-hash.ts, through verifyPasswordSync): vectors
 * written by mosquitto_passwd 2.0 (`$7$`, its default) and `-H sha512` (`$6$`), and the bounds.
 */
import { test, type TestContext } from 'node:test'
import { parseMosquittoHash } from '../../src/auth/mosquitto-hash.js'
import { hashProblem, hashType, verifyPasswordSync } from '../../src/auth/passwords.js'

const PBKDF2 = '$7$101$XWEXYFp0alPLBYLw$RJPuY4ktfB4NO70v2WUgF6F4wRsZlr0LIKrWkVf+1D0+M8elNyqMzw8WhoelJ9WiNjKX9EJFQ74uah35sD/bJA=='
const SHA512 = '$6$0ks+dnXkoLZz5uEL$L1c4BukOCRyuVLY0MhlsOCOAIYmPz+qyG1VZSqUXdzDNM3Vwdna3wJvPEHEJ7JJGsaUSnbBCKbXDVhaJWMsXhg=='

test('mosquitto_passwd hashes verify their password and nothing else', (t: TestContext) => {
  t.assert.equal(verifyPasswordSync('alice-pass', PBKDF2), true)
  t.assert.equal(verifyPasswordSync('alice-pasS', PBKDF2), false)
  t.assert.equal(verifyPasswordSync('alice-pass\u0000', PBKDF2), false)
  t.assert.equal(verifyPasswordSync('bob-pass', SHA512), true)
  t.assert.equal(verifyPasswordSync('bob-pass ', SHA512), false)
  t.assert.deepEqual([hashType(PBKDF2), hashType(SHA512), hashType('$2b$10$NqwqpS92z7Dg52gErhSBZevLauoFjVIlNG/mQQ1tVTI3odmuBZy4y')], ['pbkdf2-sha512', 'sha512', 'bcrypt'])
  t.assert.equal(parseMosquittoHash(PBKDF2)?.iterations, 101)
})

test('malformed or unbounded Mosquitto hashes are refused', (t: TestContext) => {
  const [, , , salt, digest] = PBKDF2.split('$')
  for (const bad of [
    `$7$0$${salt}$${digest}`, // no iterations
    `$7$2000000$${salt}$${digest}`, // past MAX_ITERATIONS
    `$7$101$${salt}$${digest.slice(0, 40)}`, // digest not 64 bytes
    `$7$101$$${digest}`, // no salt
    '$6$abc', 'alice-pass', '$5$abc$def',
  ]) {
    t.assert.equal(parseMosquittoHash(bad), null, bad)
    t.assert.notEqual(hashProblem(bad), null, bad)
  }
})
