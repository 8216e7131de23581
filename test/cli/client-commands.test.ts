/**
 * `mqttctl client list|show|kick` end to end: a real broker in this process, real mqtt.js clients,
 * and the real CLI spawned against the broker's control socket.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import type { ClientDetail, ClientSummary } from '../../src/control/schema.js'
import type { ListPage } from '../../src/cli/filter.js'
import { connect, startBroker } from '../helpers/broker.js'
import { mqttctl, mqttctlJson, type CliErrorJson } from '../helpers/mqttctl.js'
import { until } from '../helpers/messages.js'

type ClientPage = ListPage<ClientSummary>

/** A broker with three online clients (alice's publishes three messages) and one offline persistent session. */
async function brokerWithClients (t: TestContext) {
  const b = await startBroker(t)
  const socket = ['--socket', b.broker.controlSocketPath]
  const alice = await connect(t, b.url, { clientId: 'sensor-2', username: 'alice', protocolVersion: 5 })
  await connect(t, b.url, { clientId: 'sensor-10', protocolVersion: 5 })
  const other = await connect(t, b.url, { clientId: 'dash', protocolVersion: 4 })
  await other.subscribeAsync('sensors/#', { qos: 1 })
  for (let i = 0; i < 3; i++) await alice.publishAsync('sensors/t', String(i), { qos: 1 })
  const gone = await connect(t, b.url, { clientId: 'gone', clean: false, protocolVersion: 4 })
  await gone.subscribeAsync('x/#', { qos: 1 })
  await gone.endAsync()
  await until(() => b.broker.engine.sessions.get('gone')?.online === false, "'gone' is offline")
  return { ...b, socket }
}

test('client list: a table of every session, sorted by client id in natural order', async (t: TestContext) => {
  const { socket } = await brokerWithClients(t)
  const res = await mqttctl(['client', 'list', ...socket])
  t.assert.equal(res.code, 0, res.stderr)
  const lines = res.stdout.split('\n')
  t.assert.match(lines[1]!, /client_id.*user.*peer.*protocol.*state.*connected_at.*keepalive.*subscriptions.*inflight.*queued.*messages_in.*messages_out/)
  const ids = lines.slice(2).map((l) => /^│ (\S+)/.exec(l)?.[1]).filter((id) => id !== undefined)
  t.assert.deepEqual(ids, ['dash', 'gone', 'sensor-2', 'sensor-10'])
  t.assert.match(res.stdout, /sensor-2 +│ alice +│ 127\.0\.0\.1:\d+ +│ 5\.0 +│ online +│ \d+s ago +│ +\d+s │/)
  t.assert.match(res.stdout, /gone +│ - +│ - +│ 3\.1\.1 +│ offline +│ - /)
  t.assert.equal(res.stderr, '')
})

test('client list --json: {items, total, truncated}; --state filters on the broker', async (t: TestContext) => {
  const { socket } = await brokerWithClients(t)
  const [all, online, offline] = await Promise.all([
    mqttctlJson<ClientPage>(['client', 'list', ...socket]),
    mqttctlJson<ClientPage>(['client', 'list', '--state', 'online', ...socket]),
    mqttctlJson<ClientPage>(['client', 'list', '--state', 'offline', ...socket]),
  ])
  t.assert.equal(all.code, 0, all.stderr)
  t.assert.equal(all.json.total, 4)
  t.assert.equal(all.json.truncated, false)
  const alice = all.json.items.find((c) => c.client_id === 'sensor-2')!
  t.assert.equal(alice.user, 'alice')
  t.assert.equal(alice.messages_in, 3)
  t.assert.equal(alice.state, 'online')
  t.assert.deepEqual(online.json.items.map((c) => c.client_id), ['dash', 'sensor-2', 'sensor-10'])
  t.assert.deepEqual(offline.json.items.map((c) => [c.client_id, c.state, c.subscriptions]), [['gone', 'offline', 1]])
  t.assert.equal(offline.json.total, 1)
})

test('client list --filter: =, !=, ~regex, numeric >, several at once', async (t: TestContext) => {
  const { socket } = await brokerWithClients(t)
  const ids = async (...args: string[]): Promise<string[]> => {
    const res = await mqttctlJson<ClientPage>(['client', 'list', ...args, ...socket])
    t.assert.equal(res.code, 0, res.stderr)
    return res.json.items.map((c) => c.client_id)
  }
  const [byUser, noUser, byRegex, notRegex, busy, both] = await Promise.all([
    ids('--filter', 'user=alice'),
    ids('--filter', 'user=', '--filter', 'state!=offline'),
    ids('--filter', 'client_id~^sensor-'),
    ids('--filter', 'client_id!~^sensor-'),
    ids('--filter', 'messages_in>0'),
    ids('--filter', 'protocol=5.0', '--filter', 'subscriptions<1'),
  ])
  t.assert.deepEqual(byUser, ['sensor-2'])
  t.assert.deepEqual(noUser, ['dash', 'sensor-10'])
  t.assert.deepEqual(byRegex, ['sensor-2', 'sensor-10'])
  t.assert.deepEqual(notRegex, ['dash', 'gone'])
  t.assert.deepEqual(busy, ['sensor-2'])
  t.assert.deepEqual(both, ['sensor-2', 'sensor-10'])
})

test('client list --sort: -FIELD descending (also FIELD:desc, and -c… is not taken for -c/--config)', async (t: TestContext) => {
  const { socket } = await brokerWithClients(t)
  const [byMsgs, byIdDesc, byIdEq, byColon] = await Promise.all([
    mqttctlJson<ClientPage>(['client', 'list', '--sort', '-messages_in,client_id', ...socket]),
    mqttctlJson<ClientPage>(['client', 'list', '--sort', '-client_id', ...socket]),
    mqttctlJson<ClientPage>(['client', 'list', '--sort=-client_id', ...socket]),
    mqttctlJson<ClientPage>(['client', 'list', '--sort', 'client_id:desc', ...socket]),
  ])
  t.assert.deepEqual(byMsgs.json.items.map((c) => c.client_id), ['sensor-2', 'dash', 'gone', 'sensor-10'])
  for (const res of [byIdDesc, byIdEq, byColon]) {
    t.assert.equal(res.code, 0, res.stderr)
    t.assert.deepEqual(res.json.items.map((c) => c.client_id), ['sensor-10', 'sensor-2', 'gone', 'dash'])
  }
})

test('client list --limit: an honest "showing N of M" on stderr; JSON says truncated', async (t: TestContext) => {
  const { socket } = await brokerWithClients(t)
  const [human, json, all] = await Promise.all([
    mqttctl(['client', 'list', '--limit', '2', ...socket]),
    mqttctlJson<ClientPage>(['client', 'list', '--limit', '2', '--filter', 'state=online', ...socket]),
    mqttctlJson<ClientPage>(['client', 'list', '--limit', '0', ...socket]),
  ])
  t.assert.equal(human.code, 0, human.stderr)
  t.assert.match(human.stderr, /^showing 2 of 4 clients/)
  t.assert.doesNotMatch(human.stdout, /showing/)
  t.assert.doesNotMatch(human.stdout, /sensor-2/)
  t.assert.deepEqual(json.json.items.map((c) => c.client_id), ['dash', 'sensor-2'])
  t.assert.equal(json.json.total, 3)
  t.assert.equal(json.json.truncated, true)
  t.assert.equal(json.stderr, '')
  t.assert.equal(all.json.items.length, 4)
  t.assert.equal(all.json.truncated, false)
})

test('client list: a bad --filter or --sort, or an unknown --state, is a usage error (64)', async (t: TestContext) => {
  const { socket } = await startBroker(t).then((b) => ({ socket: ['--socket', b.broker.controlSocketPath] }))
  const results = await Promise.all([
    mqttctl(['client', 'list', '--filter', 'nosuchfield=1', ...socket]),
    mqttctl(['client', 'list', '--filter', 'just-text', ...socket]),
    mqttctl(['client', 'list', '--filter', 'client_id~(', ...socket]),
    mqttctl(['client', 'list', '--sort', 'nope', ...socket]),
    mqttctl(['client', 'list', '--state', 'sleeping', ...socket]),
  ])
  for (const res of results) t.assert.equal(res.code, 64, res.stderr)
  t.assert.match(results[0]!.stderr, /unknown field 'nosuchfield'/)
  t.assert.match(results[0]!.stderr, /client_id, user, peer/)
  t.assert.match(results[2]!.stderr, /not a valid regular expression/)
  const json = await mqttctlJson<CliErrorJson>(['client', 'list', '--sort', 'nope', ...socket])
  t.assert.deepEqual([json.code, json.json.error.code, json.json.error.exitCode], [64, 'USAGE', 64])
})

test('client show: fields and the subscriptions table; --json is the ClientDetail', async (t: TestContext) => {
  const { socket } = await brokerWithClients(t)
  const [human, json] = await Promise.all([
    mqttctl(['client', 'show', 'dash', ...socket]),
    mqttctlJson<ClientDetail>(['client', 'show', 'gone', ...socket]),
  ])
  t.assert.equal(human.code, 0, human.stderr)
  t.assert.match(human.stdout, /^client_id +dash$/m)
  t.assert.match(human.stdout, /^state +online$/m)
  t.assert.match(human.stdout, /^protocol +MQTT 3\.1\.1$/m)
  t.assert.match(human.stdout, /subscriptions \(1\):/)
  t.assert.match(human.stdout, /│ sensors\/# +│ +1 │ no/)
  t.assert.equal(json.code, 0, json.stderr)
  t.assert.equal(json.json.state, 'offline')
  t.assert.equal(json.json.clean, false)
  t.assert.deepEqual(json.json.subscriptions_list.map((s) => [s.filter, s.qos]), [['x/#', 1]])
})

test('client show and client kick of an unknown client id exit 65 (NOT_FOUND)', async (t: TestContext) => {
  const { broker } = await startBroker(t)
  const socket = ['--socket', broker.controlSocketPath]
  const [show, kick, showJson] = await Promise.all([
    mqttctl(['client', 'show', 'nobody', ...socket]),
    mqttctl(['client', 'kick', 'nobody', ...socket]),
    mqttctlJson<CliErrorJson>(['client', 'show', 'nobody', ...socket]),
  ])
  t.assert.equal(show.code, 65)
  t.assert.match(show.stderr, /no session for client id 'nobody'/)
  t.assert.equal(show.stdout, '')
  t.assert.equal(kick.code, 65)
  t.assert.equal(showJson.code, 65)
  t.assert.deepEqual(showJson.json.error, { code: 'NOT_FOUND', message: "no session for client id 'nobody'", exitCode: 65 })
})

test('client kick: disconnects (v5 reason 0x98), says when the client was offline, --discard-session ends the session', async (t: TestContext) => {
  const { broker, url } = await startBroker(t)
  const socket = ['--socket', broker.controlSocketPath]
  const victim = await connect(t, url, { clientId: 'victim', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 } })
  const disconnected = new Promise<number | undefined>((resolve) => { victim.once('disconnect', (p) => { resolve(p.reasonCode) }) })

  const kicked = await mqttctl(['client', 'kick', 'victim', ...socket])
  t.assert.equal(kicked.code, 0, kicked.stderr)
  t.assert.equal(kicked.stdout, 'kicked victim\n')
  t.assert.equal(await disconnected, 0x98)
  t.assert.equal(broker.engine.sessions.get('victim')?.online, false, 'the persistent session stays')

  const again = await mqttctl(['client', 'kick', 'victim', ...socket])
  t.assert.equal(again.code, 0, again.stderr)
  t.assert.equal(again.stdout, 'victim was offline\n')

  const discard = await mqttctlJson<{ client_id: string; kicked: boolean; session_discarded: boolean; node: string }>(['client', 'kick', 'victim', '--discard-session', ...socket])
  t.assert.equal(discard.code, 0, discard.stderr)
  t.assert.deepEqual(discard.json, { client_id: 'victim', kicked: false, session_discarded: true, node: broker.config.node_name })
  t.assert.equal(broker.engine.sessions.get('victim'), undefined)
})

test('no broker on the socket: every client command exits 69 (UNAVAILABLE)', async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'mqttctl-none-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const socket = ['--socket', join(dir, 'missing', 'mqttctl.sock')]
  const results = await Promise.all([
    mqttctl(['client', 'list', ...socket]),
    mqttctl(['client', 'show', 'x', ...socket]),
    mqttctl(['client', 'kick', 'x', ...socket]),
  ])
  for (const res of results) {
    t.assert.equal(res.code, 69, res.stderr)
    t.assert.match(res.stderr, /no broker is running/)
  }
  const json = await mqttctlJson<CliErrorJson>(['client', 'list', ...socket])
  t.assert.deepEqual([json.code, json.json.error.code], [69, 'UNAVAILABLE'])
})

test('a usage error under --json exits 64 with the error as JSON', async (t: TestContext) => {
  const res = await mqttctl(['state', '--no-such-flag', '--json'])
  t.assert.equal(res.code, 64)
  t.assert.match(JSON.parse(res.stdout).error.message, /no-such-flag/)
})

test('dropped deliveries: client list --filter queue_dropped>0 finds the session, client show says how many', async (t: TestContext) => {
  const b = await startBroker(t, { max_queued_messages: 2 })
  const socket = ['--socket', b.broker.controlSocketPath]
  const away = await connect(t, b.url, { clientId: 'away', clean: false, protocolVersion: 4 })
  await away.subscribeAsync('q/#', { qos: 1 })
  await away.endAsync()
  await until(() => b.broker.engine.sessions.get('away')?.online === false, "'away' is offline")
  await connect(t, b.url, { clientId: 'idle', protocolVersion: 4 })
  const publisher = await connect(t, b.url, { clientId: 'pub', protocolVersion: 5 })
  for (let i = 0; i < 5; i++) await publisher.publishAsync('q/1', String(i), { qos: 1 }) // 2 queued, 3 dropped

  const [dropping, show] = await Promise.all([
    mqttctlJson<ClientPage>(['client', 'list', '--filter', 'queue_dropped>0', '--sort', '-queued_bytes', ...socket]),
    mqttctl(['client', 'show', 'away', ...socket]),
  ])
  t.assert.equal(dropping.code, 0, dropping.stderr)
  t.assert.deepEqual(dropping.json.items.map((c) => [c.client_id, c.queued, c.queue_dropped]), [['away', 2, 3]])
  t.assert.equal(show.code, 0, show.stderr)
  t.assert.match(show.stdout, /^dropped +3 queue full, 0 QoS 0 not read in time$/m)
})
