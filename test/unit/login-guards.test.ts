/** LoginBackoff and LoginCache (src/auth) on their own, with a clock the test sets. */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { LoginBackoff } from '../../src/auth/login-backoff.js'
import { LoginCache } from '../../src/auth/login-cache.js'

function failTimes (b: LoginBackoff, address: string, username: string, n: number, now: number): void {
  for (let i = 0; i < n; i++) {
    b.checking(address, username)
    b.settled(address, username, false, now)
  }
}

test('back-off: 1 s after the threshold, doubling, capped, one check at a time after the delay, forgotten after the max', (t: TestContext) => {
  const b = new LoginBackoff(() => 3, () => 10)
  failTimes(b, '10.0.0.1', 'alice', 2, 0)
  t.assert.equal(b.refusal('10.0.0.1', 'alice', 0), null, 'under the threshold')
  failTimes(b, '10.0.0.1', 'alice', 1, 0)
  t.assert.deepEqual(b.refusal('10.0.0.1', 'bob', 500), { key: 'address', retryAfter: 1 })
  t.assert.deepEqual(b.refusal('10.0.0.2', 'alice', 500), { key: 'user', retryAfter: 1 })
  t.assert.equal(b.refusal('10.0.0.2', 'bob', 500), null)
  t.assert.equal(b.refusal('10.0.0.1', 'bob', 1000), null, 'the delay is over')
  b.checking('10.0.0.1', 'bob')
  t.assert.deepEqual(b.refusal('10.0.0.1', 'carol', 1000), { key: 'address', retryAfter: 1 }, 'one check at a time')
  b.settled('10.0.0.1', 'bob', false, 1000)
  t.assert.deepEqual(b.refusal('10.0.0.1', 'carol', 1000), { key: 'address', retryAfter: 2 }, 'doubled')
  failTimes(b, '10.0.0.1', 'carol', 10, 1000)
  t.assert.deepEqual(b.refusal('10.0.0.1', 'carol', 1000), { key: 'address', retryAfter: 10 }, 'capped at the max')
  t.assert.equal(b.refusal('10.0.0.1', 'carol', 11_001), null, 'forgotten after a quiet max')
})

test('back-off: a success clears address and user name; busy refusals count for the address; IPv6 counts per /64', (t: TestContext) => {
  const b = new LoginBackoff(() => 2, () => 60)
  failTimes(b, '10.0.0.1', 'alice', 2, 0)
  b.checking('10.0.0.3', 'alice') // a check that was under way, and succeeds
  b.settled('10.0.0.1', 'alice', true, 0)
  t.assert.equal(b.refusal('10.0.0.1', 'alice', 0), null)
  t.assert.equal(b.refusedBusy('10.0.0.5', 0), false)
  t.assert.equal(b.refusedBusy('10.0.0.5', 0), true)
  t.assert.equal(b.refusal('10.0.0.5', 'zed', 0)?.key, 'address')
  failTimes(b, '2001:db8:1:2::7', 'u1', 1, 0)
  failTimes(b, '2001:db8:1:2:ffff::1', 'u2', 1, 0)
  t.assert.equal(b.refusal('2001:db8:1:2::99', 'u3', 0)?.key, 'address', 'same /64')
  t.assert.equal(b.refusal('2001:db8:1:3::7', 'u3', 0), null, 'another /64')
  t.assert.equal(new LoginBackoff(() => 0, () => 60).refusal('10.0.0.1', 'x', 0), null, '0 disables it')
})

test('cache: same user, password and hash within the TTL; bounded; forget; another hash is a miss', (t: TestContext) => {
  let size = 2
  const c = new LoginCache(() => size, () => 10)
  c.add('alice', 'pw', 'H1', 0)
  t.assert.ok(c.has('alice', 'pw', 'H1', 9_999))
  t.assert.ok(!c.has('alice', 'pw', 'H1', 10_000), 'expired')
  c.add('alice', 'pw', 'H1', 0)
  t.assert.ok(!c.has('alice', 'pw', 'H2', 0), 'the account has another hash now')
  t.assert.ok(!c.has('alice', 'pw', 'H1', 0), 'and the entry is gone')
  c.add('alice', 'pw', 'H1', 0)
  t.assert.ok(!c.has('alic', 'epw', 'H1', 0), 'user and password do not run into each other')
  t.assert.ok(c.has('alice', 'pw', 'H1', 0))
  c.add('a', 'x', 'H', 0)
  c.add('b', 'x', 'H', 0)
  c.add('c', 'x', 'H', 0)
  t.assert.equal(c.count, 2, 'bounded')
  t.assert.ok(!c.has('a', 'x', 'H', 0), 'the oldest went first')
  c.forget('b')
  t.assert.ok(!c.has('b', 'x', 'H', 0))
  t.assert.ok(c.has('c', 'x', 'H', 0))
  size = 0
  t.assert.ok(!c.has('c', 'x', 'H', 0), 'size 0 turns it off')
})
