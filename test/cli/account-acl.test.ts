/**
 * `mqttctl account …` and `mqttctl acl …` end to end: the real CLI spawned against a temp data dir,
 * first with no broker (offline provisioning straight on the data dir), then against a daemon
 * started by `mqttctl start` with `allow_anonymous: false`, checked with real mqtt.js clients.
 * Passwords go in through `--password-stdin`, written to the child's stdin (stdin is a pipe, never
 * a TTY, so prompts are never possible here). No sleeps: events are awaited with timeouts.
 */
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import type { AccountSummary, AuthChange, IpRuleSummary, Methods, TopicRuleSummary } from '../../src/control/schema.js'
import type { ListPage } from '../../src/cli/filter.js'
import { mqttctl as cli, mqttctlJson as cliJson } from '../helpers/mqttctl.js'
import { startDaemon, testDir, type TestDir } from './harness.js'

interface ErrorJson { error: { code: string; message: string; exitCode: number } }

/** The fixture's broker config: anonymous clients refused. */
async function startFixtureBroker (dir: TestDir): Promise<number> {
  const config = join(dir.root, 'broker.yaml')
  await writeFile(config, 'allow_anonymous: false\n')
  const started = await startDaemon(dir, ['--config', config])
  return started.listeners[0].port
}

/** Connects (no reconnects): the client, or the CONNACK reason code of a refusal. */
async function tryConnect (t: TestContext, port: number, opts: IClientOptions): Promise<{ client: MqttClient } | { refused: number }> {
  try {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 5, ...opts }, false)
    t.after(() => client.endAsync(true))
    return { client }
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (typeof code !== 'number') throw err
    return { refused: code }
  }
}

async function connectOk (t: TestContext, port: number, opts: IClientOptions): Promise<MqttClient> {
  const res = await tryConnect(t, port, opts)
  if (!('client' in res)) throw new Error(`connection refused with ${res.refused}`)
  return res.client
}

/** The reason code of the next DISCONNECT the broker sends `client` (rejects after 5 s). */
async function nextDisconnect (client: MqttClient): Promise<number | undefined> {
  const [packet] = await once(client as never, 'disconnect', { signal: AbortSignal.timeout(5000) }) as [{ reasonCode?: number }]
  return packet.reasonCode
}

test('offline provisioning before the first start: accounts, topic and IP rules are enforced once the broker runs', async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]

  const alice = await cli(['account', 'set', 'alice', '--password-stdin', ...dd], { stdin: 'alice-pass\n' })
  t.assert.equal(alice.code, 0, alice.stderr)
  t.assert.equal(alice.stdout, 'account "alice" created\n')
  t.assert.match(alice.stderr, /no broker is running/)
  const bob = await cli(['account', 'set', 'bob', '--password-stdin', ...dd], { stdin: 'bob-pass\r\n' })
  t.assert.equal(bob.stdout, 'account "bob" created\n', bob.stderr)
  const again = await cliJson<Methods['account.set']['result']>(['account', 'set', 'bob', '--password-stdin', '--kick', ...dd], { stdin: 'bob-pass\n' })
  t.assert.equal(again.code, 0, again.stderr)
  t.assert.deepEqual(again.json, { changed: true, kicked: 0, live: false, username: 'bob', created: false })

  const r1 = await cli(['acl', 'rule', 'add', '--user', 'alice', '--topic', 'alice/#', '--access', 'readwrite', ...dd])
  t.assert.equal(r1.stdout, 'rule 1 added: allow readwrite alice/# for user alice\n', r1.stderr)
  t.assert.match(r1.stderr, /warning: this is the first topic rule, so topic access is now deny by default/)
  const r2 = await cliJson<Methods['acl.rule.add']['result']>(['acl', 'rule', 'add', '--user', 'bob', '--topic', 'bob/#', '--access', 'readwrite', ...dd])
  t.assert.deepEqual([r2.json.rule.id, r2.json.topic_access, r2.json.topic_access_changed], [2, 'rules', false], r2.stderr)
  const r2again = await cli(['acl', 'rule', 'add', '--user', 'bob', '--topic', 'bob/#', '--access', 'readwrite', ...dd])
  t.assert.equal(r2again.stdout, 'rule 2 already exists: allow readwrite bob/# for user bob\n', r2again.stderr)
  const ip = await cli(['acl', 'ip', 'deny', '192.0.2.7/24', '--kick', ...dd])
  t.assert.equal(ip.stdout, 'rule 1: deny 192.0.2.0/24\n', ip.stderr)
  t.assert.match(ip.stderr, /--kick: no broker is running, so there are no live sessions to disconnect/)

  const offlineList = await cliJson<ListPage<AccountSummary>>(['account', 'list', ...dd])
  t.assert.deepEqual(offlineList.json.items.map((a) => [a.username, a.online, a.last_login]), [['alice', 0, null], ['bob', 0, null]])
  t.assert.match((await cli(['acl', 'rule', 'list', ...dd])).stderr, /topic access: deny by default/)
  const rules = await cliJson<ListPage<TopicRuleSummary>>(['acl', 'rule', 'list', ...dd])
  t.assert.deepEqual(rules.json.items.map((r) => [r.id, r.subject, r.user, r.topic, r.access, r.effect]), [
    [1, 'user', 'alice', 'alice/#', 'readwrite', 'allow'],
    [2, 'user', 'bob', 'bob/#', 'readwrite', 'allow'],
  ])

  const port = await startFixtureBroker(dir)
  const client = await connectOk(t, port, { clientId: 'alice-1', username: 'alice', password: 'alice-pass' })
  await connectOk(t, port, { clientId: 'bob-1', username: 'bob', password: 'bob-pass' }) // the CR of CRLF was stripped too
  t.assert.deepEqual(await tryConnect(t, port, { clientId: 'a2', username: 'alice', password: 'wrong' }), { refused: 0x86 })
  t.assert.deepEqual(await tryConnect(t, port, { clientId: 'a3', username: 'alice', password: 'alice-pass\u0000x' }), { refused: 0x86 })
  t.assert.deepEqual(await tryConnect(t, port, { clientId: 'a4', username: 'alice', password: 'wrong', protocolVersion: 4 }), { refused: 4 })
  t.assert.deepEqual(await tryConnect(t, port, { clientId: 'anon' }), { refused: 0x87 })

  // the topic rules hold: alice writes alice/#, not bob/#, and cannot subscribe to $SYS
  await client.publishAsync('alice/t', 'x', { qos: 1 })
  await t.assert.rejects(client.publishAsync('bob/t', 'x', { qos: 1 }), (err: { code?: number }) => err.code === 0x87)
  const granted = await client.subscribeAsync('alice/#', { qos: 1 })
  t.assert.deepEqual(granted.map((g) => g.qos), [1])
  await t.assert.rejects(client.subscribeAsync('$SYS/#', { qos: 1 }), /Subscribe error: Not authorized/) // SUBACK 0x87

  const list = await cliJson<ListPage<AccountSummary>>(['account', 'list', ...dd])
  t.assert.equal(list.code, 0, list.stderr)
  t.assert.equal(list.stderr, '')
  const row = list.json.items.find((a) => a.username === 'alice')
  t.assert.equal(row?.online, 1)
  t.assert.ok(row?.last_login !== null, 'last login recorded')
  const table = await cli(['account', 'list', ...dd])
  t.assert.match(table.stdout, /user +│ created +│ last login +│ online/)
  t.assert.match(table.stdout, /│ alice +│ \d+s ago +│ \d+s ago +│ +1 │/)
  const ips = await cliJson<ListPage<IpRuleSummary>>(['acl', 'ip', 'list', ...dd])
  t.assert.deepEqual(ips.json.items.map((r) => [r.id, r.cidr, r.action, r.skip_auth]), [[1, '192.0.2.0/24', 'deny', false]])
})

test('acl check: the decision and its rule; exit 0 allow, 1 deny, also under --json', async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]
  const open = await cli(['acl', 'check', 'alice', 'anything/at/all', '--access', 'write', ...dd])
  t.assert.equal(open.code, 0, open.stderr)
  t.assert.equal(open.stdout, 'ALLOW (no topic rules: access is open)\n')

  await startFixtureBroker(dir)
  t.assert.equal((await cli(['acl', 'rule', 'add', '--user', 'alice', '--topic', 'alice/#', '--access', 'readwrite', ...dd])).code, 0)
  t.assert.equal((await cli(['acl', 'rule', 'add', '--pattern', '--topic', 'devices/%c/cmd', '--access', 'read', ...dd])).code, 0)
  t.assert.equal((await cli(['acl', 'rule', 'add', '--user', 'alice', '--topic', 'alice/locked/#', '--access', 'write', '--deny', ...dd])).code, 0)

  const allow = await cliJson<Methods['acl.check']['result']>(['acl', 'check', 'alice', 'alice/temp', '--access', 'write', ...dd])
  t.assert.equal(allow.code, 0, allow.stderr)
  t.assert.deepEqual([allow.json.decision, allow.json.reason, allow.json.rule?.id, allow.json.effective_topic], ['allow', 'rule', 1, 'alice/#'])
  const human = await cli(['acl', 'check', 'alice', 'alice/temp', '--access', 'read', ...dd])
  t.assert.equal(human.stdout, 'ALLOW by rule 1 (user alice: readwrite alice/#)\n')

  const deny = await cliJson<Methods['acl.check']['result']>(['acl', 'check', 'bob', 'alice/temp', '--access', 'read', ...dd])
  t.assert.equal(deny.code, 1)
  t.assert.deepEqual([deny.json.user, deny.json.decision, deny.json.reason, deny.json.rule], ['bob', 'deny', 'default', null])
  const denyHuman = await cli(['acl', 'check', 'bob', 'alice/temp', '--access', 'read', ...dd])
  t.assert.deepEqual([denyHuman.code, denyHuman.stdout], [1, 'DENY (no rule matches: deny by default)\n'])

  const byRule = await cli(['acl', 'check', 'alice', 'alice/locked/door', '--access', 'write', ...dd])
  t.assert.deepEqual([byRule.code, byRule.stdout], [1, 'DENY by rule 3 (user alice: deny write alice/locked/#)\n'])
  const pattern = await cli(['acl', 'check', 'bob', 'devices/d1/cmd', '--access', 'read', '--client-id', 'd1', ...dd])
  t.assert.deepEqual([pattern.code, pattern.stdout], [0, 'ALLOW by rule 2 (every client: read devices/%c/cmd → devices/d1/cmd)\n'])
  const sys = await cli(['acl', 'check', 'alice', '$SYS/broker/uptime', '--access', 'write', ...dd])
  t.assert.deepEqual([sys.code, sys.stdout], [1, 'DENY ($SYS is written only by the broker)\n'])
  const anon = await cliJson<Methods['acl.check']['result']>(['acl', 'check', '--anonymous', 'alice/temp', '--access', 'read', ...dd])
  t.assert.deepEqual([anon.code, anon.json.user, anon.json.decision], [1, null, 'deny'])

  const both = await cli(['acl', 'check', 'alice', 'alice/temp', '--anonymous', '--access', 'read', ...dd])
  const neither = await cli(['acl', 'check', '--access', 'read', ...dd])
  const wildcard = await cliJson<ErrorJson>(['acl', 'check', 'alice', 'alice/#', '--access', 'read', ...dd])
  t.assert.equal(both.code, 64, both.stderr)
  t.assert.equal(neither.code, 64, neither.stderr)
  t.assert.deepEqual([wildcard.code, wildcard.json.error.code], [65, 'INVALID'])
})

test('account test: 0 ok, 1 denied, 67 no such account; an embedded NUL is part of the password', async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]
  await startFixtureBroker(dir)
  t.assert.equal((await cli(['account', 'set', 'alice', '--password-stdin', ...dd], { stdin: 'alice-pass\n' })).code, 0)
  t.assert.equal((await cli(['account', 'set', 'carol', '--password-stdin', ...dd], { stdin: 'nul\u0000pass\n' })).code, 0)

  const ok = await cli(['account', 'test', 'alice', '--password-stdin', ...dd], { stdin: 'alice-pass' })
  t.assert.deepEqual([ok.code, ok.stdout], [0, 'ok\n'], ok.stderr)
  const denied = await cli(['account', 'test', 'alice', '--password-stdin', ...dd], { stdin: 'alice-pass\n\n' }) // only one newline is stripped
  t.assert.deepEqual([denied.code, denied.stdout], [1, 'denied\n'], denied.stderr)
  const json = await cliJson<{ username: string; ok: boolean }>(['account', 'test', 'alice', '--password-stdin', ...dd], { stdin: 'nope' })
  t.assert.deepEqual([json.code, json.json], [1, { username: 'alice', ok: false }])
  const env = await cliJson<{ username: string; ok: boolean }>(['account', 'test', 'alice', ...dd], { env: { MQTTCTL_PASSWORD: 'alice-pass' } })
  t.assert.deepEqual([env.code, env.json], [0, { username: 'alice', ok: true }])
  const missing = await cliJson<ErrorJson>(['account', 'test', 'nobody', '--password-stdin', ...dd], { stdin: 'x' })
  t.assert.deepEqual([missing.code, missing.json.error.code, missing.json.error.exitCode], [67, 'NO_SUCH_USER', 67])

  const nul = await cli(['account', 'test', 'carol', '--password-stdin', ...dd], { stdin: 'nul\u0000pass' })
  t.assert.equal(nul.code, 0, nul.stderr)
  const cut = await cli(['account', 'test', 'carol', '--password-stdin', ...dd], { stdin: 'nul' })
  t.assert.equal(cut.code, 1, cut.stderr)
})

test('refusals: no password without a TTY (64), del without --yes (64), bad data (65), missing account (67)', async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]
  await startFixtureBroker(dir)
  t.assert.equal((await cli(['account', 'set', 'alice', '--password-stdin', ...dd], { stdin: 'alice-pass\n' })).code, 0)

  const noPassword = await cli(['account', 'set', 'dave', ...dd])
  t.assert.equal(noPassword.code, 64)
  t.assert.match(noPassword.stderr, /password not provided via --password, --password-stdin, MQTTCTL_PASSWORD or a terminal/)
  const noPasswordJson = await cliJson<ErrorJson>(['account', 'passwd', 'alice', ...dd])
  t.assert.deepEqual([noPasswordJson.code, noPasswordJson.json.error.code], [64, 'PASSWORD_REQUIRED'])
  const emptyStdin = await cliJson<ErrorJson>(['account', 'set', 'dave', '--password-stdin', ...dd], { stdin: '\n' })
  t.assert.deepEqual([emptyStdin.code, emptyStdin.json.error.message], [65, 'the password is empty'])
  const tooLong = await cli(['account', 'set', 'dave', '--password-stdin', ...dd], { stdin: 'x'.repeat(73) })
  t.assert.equal(tooLong.code, 65)
  t.assert.match(tooLong.stderr, /73 bytes long; bcrypt uses at most 72/)

  const delNoYes = await cli(['account', 'del', 'alice', ...dd])
  t.assert.equal(delNoYes.code, 64)
  t.assert.match(delNoYes.stderr, /refusing to delete account "alice" \(0 live sessions\) without a terminal/)
  const dry = await cliJson<Methods['account.del']['result']>(['account', 'del', 'alice', '--dry-run', ...dd])
  t.assert.deepEqual([dry.code, dry.json.changed, dry.json.online], [0, false, 0])
  t.assert.equal((await cli(['account', 'test', 'alice', '--password-stdin', ...dd], { stdin: 'alice-pass' })).code, 0, 'still there')

  const flag = await cli(['account', 'set', 'erin', '--password', 'erin-pass', ...dd])
  t.assert.equal(flag.code, 0, flag.stderr)
  t.assert.match(flag.stderr, /^warning: a password given with --password lands in the shell history/m)
  const conflict = await cliJson<ErrorJson>(['account', 'set', 'erin', '--password', 'x', '--no-overwrite', ...dd])
  t.assert.deepEqual([conflict.code, conflict.json.error.code], [65, 'CONFLICT'])
  const badHash = await cli(['account', 'set', 'erin', '--hash', 'plaintext', ...dd])
  t.assert.equal(badHash.code, 65)
  const hashAndPassword = await cli(['account', 'set', 'erin', '--hash', 'x', '--password', 'y', ...dd])
  t.assert.equal(hashAndPassword.code, 64)
  const twoSubjects = await cli(['acl', 'rule', 'add', '--user', 'a', '--pattern', '--topic', 'x', '--access', 'read', ...dd])
  const noSubject = await cli(['acl', 'rule', 'add', '--topic', 'x', '--access', 'read', ...dd])
  const badId = await cli(['acl', 'rule', 'del', 'abc', ...dd])
  t.assert.deepEqual([twoSubjects.code, noSubject.code, badId.code], [64, 64, 64])

  const results = await Promise.all([
    cliJson<ErrorJson>(['acl', 'rule', 'add', '--user', 'alice', '--topic', 'a/#/b', '--access', 'read', ...dd]),
    cliJson<ErrorJson>(['acl', 'rule', 'del', '99', ...dd]),
    cliJson<ErrorJson>(['acl', 'ip', 'deny', '10.0.0.0/33', ...dd]),
    cliJson<ErrorJson>(['acl', 'ip', 'del', '10.0.0.0/8', ...dd]),
  ])
  t.assert.deepEqual(results.map((r) => [r.code, r.json.error.code]), [[65, 'INVALID'], [65, 'NOT_FOUND'], [65, 'INVALID'], [65, 'NOT_FOUND']])
  const missing = await Promise.all([
    cliJson<ErrorJson>(['account', 'passwd', 'nobody', '--password', 'x', ...dd]),
    cliJson<ErrorJson>(['account', 'del', 'nobody', '--yes', ...dd]),
  ])
  t.assert.deepEqual(missing.map((r) => [r.code, r.json.error.code]), [[67, 'NO_SUCH_USER'], [67, 'NO_SUCH_USER']])
  const ifExists = await cli(['account', 'del', 'nobody', '--yes', '--if-exists', ...dd])
  t.assert.equal(ifExists.code, 0, ifExists.stderr)
})

test('live changes: account del --kick and passwd --kick disconnect the user (v5 0x87), the next connect is refused', async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]
  const port = await startFixtureBroker(dir)
  t.assert.equal((await cli(['account', 'set', 'alice', '--password-stdin', ...dd], { stdin: 'alice-pass\n' })).code, 0)
  t.assert.equal((await cli(['account', 'set', 'bob', '--password-stdin', ...dd], { stdin: 'bob-pass\n' })).code, 0)

  // passwd without --kick keeps the session; with --kick it is closed and only the new password works
  const bob = await connectOk(t, port, { clientId: 'bob-1', username: 'bob', password: 'bob-pass' })
  const kept = await cli(['account', 'passwd', 'bob', '--password-stdin', ...dd], { stdin: 'bob-pass-2\n' })
  t.assert.equal(kept.code, 0, kept.stderr)
  t.assert.equal(kept.stdout, 'password for "bob" changed; 1 live session kept (--kick disconnects them)\n')
  t.assert.equal(bob.connected, true)
  const bobGone = nextDisconnect(bob)
  const kicked = await cli(['account', 'passwd', 'bob', '--password-stdin', '--kick', ...dd], { stdin: 'bob-pass-3\n' })
  t.assert.equal(kicked.stdout, 'password for "bob" changed; 1 session disconnected\n', kicked.stderr)
  t.assert.equal(await bobGone, 0x87)
  t.assert.deepEqual(await tryConnect(t, port, { clientId: 'bob-2', username: 'bob', password: 'bob-pass' }), { refused: 0x86 })
  await connectOk(t, port, { clientId: 'bob-3', username: 'bob', password: 'bob-pass-3' })

  const alice = await connectOk(t, port, { clientId: 'alice-1', username: 'alice', password: 'alice-pass' })
  const aliceGone = nextDisconnect(alice)
  const del = await cliJson<Methods['account.del']['result']>(['account', 'del', 'alice', '--kick', '--yes', ...dd])
  t.assert.equal(del.code, 0, del.stderr)
  t.assert.deepEqual(del.json, { changed: true, kicked: 1, live: true, username: 'alice', online: 1 })
  t.assert.equal(await aliceGone, 0x87)
  t.assert.deepEqual(await tryConnect(t, port, { clientId: 'alice-2', username: 'alice', password: 'alice-pass' }), { refused: 0x86 })
  const human = await cli(['account', 'del', 'bob', '--yes', ...dd])
  t.assert.equal(human.stdout, 'deleted "bob"; 1 live session kept (--kick disconnects them)\n', human.stderr)
})

test('live changes: a topic rule added with --kick disconnects a subscriber it no longer grants; acl ip deny --kick closes its range', async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]
  const port = await startFixtureBroker(dir)
  t.assert.equal((await cli(['account', 'set', 'alice', '--password-stdin', ...dd], { stdin: 'alice-pass\n' })).code, 0)
  t.assert.equal((await cli(['acl', 'rule', 'add', '--pattern', '--topic', '%u/#', '--access', 'readwrite', ...dd])).code, 0)

  const alice = await connectOk(t, port, { clientId: 'alice-1', username: 'alice', password: 'alice-pass' })
  await alice.subscribeAsync('alice/private/#', { qos: 1 })
  const gone = nextDisconnect(alice)
  const add = await cliJson<AuthChange & { rule: TopicRuleSummary }>(['acl', 'rule', 'add', '--user', 'alice', '--topic', 'alice/private/#', '--access', 'read', '--deny', '--kick', ...dd])
  t.assert.equal(add.code, 0, add.stderr)
  t.assert.deepEqual([add.json.rule.id, add.json.rule.effect, add.json.changed, add.json.kicked, add.json.live], [2, 'deny', true, 1, true])
  t.assert.equal(await gone, 0x87)

  const again = await connectOk(t, port, { clientId: 'alice-2', username: 'alice', password: 'alice-pass' })
  const closed = nextDisconnect(again)
  const deny = await cli(['acl', 'ip', 'deny', '127.0.0.0/8', '--kick', ...dd])
  t.assert.equal(deny.stdout, 'rule 1: deny 127.0.0.0/8; 1 session disconnected\n', deny.stderr)
  t.assert.equal(await closed, 0x87)
  t.assert.deepEqual(await tryConnect(t, port, { clientId: 'alice-3', username: 'alice', password: 'alice-pass' }), { refused: 0x87 })
  const removed = await cli(['acl', 'ip', 'del', '127.0.0.1/8', ...dd])
  t.assert.equal(removed.stdout, 'deleted rule 1: deny 127.0.0.0/8\n', removed.stderr)
  await connectOk(t, port, { clientId: 'alice-4', username: 'alice', password: 'alice-pass' })
})

test('offline errors keep their exit codes: 67 no such account, 65 invalid data', async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]
  const missing = await cliJson<ErrorJson>(['account', 'test', 'nobody', '--password', 'x', ...dd])
  const invalid = await cliJson<ErrorJson>(['acl', 'ip', 'deny', 'not-an-address', ...dd]) // one at a time: the store is locked
  t.assert.deepEqual([missing.code, missing.json.error.exitCode], [67, 67])
  t.assert.deepEqual([invalid.code, invalid.json.error.exitCode], [65, 65])
})

test('access flips are said: the first rule closes every other topic, deleting the last one opens them all', async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]
  const added = await cli(['acl', 'rule', 'add', '--pattern', '--topic', 'public/#', '--access', 'read', ...dd])
  t.assert.equal(added.code, 0, added.stderr)
  t.assert.match(added.stderr, /first topic rule, so topic access is now deny by default/)
  const deleted = await cliJson<Methods['acl.rule.del']['result']>(['acl', 'rule', 'del', '1', ...dd])
  t.assert.deepEqual([deleted.json.topic_access, deleted.json.topic_access_changed], ['open', true])
  const readded = await cliJson<Methods['acl.rule.add']['result']>(['acl', 'rule', 'add', '--pattern', '--topic', 'public/#', '--access', 'read', ...dd])
  t.assert.deepEqual([readded.json.topic_access, readded.json.topic_access_changed], ['rules', true])
  const again = await cli(['acl', 'rule', 'del', String(readded.json.rule.id), ...dd])
  t.assert.equal(again.code, 0, again.stderr)
  t.assert.match(again.stderr, /last topic rule, so topic access is now open/)
  t.assert.match((await cli(['acl', 'rule', 'list', ...dd])).stderr, /no topic rules: topic access is open to every client/)
})
