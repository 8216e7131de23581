/**
 * `mqttctl account export/import` and `mqttctl acl export/import`: the real CLI on temp data dirs,
 * offline (stopped broker) and online (a daemon), round trips checked with real mqtt.js logins,
 * the merge and --replace counts, and a bad file refused whole (exit 65 naming the entry).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import mqtt from 'mqtt'
import type { AccountsDocument, AclDocument } from '../../src/control/transfer-format.js'
import type { Methods } from '../../src/control/schema.js'
import { mqttctl as cli, mqttctlJson as cliJson } from '../helpers/mqttctl.js'
import { startDaemon, testDir, type TestDir } from './harness.js'

async function provision (dir: TestDir): Promise<void> {
  const dd = ['--data-dir', dir.dataDir]
  for (const [user, pw] of [['alice', 'alice-pass'], ['bob', 'bob-pass']]) {
    const r = await cli(['account', 'set', user, '--password-stdin', ...dd], { stdin: pw })
    if (r.code !== 0) throw new Error(r.stderr)
  }
  for (const args of [
    ['acl', 'rule', 'add', '--user', 'alice', '--topic', 'alice/#', '--access', 'readwrite'],
    ['acl', 'rule', 'add', '--pattern', '--topic', 'devices/%c/#', '--access', 'read'],
    ['acl', 'rule', 'add', '--user', 'alice', '--topic', 'alice/locked/#', '--access', 'write', '--deny'],
    ['acl', 'ip', 'deny', '192.0.2.0/24'],
    ['acl', 'ip', 'allow', '127.0.0.1', '--skip-auth'],
  ]) {
    const r = await cli([...args, ...dd])
    if (r.code !== 0) throw new Error(r.stderr)
  }
}

async function login (port: number, username: string, password: string): Promise<number> {
  try {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 5, clientId: `${username}-c`, username, password }, false)
    await client.endAsync(true)
    return 0
  } catch (err) {
    return (err as { code?: number }).code ?? -1
  }
}

test('account and acl export, offline and online, import into another data dir: the same logins and rules', async (t: TestContext) => {
  const a = await testDir(t)
  await provision(a)
  const offline = await cliJson<AccountsDocument>(['account', 'export', '--data-dir', a.dataDir])
  t.assert.equal(offline.code, 0, offline.stderr)
  t.assert.deepEqual([offline.json.format, offline.json.version], ['mqttd-accounts', 1])
  t.assert.deepEqual(offline.json.accounts.map((e) => e.username), ['alice', 'bob'])
  t.assert.ok(offline.json.accounts.every((e) => /^\$2[aby]\$10\$/.test(e.hash)), 'bcrypt hashes')
  t.assert.doesNotMatch(offline.stdout, /alice-pass|bob-pass/)

  await startDaemon(a)
  const human = await cli(['account', 'export', '--data-dir', a.dataDir])
  t.assert.equal(human.code, 0, human.stderr)
  const online = JSON.parse(human.stdout) as AccountsDocument
  t.assert.deepEqual(online.accounts, offline.json.accounts)
  const acl = await cliJson<AclDocument>(['acl', 'export', '--data-dir', a.dataDir])
  t.assert.deepEqual(acl.json.topic_rules, [
    { subject: 'user', user: 'alice', topic: 'alice/#', access: 'readwrite', effect: 'allow' },
    { subject: 'pattern', user: null, topic: 'devices/%c/#', access: 'read', effect: 'allow' },
    { subject: 'user', user: 'alice', topic: 'alice/locked/#', access: 'write', effect: 'deny' },
  ])
  t.assert.deepEqual(acl.json.ip_rules, [{ cidr: '192.0.2.0/24', action: 'deny', skip_auth: false }, { cidr: '127.0.0.1/32', action: 'allow', skip_auth: true }])

  // into a fresh data dir, offline: accounts from a file, rules from stdin
  const b = await testDir(t)
  const accountsFile = join(b.root, 'accounts.json')
  await writeFile(accountsFile, human.stdout)
  const imported = await cliJson<Methods['account.import']['result']>(['account', 'import', accountsFile, '--data-dir', b.dataDir])
  t.assert.equal(imported.code, 0, imported.stderr)
  t.assert.deepEqual(imported.json, { added: 2, updated: 0, unchanged: 0, deleted: 0, changed: true, kicked: 0, live: false })
  const rules = await cli(['acl', 'import', '-', '--data-dir', b.dataDir], { stdin: JSON.stringify(acl.json) })
  t.assert.equal(rules.code, 0, rules.stderr)
  t.assert.equal(rules.stdout, 'topic rules: 3 added, 0 updated, 0 unchanged, 0 deleted\nIP rules: 2 added, 0 updated, 0 unchanged, 0 deleted\n')
  t.assert.match(rules.stderr, /topic access is now deny by default/)

  await writeFile(join(b.root, 'broker.yaml'), 'allow_anonymous: false\n')
  const port = (await startDaemon(b, ['--config', join(b.root, 'broker.yaml')])).listeners[0].port
  t.assert.equal(await login(port, 'alice', 'alice-pass'), 0)
  t.assert.equal(await login(port, 'bob', 'bob-pass'), 0)
  t.assert.equal(await login(port, 'bob', 'alice-pass'), 0x86)
  const again = await cliJson<AclDocument>(['acl', 'export', '--data-dir', b.dataDir])
  t.assert.deepEqual([again.json.topic_rules, again.json.ip_rules], [acl.json.topic_rules, acl.json.ip_rules])

  // online, the same file again: nothing changes; --replace with alice only deletes bob and kicks him
  const same = await cli(['account', 'import', accountsFile, '--data-dir', b.dataDir])
  t.assert.equal(same.stdout, 'accounts: 0 added, 0 updated, 2 unchanged, 0 deleted\n', same.stderr)
  const bob = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, protocolVersion: 5, clientId: 'bob-live', username: 'bob', password: 'bob-pass' }, false)
  t.after(() => bob.endAsync(true))
  const closed = new Promise<number | undefined>((resolve) => { bob.once('disconnect', (p) => { resolve(p.reasonCode) }) })
  const onlyAlice = { ...online, accounts: online.accounts.filter((e) => e.username === 'alice') }
  const replaced = await cliJson<Methods['account.import']['result']>(['account', 'import', '-', '--replace', '--kick', '--data-dir', b.dataDir], { stdin: JSON.stringify(onlyAlice) })
  t.assert.deepEqual(replaced.json, { added: 0, updated: 0, unchanged: 1, deleted: 1, changed: true, kicked: 1, live: true }, replaced.stderr)
  t.assert.equal(await closed, 0x87)
  t.assert.equal(await login(port, 'bob', 'bob-pass'), 0x86)

  // acl --replace with one rule: the others go, the identical one stays
  const oneRule = { ...acl.json, topic_rules: acl.json.topic_rules.slice(0, 1), ip_rules: [] }
  const aclReplaced = await cliJson<Methods['acl.import']['result']>(['acl', 'import', '-', '--replace', '--data-dir', b.dataDir], { stdin: JSON.stringify(oneRule) })
  t.assert.deepEqual([aclReplaced.json.topic_rules, aclReplaced.json.ip_rules, aclReplaced.json.live],
    [{ added: 0, updated: 0, unchanged: 1, deleted: 2 }, { added: 0, updated: 0, unchanged: 0, deleted: 2 }, true], aclReplaced.stderr)
})

test('import checks the whole file first: the bad entry is named, exit 65, nothing changed', async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]
  await provision(dir)
  const before = await cliJson<AccountsDocument>(['account', 'export', ...dd])
  const doc = { ...before.json, accounts: [{ username: 'carol', hash: before.json.accounts[0].hash }, { username: 'dave', hash: 'plaintext!' }] }
  const bad = await cli(['account', 'import', '-', '--replace', ...dd], { stdin: JSON.stringify(doc) })
  t.assert.equal(bad.code, 65)
  t.assert.match(bad.stderr, /-: accounts\[1\] \(user "dave"\): the password hash is not a bcrypt hash/)
  const twice = await cli(['account', 'import', '-', ...dd], { stdin: JSON.stringify({ ...doc, accounts: [doc.accounts[0], doc.accounts[0]] }) })
  t.assert.deepEqual([twice.code, /accounts\[1\] \(user "carol"\): the user appears twice/.test(twice.stderr)], [65, true], twice.stderr)
  const wrongKind = await cli(['acl', 'import', '-', ...dd], { stdin: JSON.stringify(doc) })
  t.assert.match(wrongKind.stderr, /not an mqttd-acl file \(its format is "mqttd-accounts"\)/)
  t.assert.equal(wrongKind.code, 65)
  const missing = await cli(['account', 'import', join(dir.root, 'nope.json'), ...dd])
  t.assert.deepEqual([missing.code, /cannot read .*nope\.json/.test(missing.stderr)], [65, true])

  const acl = await cliJson<AclDocument>(['acl', 'export', ...dd])
  const badRule = { ...acl.json, topic_rules: [...acl.json.topic_rules, { subject: 'pattern', user: null, topic: 'a/#/b', access: 'read', effect: 'allow' }] }
  const refused = await cli(['acl', 'import', '-', '--replace', ...dd], { stdin: JSON.stringify(badRule) })
  t.assert.equal(refused.code, 65)
  t.assert.match(refused.stderr, /topic_rules\[3\] \(allow read "a\/#\/b"\): 'a\/#\/b' is not a valid topic filter/)
  const badIp = { ...acl.json, ip_rules: [{ cidr: '300.1.2.3/8', action: 'deny', skip_auth: false }] }
  t.assert.match((await cli(['acl', 'import', '-', ...dd], { stdin: JSON.stringify(badIp) })).stderr, /ip_rules\[0\] \("300\.1\.2\.3\/8"\)/)

  const after = await cliJson<AccountsDocument>(['account', 'export', ...dd])
  t.assert.deepEqual(after.json.accounts, before.json.accounts)
  t.assert.deepEqual((await cliJson<AclDocument>(['acl', 'export', ...dd])).json.topic_rules, acl.json.topic_rules)
})
