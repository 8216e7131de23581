import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { SysWatch, compileSysFilter, screenLines } from '../../src/cli/sys-view.js'
import { parseConfig } from '../../src/config/schema.js'

const KEYS = ['version', 'uptime', 'clients/connected', 'clients/total', 'heap/current', 'retained messages/count',
  'load/messages/received/1min', 'load/messages/sent/5min', 'load/bytes/received/1min', 'load/sockets/15min']

function select (...patterns: string[]): string[] {
  const keep = compileSysFilter(patterns)
  return KEYS.filter(keep)
}

test('--filter globs: * within a level, # and ** for any depth, a matched level selects its subtree', (t: TestContext) => {
  t.assert.deepEqual(select(), KEYS)
  t.assert.deepEqual(select('clients/*'), ['clients/connected', 'clients/total'])
  t.assert.deepEqual(select('clients'), ['clients/connected', 'clients/total'])
  t.assert.deepEqual(select('clients/#'), ['clients/connected', 'clients/total'])
  t.assert.deepEqual(select('load/*'), KEYS.filter((k) => k.startsWith('load/')))
  t.assert.deepEqual(select('load/*/received/*'), ['load/messages/received/1min', 'load/bytes/received/1min'])
  t.assert.deepEqual(select('**/1min'), ['load/messages/received/1min', 'load/bytes/received/1min'])
  t.assert.deepEqual(select('load/#/15min'), ['load/sockets/15min'])
  t.assert.deepEqual(select('#'), KEYS)
  t.assert.deepEqual(select('heap/c*', 'version'), ['version', 'heap/current'])
  t.assert.deepEqual(select('retained messages/*'), ['retained messages/count'])
  t.assert.deepEqual(select('client'), [], 'a level matches whole, not as a prefix')
  t.assert.deepEqual(select('load.*'), [], 'regular expression characters are literal')
})

test('SysWatch: change per second for numbers, none on the first snapshot', (t: TestContext) => {
  const watch = new SysWatch(compileSysFilter(['clients/*', 'version']))
  const first = watch.next({ ts: '2024-01-01T00:00:00.000Z', values: { version: 'v', 'clients/connected': 10, uptime: 5 } })
  t.assert.deepEqual(first, { ts: '2024-01-01T00:00:00.000Z', values: { version: 'v', 'clients/connected': 10 }, rates: {} })
  const second = watch.next({ ts: '2024-01-01T00:00:02.000Z', values: { version: 'v', 'clients/connected': 15, uptime: 7 } })
  t.assert.deepEqual(second.rates, { 'clients/connected': 2.5 })
})

test('screenLines counts wrapped rows, ignoring colour codes', (t: TestContext) => {
  t.assert.equal(screenLines('ab\n\x1b[1mcdef\x1b[22m', 80), 2)
  t.assert.equal(screenLines('abcdefghij\nx', 4), 4)
  t.assert.equal(screenLines('abc', undefined), 1)
})

test('sys_interval: seconds, default 10, 0 disables, whole numbers up to a day', (t: TestContext) => {
  t.assert.equal(parseConfig({}).sys_interval, 10)
  t.assert.equal(parseConfig({ sys_interval: 0 }).sys_interval, 0)
  for (const bad of [-1, 1.5, '10', 86_401]) {
    t.assert.throws(() => parseConfig({ sys_interval: bad }), /sys_interval: must be an integer between 0 and 86400/)
  }
})
