/**
 * Access control end to end (src/auth): accounts, IP rules, topic rules and their enforcement at
 * CONNECT, PUBLISH, SUBSCRIBE and at every delivery (wildcards, retained messages, shared
 * subscriptions, direct messages, wills), cross-user client id takeover, TLS identity, and live
 * changes over the control channel seen by connected clients.
 *
 * The fixture is the one operators write with mqttctl: alice and bob, each readwrite on `<user>/#`
 * only, anonymous refused, nobody reads `$SYS/#`. Hashes are made at cost 4 to keep tests fast
 * (the broker checks any bcrypt cost).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import bcrypt from 'bcryptjs'
import type { IClientOptions, MqttClient } from 'mqtt'
import type { Methods } from '../../src/control/schema.js'
import { makeCerts } from '../helpers/certs.js'
import { connect, nextMessages, refusal, startBroker, type TestBroker } from '../helpers/broker.js'
import { collectUntil } from '../helpers/messages.js'
import { rawClient } from '../helpers/raw-client.js'
import { control } from '../helpers/control.js'

const PASSWORDS: Record<string, string> = { alice: 'alice-pass', bob: 'bob-pass' }

type Ctl = <M extends keyof Methods>(method: M, params: Methods[M]['params']) => Promise<Methods[M]['result']>

/** The fixture: alice and bob readwrite on their own subtree, anonymous refused. */
async function fixture (t: TestContext, cfg: Record<string, unknown> = {}, rules: 'users' | 'pattern' = 'users'): Promise<TestBroker & { ctl: Ctl }> {
  const b = await startBroker(t, { allow_anonymous: false, ...cfg })
  const client = await control(t, b.broker.controlSocketPath)
  const ctl: Ctl = (method, params) => client.request(method, params)
  for (const [user, password] of Object.entries(PASSWORDS)) {
    await ctl('account.set', { username: user, hash: bcrypt.hashSync(password, 4) })
    if (rules === 'users') await ctl('acl.rule.add', { subject: 'user', user, topic: `${user}/#`, access: 'readwrite' })
  }
  if (rules === 'pattern') await ctl('acl.rule.add', { subject: 'pattern', topic: '%u/#', access: 'readwrite' })
  return { ...b, ctl }
}

function as (user: string, extra: IClientOptions = {}): IClientOptions {
  return { username: user, password: PASSWORDS[user], protocolVersion: 5, ...extra }
}

/** Publishes at QoS 1 with mqtt.js and returns the PUBACK reason code (0 when success). */
async function pubackCode (client: MqttClient, topic: string, payload: string, opts: { retain?: boolean } = {}): Promise<number> {
  try {
    await client.publishAsync(topic, payload, { qos: 1, ...opts })
    return 0
  } catch (err) {
    return (err as { code: number }).code
  }
}

/** The SUBACK codes for `filters` (mqtt.js rejects a SUBACK with a failure code, carrying the packet). */
async function grantedAll (client: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos)
  } catch (err) {
    const packet = (err as { packet?: { granted?: number[] } }).packet
    if (packet?.granted === undefined) throw err
    return packet.granted
  }
}

async function granted (client: MqttClient, filter: string): Promise<number> {
  return (await grantedAll(client, [filter]))[0]
}

test('credentials: right password in, wrong one 0x86 / v3 4, unknown user 0x86, none 0x87 / v3 5', async (t: TestContext) => {
  const { url } = await fixture(t)
  await connect(t, url, as('alice'))
  await connect(t, url, as('bob', { protocolVersion: 4 }))
  t.assert.equal(await refusal(url, as('alice', { password: 'bob-pass' })), 0x86)
  t.assert.equal(await refusal(url, as('alice', { password: 'bob-pass', protocolVersion: 4 })), 4)
  t.assert.equal(await refusal(url, { username: 'mallory', password: 'x', protocolVersion: 5 }), 0x86)
  t.assert.equal(await refusal(url, { username: 'alice', protocolVersion: 5 }), 0x86)
  t.assert.equal(await refusal(url, { protocolVersion: 5 }), 0x87)
  t.assert.equal(await refusal(url, { protocolVersion: 4 }), 5)
})

test('a password with an embedded NUL or past 72 bytes is its own password, not a prefix', async (t: TestContext) => {
  const b = await fixture(t)
  t.assert.equal(await refusal(b.url, as('alice', { password: 'alice-pass\u0000x' })), 0x86)
  t.assert.equal(await refusal(b.url, as('alice', { password: Buffer.from('alice-pass\u0000x'), protocolVersion: 4 })), 4)
  const long = 'p'.repeat(72)
  await b.ctl('account.set', { username: 'carol', hash: bcrypt.hashSync(long, 4) })
  await connect(t, b.url, { username: 'carol', password: long })
  t.assert.equal(await refusal(b.url, { username: 'carol', password: `${long}extra` }), 4)
  // and a NUL inside a stored password counts too
  await b.ctl('account.set', { username: 'dave', hash: bcrypt.hashSync('a\u0000b', 4) })
  await connect(t, b.url, { username: 'dave', password: Buffer.from('a\u0000b') })
  t.assert.equal(await refusal(b.url, { username: 'dave', password: 'a' }), 4)
})

test('PUBLISH outside one\'s rules: v5 PUBACK 0x87 and not routed; v3 acknowledged and dropped', async (t: TestContext) => {
  const { url } = await fixture(t)
  const bob = await connect(t, url, as('bob'))
  const got = collectUntil(bob, 'bob/marker')
  await bob.subscribeAsync('bob/#', { qos: 1 })
  const alice = await connect(t, url, as('alice'))
  t.assert.equal(await pubackCode(alice, 'bob/inbox', 'v5 intrusion'), 0x87)
  const alice3 = await connect(t, url, as('alice', { protocolVersion: 4, clientId: 'alice-v3' }))
  t.assert.equal(await pubackCode(alice3, 'bob/inbox', 'v3 intrusion'), 0)
  alice3.publish('bob/inbox', 'qos 0 intrusion', { qos: 0 })
  t.assert.equal(await pubackCode(alice, 'alice/own', 'fine'), 0) // allowed (0x10: nobody subscribed)
  await bob.publishAsync('bob/marker', 'm', { qos: 1 })
  t.assert.deepEqual((await got).map((m) => m.topic), ['bob/marker'])
})

test('SUBSCRIBE: another user\'s subtree, #, +/…, $SYS/# and shared forms of them are refused per filter', async (t: TestContext) => {
  const { url } = await fixture(t, {}, 'pattern')
  const alice = await connect(t, url, as('alice'))
  const res = await grantedAll(alice, ['alice/#', 'bob/#', '#', '+/inbox', '$SYS/#', '$share/g/bob/#', '$share/g/alice/jobs', 'alice/+/x'])
  t.assert.deepEqual(res, [1, 0x87, 0x87, 0x87, 0x87, 0x87, 1, 1])
  const raw = await rawClient(t, Number(new URL(url).port), 4)
  await raw.connect({ username: 'bob', password: Buffer.from('bob-pass') })
  raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'bob/#', qos: 1 }, { topic: 'alice/#', qos: 1 }] })
  t.assert.deepEqual((await raw.next('suback')).granted, [1, 0x80])
})

test('wildcards that span other topics carry only what the subscriber may read, retained messages included', async (t: TestContext) => {
  const { url, ctl } = await fixture(t)
  // alice may read all of news/ except news/private/
  await ctl('acl.rule.add', { subject: 'user', user: 'alice', topic: 'news/#', access: 'read' })
  await ctl('acl.rule.add', { subject: 'user', user: 'alice', topic: 'news/private/#', access: 'read', deny: true })
  await ctl('acl.rule.add', { subject: 'user', user: 'bob', topic: 'news/#', access: 'write' })
  const bob = await connect(t, url, as('bob'))
  await bob.publishAsync('news/private/salary', 'retained secret', { qos: 1, retain: true })
  await bob.publishAsync('news/public', 'retained news', { qos: 1, retain: true })
  const alice = await connect(t, url, as('alice'))
  const got = collectUntil(alice, 'news/marker')
  t.assert.equal(await granted(alice, 'news/#'), 1)
  t.assert.equal(await granted(alice, 'news/private/#'), 0x87)
  await bob.publishAsync('news/private/live', 'live secret', { qos: 1 })
  await bob.publishAsync('news/sports', 'live news', { qos: 0 })
  await bob.publishAsync('news/marker', 'm', { qos: 1 })
  t.assert.deepEqual((await got).map((m) => `${m.topic}=${m.payload}`), ['news/public=retained news', 'news/sports=live news', 'news/marker=m'])
})

test('$SYS: nobody reads it without a rule naming it; no client writes it, even with access open', async (t: TestContext) => {
  const { url, ctl } = await fixture(t, { sys_interval: 1 })
  await ctl('acl.rule.add', { subject: 'pattern', topic: '#', access: 'read' }) // everything else for everybody
  const alice = await connect(t, url, as('alice'))
  t.assert.equal(await granted(alice, '$SYS/#'), 0x87)
  t.assert.equal(await granted(alice, '#'), 1)
  const got = collectUntil(alice, 'alice/marker')
  await alice.publishAsync('alice/marker', 'm', { qos: 1 })
  t.assert.deepEqual((await got).map((m) => m.topic), ['alice/marker'])
  t.assert.equal(await pubackCode(alice, '$SYS/broker/uptime', 'forged'), 0x87)
  await ctl('acl.rule.add', { subject: 'user', user: 'bob', topic: '$SYS/#', access: 'read' })
  const bob = await connect(t, url, as('bob'))
  const sys = nextMessages(bob, 1, 5000)
  t.assert.equal(await granted(bob, '$SYS/broker/uptime'), 1)
  t.assert.equal((await sys)[0].topic, '$SYS/broker/uptime')

  const open = await startBroker(t)
  const anyone = await connect(t, open.url, { protocolVersion: 5 })
  t.assert.equal(await pubackCode(anyone, '$SYS/broker/uptime', 'forged'), 0x87)
})

test('shared subscriptions deliver only to members that may read the topic', async (t: TestContext) => {
  const { url, ctl } = await fixture(t)
  await ctl('acl.rule.add', { subject: 'pattern', topic: 'jobs/#', access: 'readwrite' })
  await ctl('acl.rule.add', { subject: 'user', user: 'alice', topic: 'jobs/secret/#', access: 'read', deny: true })
  const alice = await connect(t, url, as('alice'))
  const bob = await connect(t, url, as('bob'))
  const aliceGot: string[] = []
  alice.on('message', (topic) => { aliceGot.push(topic) })
  t.assert.equal(await granted(alice, '$share/g/jobs/#'), 1)
  t.assert.equal(await granted(bob, '$share/g/jobs/#'), 1)
  const bobGot = nextMessages(bob, 6)
  for (let i = 0; i < 6; i++) await alice.publishAsync(`jobs/secret/${i}`, 's', { qos: 1 })
  t.assert.deepEqual((await bobGot).map((m) => m.topic), [0, 1, 2, 3, 4, 5].map((i) => `jobs/secret/${i}`))
  t.assert.deepEqual(aliceGot, [])
})

test('a client id held by one user\'s session cannot be taken over by another user', async (t: TestContext) => {
  const { url } = await fixture(t)
  const persistent = { clientId: 'device-7', clean: false, properties: { sessionExpiryInterval: 300 } }
  const alice = await connect(t, url, as('alice', persistent))
  await alice.subscribeAsync('alice/#', { qos: 1 })
  t.assert.equal(await refusal(url, as('bob', persistent)), 0x87) // while alice is online…
  t.assert.equal(alice.connected, true)
  await alice.endAsync()
  t.assert.equal(await refusal(url, as('bob', { ...persistent, clean: true })), 0x87) // …and while her session waits
  await connect(t, url, as('alice', persistent))
  const again = await rawClient(t, Number(new URL(url).port), 4)
  const connack = await again.connect({ clientId: 'device-7', username: 'bob', password: Buffer.from('bob-pass') })
  t.assert.equal(connack.returnCode, 5)
})

test('allow_client_id_takeover_across_users: true lets another user take the id (and the session is theirs)', async (t: TestContext) => {
  const { url } = await fixture(t, { allow_client_id_takeover_across_users: true })
  const alice = await connect(t, url, as('alice', { clientId: 'kiosk' }))
  const closed = new Promise<void>((resolve) => { alice.once('close', resolve) })
  await connect(t, url, as('bob', { clientId: 'kiosk' }))
  await closed
})

test('a will on a topic the user may not write refuses the CONNECT (0x87)', async (t: TestContext) => {
  const { url } = await fixture(t)
  t.assert.equal(await refusal(url, as('alice', { will: { topic: 'bob/alarm', payload: Buffer.from('x'), qos: 0, retain: false } })), 0x87)
  await connect(t, url, as('alice', { will: { topic: 'alice/gone', payload: Buffer.from('x'), qos: 0, retain: false } }))
})

test('live changes: a new deny rule applies to the next message; deleting a rule with kick disconnects (0x87)', async (t: TestContext) => {
  const { url, ctl } = await fixture(t, {}, 'pattern')
  const alice = await connect(t, url, as('alice'))
  await alice.subscribeAsync('alice/#', { qos: 1 })
  const before = nextMessages(alice, 1)
  await alice.publishAsync('alice/diary', 'one', { qos: 1 })
  t.assert.equal((await before)[0].topic, 'alice/diary')
  const deny = await ctl('acl.rule.add', { subject: 'pattern', topic: '%u/diary', access: 'read', deny: true })
  t.assert.equal(deny.changed, true)
  const after = collectUntil(alice, 'alice/marker')
  await alice.publishAsync('alice/diary', 'two', { qos: 1 })
  await alice.publishAsync('alice/marker', 'm', { qos: 1 })
  t.assert.deepEqual((await after).map((m) => m.topic), ['alice/marker'])

  const rules = await ctl('acl.rule.list', {})
  const pattern = rules.items.find((r) => r.topic === '%u/#')
  t.assert.ok(pattern)
  const disconnect = new Promise<number | undefined>((resolve) => { alice.once('disconnect', (p) => { resolve(p.reasonCode) }) })
  const removed = await ctl('acl.rule.del', { id: pattern.id, kick: true })
  t.assert.equal(removed.kicked, 1)
  t.assert.equal(await disconnect, 0x87)
})

test('live changes: account deleted with kick → disconnected and refused; password change takes effect at once', async (t: TestContext) => {
  const { url, ctl } = await fixture(t)
  const bob = await connect(t, url, as('bob'))
  const disconnect = new Promise<number | undefined>((resolve) => { bob.once('disconnect', (p) => { resolve(p.reasonCode) }) })
  const del = await ctl('account.del', { username: 'bob', kick: true })
  t.assert.deepEqual([del.kicked, del.online, del.live], [1, 1, true])
  t.assert.equal(await disconnect, 0x87)
  t.assert.equal(await refusal(url, as('bob')), 0x86)
  await ctl('account.set', { username: 'alice', hash: bcrypt.hashSync('new-pass', 4) })
  t.assert.equal(await refusal(url, as('alice')), 0x86)
  await connect(t, url, as('alice', { password: 'new-pass' }))
  const list = await ctl('account.list', {})
  t.assert.deepEqual(list.items.map((a) => [a.username, a.online, a.last_login !== null]), [['alice', 1, true]])
  t.assert.equal(JSON.stringify(list).includes('$2'), false, 'no hash in account.list')
})

test('IP rules: deny refuses correct credentials, a more specific allow wins, skip-auth admits without credentials', async (t: TestContext) => {
  const { url, ctl } = await fixture(t)
  const alice = await connect(t, url, as('alice'))
  const kicked = new Promise<number | undefined>((resolve) => { alice.once('disconnect', (p) => { resolve(p.reasonCode) }) })
  const deny = await ctl('acl.ip.set', { cidr: '127.0.0.0/8', action: 'deny', kick: true })
  t.assert.deepEqual([deny.rule.cidr, deny.kicked], ['127.0.0.0/8', 1])
  t.assert.equal(await kicked, 0x87)
  t.assert.equal(await refusal(url, as('alice')), 0x87)
  t.assert.equal(await refusal(url, as('alice', { protocolVersion: 4 })), 5)
  await ctl('acl.ip.set', { cidr: '127.0.0.1', action: 'allow' })
  await connect(t, url, as('alice'))
  t.assert.equal(await refusal(url, { protocolVersion: 5 }), 0x87) // anonymous still refused
  const skip = await ctl('acl.ip.set', { cidr: '127.0.0.1/32', action: 'allow', skip_auth: true })
  t.assert.equal(skip.changed, true)
  await connect(t, url, { protocolVersion: 5 })
  t.assert.equal(await refusal(url, as('alice', { password: 'wrong' })), 0x86) // credentials given are still checked
  const list = await ctl('acl.ip.list', {})
  t.assert.deepEqual(list.items.map((r) => [r.cidr, r.action, r.skip_auth]), [['127.0.0.0/8', 'deny', false], ['127.0.0.1/32', 'allow', true]])
  t.assert.ok(list.items[0].hits >= 2)
  await ctl('acl.ip.del', { cidr: '127.0.0.1/32' })
  t.assert.equal(await refusal(url, as('alice')), 0x87)
})

test('IP rules match IPv4 clients of a dual-stack listener (::ffff:a.b.c.d) and IPv6 ranges', async (t: TestContext) => {
  const b = await startBroker(t, { listeners: [{ type: 'mqtt', host: '::', port: 0 }], allow_anonymous: true })
  const ctl = await control(t, b.broker.controlSocketPath)
  const url4 = `mqtt://127.0.0.1:${b.port}`
  const url6 = `mqtt://[::1]:${b.port}`
  await connect(t, url4)
  await ctl.request('acl.ip.set', { cidr: '127.0.0.0/8', action: 'deny' })
  t.assert.equal(await refusal(url4, {}), 5)
  await connect(t, url6)
  await ctl.request('acl.ip.set', { cidr: '::1/128', action: 'deny' })
  t.assert.equal(await refusal(url6, { protocolVersion: 5 }), 0x87)
})

test('acl.check explains the decision; open while no rule exists; deny by default once one does', async (t: TestContext) => {
  const b = await startBroker(t)
  const client = await control(t, b.broker.controlSocketPath)
  const open = await client.request('acl.check', { user: 'alice', topic: 'bob/x', access: 'read' })
  t.assert.deepEqual([open.decision, open.reason], ['allow', 'open'])
  const { rule } = await client.request('acl.rule.add', { subject: 'pattern', topic: 'clients/%c/%u/#', access: 'readwrite' })
  const mine = await client.request('acl.check', { user: 'alice', topic: 'clients/c1/alice/t', access: 'write', client_id: 'c1' })
  t.assert.deepEqual([mine.decision, mine.reason, mine.rule?.id, mine.effective_topic], ['allow', 'rule', rule.id, 'clients/c1/alice/#'])
  const other = await client.request('acl.check', { user: 'alice', topic: 'clients/c2/alice/t', access: 'write', client_id: 'c1' })
  t.assert.deepEqual([other.decision, other.reason], ['deny', 'default'])
  const anon = await client.request('acl.check', { user: null, topic: 'clients/c1/alice/t', access: 'read', client_id: 'c1' })
  t.assert.equal(anon.decision, 'deny')
  const wild = await client.request('acl.check', { user: 'alice', topic: 'clients/#/alice/t', access: 'read', client_id: '#' }).catch((e: Error) => e)
  t.assert.ok(wild instanceof Error, 'a wildcard topic is not a topic name')
  const sys = await client.request('acl.check', { user: 'alice', topic: '$SYS/x', access: 'write' })
  t.assert.deepEqual([sys.decision, sys.reason], ['deny', 'reserved'])
})

test('anonymous rules apply to clients without a user name; %u rules never do', async (t: TestContext) => {
  const { url, ctl } = await fixture(t, { allow_anonymous: true }, 'pattern')
  await ctl('acl.rule.add', { subject: 'anonymous', topic: 'public/#', access: 'readwrite' })
  const anon = await connect(t, url, { protocolVersion: 5 })
  t.assert.equal(await granted(anon, 'public/#'), 1)
  t.assert.equal(await granted(anon, 'alice/#'), 0x87)
  t.assert.equal(await pubackCode(anon, 'alice/x', 'no'), 0x87)
  const alice = await connect(t, url, as('alice'))
  t.assert.equal(await granted(alice, 'public/#'), 0x87)
})

test('with no account at all and anonymous access on, a user name is taken as given (Mosquitto without a password file)', async (t: TestContext) => {
  const { url } = await startBroker(t)
  await connect(t, url, { username: 'whoever', password: 'anything' })
  const off = await startBroker(t, { allow_anonymous: false })
  t.assert.equal(await refusal(off.url, { username: 'whoever', password: 'anything', protocolVersion: 5 }), 0x86)
  t.assert.equal(await refusal(off.url, { protocolVersion: 5 }), 0x87)
})

test('TLS identity: use_identity_as_username takes the user from the certificate CN; no certificate, no entry', async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'mqttd-auth-certs-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const certs = await makeCerts(dir)
  const b = await startBroker(t, {
    allow_anonymous: false,
    listeners: [{ type: 'mqtts', host: '127.0.0.1', port: 0, cert: certs.cert, key: certs.key, ca: certs.ca, require_certificate: true, use_identity_as_username: true }],
  })
  const ctl = await control(t, b.broker.controlSocketPath)
  await ctl.request('acl.rule.add', { subject: 'user', user: 'client-1', topic: 'devices/client-1/#', access: 'readwrite' })
  const url = `mqtts://127.0.0.1:${b.port}`
  const { readFile } = await import('node:fs/promises')
  const tlsOpts = { ca: await readFile(certs.ca), cert: await readFile(certs.clientCert), key: await readFile(certs.clientKey), rejectUnauthorized: true, protocolVersion: 5 as const }
  const device = await connect(t, url, { ...tlsOpts, username: 'alice', password: 'ignored' })
  t.assert.equal(await granted(device, 'devices/client-1/#'), 1)
  t.assert.equal(await granted(device, 'alice/#'), 0x87)
  const state = await ctl.request('client.list', {})
  t.assert.deepEqual(state.items.map((c) => c.user), ['client-1'])
})
