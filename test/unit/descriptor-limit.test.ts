/** The default max_connections rule (src/host/descriptor-limit.ts). */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { descriptorLimit, maxConnectionsFor, parseLimitsFile } from '../../src/host/descriptor-limit.js'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            256                  4096                 files
`

test('the soft "Max open files" of /proc/self/limits is the limit; unlimited is none', (t: TestContext) => {
  t.assert.equal(parseLimitsFile(LIMITS), 256)
  t.assert.equal(parseLimitsFile(LIMITS.replace('256 ', 'unlimited ')), null)
  t.assert.equal(parseLimitsFile('nothing here'), null)
})

test('max_connections: the limit minus 64 + limit/16 (rounded up), at least 1; no limit when unlimited', (t: TestContext) => {
  t.assert.equal(maxConnectionsFor(256), 176)
  t.assert.equal(maxConnectionsFor(1024), 896)
  t.assert.equal(maxConnectionsFor(1000), 1000 - 64 - 63)
  t.assert.equal(maxConnectionsFor(65_536), 65_536 - 64 - 4096)
  t.assert.equal(maxConnectionsFor(40), 1)
  t.assert.equal(maxConnectionsFor(null), 0)
})

test('this process has a readable limit', { skip: process.platform === 'win32' }, (t: TestContext) => {
  const limit = descriptorLimit()
  t.assert.ok(limit === null || limit > 0)
})
