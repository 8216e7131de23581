/**
 * `mqttctl account import --format mosquitto` and `mqttctl acl import --format mosquitto` with
 * files made by the real `mosquitto_passwd` (Debian package mosquitto; the test is skipped without
 * it): the imported accounts log in with mqtt.js, each hash is replaced by bcrypt at its account's
 * first login, the acl_file's rules are enforced, and lines that would not mean the same are
 * refused whole (exit 65, naming the line).
 */
import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import mqtt, { type IClientOptions } from 'mqtt'
import type { AccountsDocument } from '../../src/control/transfer-format.js'
import type { AccountSummary, Methods } from '../../src/control/schema.js'
import type { ListPage } from '../../src/cli/filter.js'
import { mqttctl as cli, mqttctlJson as cliJson } from '../helpers/mqttctl.js'
import { startDaemon, testDir, until } from './harness.js'

const hasMosquittoPasswd = ((): boolean => {
  try {
    execFileSync('mosquitto_passwd', ['--help'], { stdio: 'ignore' })
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT'
  }
})()

const ACL = `# anonymous clients: before any user line
topic read public/#

user alice
topic readwrite alice/#
topic deny alice/secret/#
user bob
topic write bob/out
pattern read devices/%c/cmd
pattern write $SYS/broker/connection/%c/state
`

async function tryConnect (t: TestContext, port: number, opts: IClientOptions): Promise<mqtt.MqttClient | number> {
  try {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 5, ...opts }, false)
    t.after(() => client.endAsync(true))
    return client
  } catch (err) {
    return (err as { code?: number }).code ?? -1
  }
}

test('a mosquitto_passwd file and an acl_file: logins, bcrypt at first login, the rules enforced', { skip: !hasMosquittoPasswd && 'mosquitto_passwd is not installed (Debian package mosquitto)' }, async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]
  const pw = join(dir.root, 'passwd')
  execFileSync('mosquitto_passwd', ['-c', '-b', pw, 'alice', 'alice-pass'])
  execFileSync('mosquitto_passwd', ['-H', 'sha512', '-b', pw, 'bob', 'bob-pass'])
  const written = await readFile(pw, 'utf8')
  t.assert.match(written, /^alice:\$7\$101\$/m)
  t.assert.match(written, /^bob:\$6\$/m)
  await writeFile(pw, `# made by mosquitto_passwd\n${written}\n`)

  const accounts = await cliJson<Methods['account.import']['result']>(['account', 'import', '--format', 'mosquitto', pw, ...dd])
  t.assert.equal(accounts.code, 0, accounts.stderr)
  t.assert.deepEqual([accounts.json.added, accounts.json.live], [2, false])
  const aclFile = join(dir.root, 'acl')
  await writeFile(aclFile, ACL)
  const rules = await cli(['acl', 'import', '--format', 'mosquitto', aclFile, ...dd])
  t.assert.equal(rules.code, 0, rules.stderr)
  t.assert.match(rules.stdout, /^topic rules: 6 added, 0 updated, 0 unchanged, 0 deleted\nIP rules: 0 added/)
  t.assert.match(rules.stderr, /warning: line 10: no client writes under \$SYS here/)
  const list = await cliJson<ListPage<AccountSummary>>(['account', 'list', ...dd])
  t.assert.deepEqual(list.json.items.map((a) => [a.username, a.hash_type]), [['alice', 'pbkdf2-sha512'], ['bob', 'sha512']])
  t.assert.equal((await cli(['account', 'test', 'bob', '--password-stdin', ...dd], { stdin: 'bob-pass' })).code, 0)
  t.assert.equal((await cli(['account', 'test', 'bob', '--password-stdin', ...dd], { stdin: 'bob-pasS' })).code, 1)

  await writeFile(join(dir.root, 'broker.yaml'), 'allow_anonymous: true\n')
  const port = (await startDaemon(dir, ['--config', join(dir.root, 'broker.yaml')])).listeners[0].port
  t.assert.equal(await tryConnect(t, port, { clientId: 'a0', username: 'alice', password: 'wrong' }), 0x86)
  const alice = await tryConnect(t, port, { clientId: 'a1', username: 'alice', password: 'alice-pass' })
  const bob = await tryConnect(t, port, { clientId: 'c1', username: 'bob', password: 'bob-pass' })
  if (typeof alice === 'number' || typeof bob === 'number') throw new Error(`login refused: alice ${String(alice)}, bob ${String(bob)}`)

  // both hashes become bcrypt after the first login; the passwords still work
  const upgraded = await until('bcrypt hashes after the first logins', async () => {
    const doc = (await cliJson<AccountsDocument>(['account', 'export', ...dd])).json
    return doc.accounts.every((a) => a.hash.startsWith('$2')) && doc
  })
  t.assert.ok(upgraded.accounts.every((a) => /^\$2[aby]\$10\$/.test(a.hash)))
  const again = await tryConnect(t, port, { clientId: 'a2', username: 'alice', password: 'alice-pass' })
  t.assert.equal(typeof again, 'object')
  t.assert.equal(await tryConnect(t, port, { clientId: 'a3', username: 'alice', password: 'bob-pass' }), 0x86)
  const listed = await cliJson<ListPage<AccountSummary>>(['account', 'list', ...dd])
  t.assert.deepEqual(listed.json.items.map((a) => a.hash_type), ['bcrypt', 'bcrypt'])

  // the rules: alice writes alice/# but not alice/secret/#, bob writes bob/out and reads devices/c1/cmd (his client id)
  await alice.publishAsync('alice/x', 'ok', { qos: 1 })
  await t.assert.rejects(alice.publishAsync('alice/secret/x', 'no', { qos: 1 }), (err: { code?: number }) => err.code === 0x87)
  await bob.publishAsync('bob/out', 'ok', { qos: 1 })
  t.assert.deepEqual((await bob.subscribeAsync('devices/c1/cmd', { qos: 1 })).map((g) => g.qos), [1])
  await t.assert.rejects(bob.subscribeAsync('devices/c2/cmd', { qos: 1 }), /Not authorized/)
  const anon = await cli(['acl', 'check', '--anonymous', 'public/news', '--access', 'read', ...dd])
  t.assert.equal(anon.code, 0, anon.stdout)
  t.assert.equal((await cli(['acl', 'check', '--anonymous', 'public/news', '--access', 'write', ...dd])).code, 1)
})

test('Mosquitto files: what cannot mean the same here is refused whole, naming the line', async (t: TestContext) => {
  const dir = await testDir(t)
  const dd = ['--data-dir', dir.dataDir]
  const cases: Array<[string[], string, RegExp]> = [
    [['acl', 'import'], 'user alice\ntopic read alice/%u\n', /line 2 \("topic read alice\/%u"\): Mosquitto matches %u and %c literally/],
    [['acl', 'import'], 'topic read a\nsuperuser alice\n', /line 2 \("superuser alice"\): 'superuser' is not an acl_file keyword/],
    [['acl', 'import'], 'topic sometimes a/b\n', /line 1 \("topic sometimes a\/b"\): 'sometimes' is not an access type/],
    [['acl', 'import'], 'topic read a/#/b\n', /line 1 .*'a\/#\/b' is not a valid topic filter/],
    [['acl', 'import'], '# nothing but comments\n\n', /no topic or pattern line: Mosquitto denies every topic/],
    [['account', 'import'], 'alice:$7$101$XWEXYFp0alPLBYLw$RJPuY4ktfB4NO70v2WUgF6F4wRsZlr0LIKrWkVf+1D0+M8elNyqMzw8WhoelJ9WiNjKX9EJFQ74uah35sD/bJA==\ncarol:secret\n',
      /line 2 \(user "carol"\): a plain-text password \(hash the file with mosquitto_passwd -U first\)/],
    [['account', 'import'], 'dave:$7$101$abc$def\n', /line 1 \(user "dave"\): not a Mosquitto \$7\$ \(PBKDF2-SHA512\) or \$6\$ \(SHA512\) hash/],
  ]
  for (const [command, content, why] of cases) {
    const res = await cli([...command, '--format', 'mosquitto', '-', ...dd], { stdin: content })
    t.assert.equal(res.code, 65, `${content}: ${res.stderr}`)
    t.assert.match(res.stderr, why)
  }
  const list = await cliJson<ListPage<AccountSummary>>(['account', 'list', ...dd])
  t.assert.equal(list.json.total, 0, 'nothing was imported')
})
