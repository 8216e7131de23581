/**
 * `mqttctl subscription list`, `retained list` and `retained clear` end to end: a real broker in
 * this process, real mqtt.js clients, the real CLI spawned with stdin a pipe (never a TTY).
 */
import { test, type TestContext } from 'node:test'
import type { RetainedSummary, State, SubscriptionSummary } from '../../src/control/schema.js'
import type { ListPage } from '../../src/cli/filter.js'
import { connect, startBroker } from '../helpers/broker.js'
import { until } from '../helpers/messages.js'
import { mqttctl, mqttctlJson, type CliErrorJson } from '../helpers/mqttctl.js'

test('subscription list: every subscription, --client, --match (who would receive a topic)', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const socket = ['--socket', broker.controlSocketPath]
  const a = await connect(t, url, { clientId: 'a', protocolVersion: 5 })
  await a.subscribeAsync('home/+/temp', { qos: 1, nl: true, rap: true, rh: 2, properties: { subscriptionIdentifier: 7 } })
  await a.subscribeAsync('office/#', { qos: 0 })
  const b = await connect(t, url, { clientId: 'b', protocolVersion: 5 })
  await b.subscribeAsync('$share/workers/home/#', { qos: 2 })

  const [human, all, ofA, match] = await Promise.all([
    mqttctl(['subscription', 'list', ...socket]),
    mqttctlJson<ListPage<SubscriptionSummary>>(['subscription', 'list', ...socket]),
    mqttctlJson<ListPage<SubscriptionSummary>>(['subscription', 'list', '--client', 'a', ...socket]),
    mqttctlJson<ListPage<SubscriptionSummary>>(['subscription', 'list', '--match', 'home/kitchen/temp', ...socket]),
  ])
  t.assert.equal(human.code, 0, human.stderr)
  t.assert.match(human.stdout, /client_id.*filter.*qos.*no_local.*rap.*rh.*share_group.*sub_id/)
  t.assert.match(human.stdout, /│ a +│ home\/\+\/temp +│ +1 │ yes +│ yes │ +2 │ - +│ +7 │/)
  t.assert.match(human.stdout, /│ b +│ \$share\/workers\/home\/# +│ +2 │ no +│ no +│ +0 │ workers +│ +- │/)
  t.assert.equal(all.json.total, 3)
  t.assert.deepEqual(all.json.items.map((s) => [s.client_id, s.filter]), [['a', 'home/+/temp'], ['a', 'office/#'], ['b', '$share/workers/home/#']])
  t.assert.deepEqual(ofA.json.items.map((s) => s.filter), ['home/+/temp', 'office/#'])
  t.assert.deepEqual(match.json.items.map((s) => [s.client_id, s.filter, s.share_group]), [['a', 'home/+/temp', null], ['b', '$share/workers/home/#', 'workers']])
})

test('subscription list: --filter/--sort on its fields; a wildcard --match or unknown --client exits 65', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const socket = ['--socket', broker.controlSocketPath]
  const a = await connect(t, url, { clientId: 'a' })
  await a.subscribeAsync({ 'q/0': { qos: 0 }, 'q/1': { qos: 1 }, 'q/2': { qos: 2 } })
  const [filtered, wildcard, unknown, none] = await Promise.all([
    mqttctlJson<ListPage<SubscriptionSummary>>(['subscription', 'list', '--filter', 'qos>=1', '--sort', '-qos', ...socket]),
    mqttctl(['subscription', 'list', '--match', 'q/#', ...socket]),
    mqttctlJson<CliErrorJson>(['subscription', 'list', '--client', 'nobody', ...socket]),
    mqttctl(['subscription', 'list', '--match', 'nothing/here', ...socket]),
  ])
  t.assert.deepEqual(filtered.json.items.map((s) => s.filter), ['q/2', 'q/1'])
  t.assert.equal(wildcard.code, 65)
  t.assert.match(wildcard.stderr, /not a valid topic name/)
  t.assert.deepEqual([unknown.code, unknown.json.error.code], [65, 'NOT_FOUND'])
  t.assert.equal(none.code, 0)
  t.assert.equal(none.stdout, '')
  t.assert.match(none.stderr, /no subscription matches nothing\/here/)
})

/** A broker holding three retained messages, one with a message expiry. */
async function brokerWithRetained (t: TestContext) {
  const b = await startBroker(t)
  const pub = await connect(t, b.url, { protocolVersion: 5 })
  await pub.publishAsync('r/a', 'one', { qos: 1, retain: true })
  await pub.publishAsync('r/b', Buffer.from([0, 1, 0x41]), { qos: 1, retain: true, properties: { messageExpiryInterval: 600 } })
  await pub.publishAsync('x/c', 'three', { qos: 0, retain: true })
  await pub.publishAsync('$flush', '', { qos: 1 }) // the QoS 0 publish above has been handled once this is acked
  return { ...b, socket: ['--socket', b.broker.controlSocketPath] }
}

test('retained list: topic, qos, size, preview, received, expires; --topic narrows', async (t: TestContext) => {
  const { socket } = await brokerWithRetained(t)
  const [human, json, narrowed, bad] = await Promise.all([
    mqttctl(['retained', 'list', ...socket]),
    mqttctlJson<ListPage<RetainedSummary>>(['retained', 'list', ...socket]),
    mqttctlJson<ListPage<RetainedSummary>>(['retained', 'list', '--topic', 'r/#', '--sort', '-size', ...socket]),
    mqttctl(['retained', 'list', '--topic', 'a/#/b', ...socket]),
  ])
  t.assert.equal(human.code, 0, human.stderr)
  t.assert.match(human.stdout, /topic.*qos.*size.*preview.*received.*expires/)
  t.assert.match(human.stdout, /│ r\/a +│ +1 │ +3 B │ one +│ \d+s ago +│ never +│/)
  t.assert.match(human.stdout, /│ r\/b +│ +1 │ +3 B │ \.\.A +│ \d+s ago +│ in (9m|10m)\S* +│/)
  t.assert.deepEqual(json.json.items.map((r) => [r.topic, r.qos, r.size]), [['r/a', 1, 3], ['r/b', 1, 3], ['x/c', 0, 5]])
  t.assert.equal(json.json.total, 3)
  t.assert.equal(typeof json.json.items[1]!.expires_at, 'string')
  t.assert.deepEqual(narrowed.json.items.map((r) => r.topic), ['r/a', 'r/b'])
  t.assert.equal(bad.code, 65)
})

test('retained clear without a terminal and without --yes refuses (64) and clears nothing', async (t: TestContext) => {
  const { broker, socket } = await brokerWithRetained(t)
  const [plain, json] = await Promise.all([
    mqttctl(['retained', 'clear', 'r/#', ...socket]),
    mqttctlJson<CliErrorJson>(['retained', 'clear', 'r/#', ...socket]),
  ])
  t.assert.equal(plain.code, 64)
  t.assert.match(plain.stderr, /refusing to clear 2 retained messages matching r\/#/)
  t.assert.match(plain.stderr, /pass --yes/)
  t.assert.equal(plain.stdout, '')
  t.assert.equal(json.code, 64)
  t.assert.equal(json.json.error.code, 'CONFIRMATION_REQUIRED')
  t.assert.equal(broker.engine.retained.size, 3)
})

test('retained clear --dry-run counts; --yes / -y clears and says how many', async (t: TestContext) => {
  const { broker, socket } = await brokerWithRetained(t)
  const dry = await mqttctlJson<{ filter: string; matched: number; cleared: number }>(['retained', 'clear', 'r/#', '--dry-run', ...socket])
  t.assert.deepEqual(dry.json, { filter: 'r/#', matched: 2, cleared: 0 })
  t.assert.equal(broker.engine.retained.size, 3)

  const yes = await mqttctl(['retained', 'clear', 'r/#', '--yes', ...socket])
  t.assert.equal(yes.code, 0, yes.stderr)
  t.assert.equal(yes.stdout, 'cleared 2 retained messages\n')
  t.assert.equal(broker.engine.retained.size, 1)

  const json = await mqttctlJson<{ filter: string; matched: number; cleared: number }>(['retained', 'clear', '#', '-y', ...socket])
  t.assert.equal(json.code, 0, json.stderr)
  t.assert.deepEqual(json.json, { filter: '#', matched: 1, cleared: 1 })
  t.assert.equal(broker.engine.retained.size, 0)

  const invalid = await mqttctl(['retained', 'clear', 'a/#/b', '--yes', ...socket])
  t.assert.equal(invalid.code, 65)
})

test("state and retained list count the same retained messages; the broker's $SYS values apart", async (t: TestContext) => {
  const b = await startBroker(t, { sys_interval: 1 })
  const socket = ['--socket', b.broker.controlSocketPath]
  const client = await connect(t, b.url)
  for (const topic of ['a/1', 'a/2', 'b']) await client.publishAsync(topic, 'v', { qos: 1, retain: true })
  await until(() => b.broker.engine.retained.size > 3, 'the $SYS tree is published', 5000)
  const [state, list, sys, human] = await Promise.all([
    mqttctlJson<State>(['state', ...socket]),
    mqttctlJson<ListPage<RetainedSummary>>(['retained', 'list', ...socket]),
    mqttctlJson<ListPage<RetainedSummary>>(['retained', 'list', '--topic', '$SYS/#', '--limit', '0', ...socket]),
    mqttctl(['state', ...socket]),
  ])
  t.assert.equal(state.json.retained.count, 3)
  t.assert.equal(list.json.total, 3)
  t.assert.ok(state.json.retained.sys > 0)
  t.assert.equal(sys.json.total, state.json.retained.sys)
  t.assert.match(human.stdout, new RegExp(`^retained +3 \\(what retained list shows\\), and ${state.json.retained.sys} \\$SYS values of the broker$`, 'm'))
})
