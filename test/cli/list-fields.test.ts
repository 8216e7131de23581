/**
 * The README promises that list fields are the JSON keys of a row: for every list command, each
 * key of a row its --json prints is accepted by --filter and by --sort (one run per command, all
 * keys at once), against a broker that has a row of each kind.
 */
import { test, type TestContext } from 'node:test'
import type { ListPage } from '../../src/cli/filter.js'
import { connect, startBroker } from '../helpers/broker.js'
import { mqttctl, mqttctlJson } from '../helpers/mqttctl.js'

test('every JSON key of a row is a --filter and --sort field of its list command', async (t: TestContext) => {
  const b = await startBroker(t)
  const socket = ['--socket', b.broker.controlSocketPath]
  const client = await connect(t, b.url, { clientId: 'c1', protocolVersion: 5 })
  await client.subscribeAsync('s/#', { qos: 1 })
  await client.publishAsync('r/1', 'kept', { qos: 1, retain: true })
  for (const args of [
    ['account', 'set', 'bob', '--password', 'secret-1'],
    ['acl', 'ip', 'allow', '10.0.0.0/8'],
    ['acl', 'rule', 'add', '--user', 'bob', '--topic', 'r/#', '--access', 'read'],
  ]) {
    const res = await mqttctl([...args, ...socket])
    t.assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`)
  }

  const lists = [['client', 'list'], ['subscription', 'list'], ['retained', 'list'], ['account', 'list'], ['acl', 'ip', 'list'], ['acl', 'rule', 'list']]
  await Promise.all(lists.map(async (list) => {
    const all = await mqttctlJson<ListPage<Record<string, unknown>>>([...list, ...socket])
    t.assert.equal(all.code, 0, all.stderr)
    const keys = Object.keys(all.json.items[0] ?? {})
    t.assert.ok(keys.length > 0, `${list.join(' ')} has a row`)
    const filters = keys.flatMap((k) => ['--filter', `${k}!=\u0001`]) // true of every row
    const res = await mqttctlJson<ListPage<Record<string, unknown>>>([...list, ...filters, '--sort', keys.join(','), ...socket])
    t.assert.equal(res.code, 0, `${list.join(' ')}: ${res.stdout} ${res.stderr}`)
    t.assert.equal(res.json.total, all.json.total, list.join(' '))
  }))
})
