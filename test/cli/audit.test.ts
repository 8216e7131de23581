/**
 * The audit log (src/control/audit.ts): admin changes made with the real mqttctl against a real
 * daemon each leave one structured info line in broker.log (read back with `mqttctl logs --json`),
 * with who made them; read-only requests, dry runs and refused requests leave none, and no line
 * carries a password or a hash. A client that does not say who it is (an older mqttctl) is still
 * audited, with the socket owner only.
 */
import net from 'node:net'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'

import { runCli, startDaemon, testDir, until, type TestDir } from './harness.js'

interface AuditLine { audit: true; action: string; target: unknown; who: { socket_uid: number | null; uid: number | null; user: string | null; pid: number | null }; msg: string; level: number; [key: string]: unknown }

async function auditLines (dir: TestDir): Promise<AuditLine[]> {
  const res = await runCli(['logs', '--json', '-n', '1000', '--data-dir', dir.dataDir])
  return res.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditLine).filter((l) => l.audit === true)
}

/** Sends one request the way a client that predates the audit log does (no `client` field); resolves with the reply. */
function rawRequest (socketPath: string, frame: { id: number; method: string; params: object }): Promise<{ result?: unknown }> {
  const socket = net.connect(socketPath)
  return new Promise((resolve, reject) => {
    let buffered = ''
    socket.on('error', reject)
    socket.on('data', (chunk) => {
      buffered += chunk.toString()
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const reply = JSON.parse(buffered.slice(0, nl)) as { hello?: unknown; id?: number; result?: unknown }
        buffered = buffered.slice(nl + 1)
        if (reply.hello !== undefined) socket.write(JSON.stringify(frame) + '\n')
        else if (reply.id === frame.id) { socket.destroy(); resolve(reply) }
      }
    })
  })
}

test('admin changes over the control socket are audited at info, with who; reads, dry runs and refusals are not; never a password or hash', async (t: TestContext) => {
  const dir = await testDir(t)
  await startDaemon(dir)
  const dd = ['--data-dir', dir.dataDir]
  const ok = async (args: string[], stdin?: string): Promise<void> => {
    const res = await runCli([...args, ...dd], stdin === undefined ? {} : { stdin })
    t.assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`)
  }
  await ok(['account', 'set', 'alice', '--password-stdin'], 'first-secret\n')
  await ok(['account', 'passwd', 'alice', '--password-stdin'], 'second-secret\n')
  await ok(['acl', 'rule', 'add', '--user', 'alice', '--topic', 'alice/#', '--access', 'readwrite'])
  await ok(['acl', 'ip', 'deny', '192.0.2.0/24'])
  await ok(['config', 'set', 'max_inflight', '50'])
  await ok(['retained', 'clear', '#', '--dry-run'])
  await ok(['account', 'list'])
  await ok(['state'])
  t.assert.equal((await runCli(['client', 'kick', 'nobody', ...dd])).code, 65, 'a refused kick')
  await ok(['reset', '--retained', '--yes'])
  await ok(['account', 'del', 'alice', '--yes'])
  const raw = await rawRequest(join(dir.dataDir, 'mqttctl.sock'), { id: 7, method: 'config.set', params: { key: 'max_inflight', value: '60' } })
  t.assert.ok(raw.result !== undefined, 'an older client is answered as before')

  const lines = await until('the last audit line', async () => {
    const got = await auditLines(dir)
    return got.length >= 8 && got
  })
  t.assert.deepEqual(lines.map((l) => [l.action, l.target]), [
    ['account.set', 'alice'],
    ['account.set', 'alice'],
    ['acl.rule.add', 1],
    ['acl.ip.set', '192.0.2.0/24'],
    ['config.set', 'max_inflight'],
    ['reset', ['retained']],
    ['account.del', 'alice'],
    ['config.set', 'max_inflight'],
  ])
  t.assert.deepEqual([lines[0].created, lines[1].created], [true, false], 'set, then passwd')
  t.assert.deepEqual([lines[4].previous, lines[4].value], [100, 50])
  t.assert.ok(lines.every((l) => l.level === 30), 'at info')
  const me = { socket_uid: process.getuid?.() ?? null, uid: process.getuid?.() ?? null, user: userInfo().username }
  for (const l of lines.slice(0, -1)) {
    t.assert.deepEqual({ ...l.who, pid: 0 }, { ...me, pid: 0 })
    t.assert.ok(Number.isInteger(l.who.pid) && l.who.pid !== process.pid, 'the pid of the mqttctl process')
  }
  t.assert.deepEqual(lines[7].who, { socket_uid: me.socket_uid, uid: null, user: null, pid: null }, 'an older client: the socket owner only')
  t.assert.match(lines[0].msg, new RegExp(`^audit: account\\.set "alice" by ${me.user}$`))

  const whole = (await runCli(['logs', '--json', '-n', '1000', ...dd])).stdout
  t.assert.doesNotMatch(whole, /first-secret|second-secret|\$2[aby]\$/, 'no password, no bcrypt hash')
})
