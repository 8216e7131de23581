/**
 * `npm run crash`: the kill -9 harness. Runs our broker on the embedded store under QoS 1 and QoS 2
 * load, kills it with SIGKILL at random moments (`--kills`, default 10) and restarts it, then checks
 * that nothing acknowledged was lost:
 *
 * - two publishers (QoS 1 on `crash/q1`, QoS 2 on `crash/q2`, persistent sessions, mqtt.js resending
 *   what was not acknowledged after each reconnect), numbering their messages;
 * - an online persistent subscriber (QoS 2 on both) that reconnects after every kill, and an
 *   offline one (QoS 1) that subscribes first and only connects at the end, to drain its queue;
 * - a retained message per second, whose last acknowledged value must survive.
 *
 * A message counts as acknowledged when its PUBACK / PUBCOMP arrived (mqtt.js fails, with
 * "Connection closed", the publishes it holds back while it replays its store after a reconnect
 * and the connection drops again: those never reached the broker and are reported apart). Pass: every acknowledged
 * message reached both subscribers, every QoS 2 message reached the online one at most once, and
 * the last acknowledged retained value is there. Prints the figures; exits 1 on any loss or
 * duplicate, 70 when the broker would not start. Options: --kills N, --seed N (for the random
 * moments), --keep (leave the data dir for a look).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import mqtt, { type MqttClient } from 'mqtt'
import { ROOT, freePort } from './brokers.js'

const { values: args } = parseArgs({
  options: {
    kills: { type: 'string', default: '10' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    keep: { type: 'boolean', default: false },
  },
})

const kills = Number(args.kills)
let seed = Number(args.seed)
/** A small deterministic generator (mulberry32), so a failing run can be repeated with --seed. */
function random (): number {
  seed = (seed + 0x6D2B79F5) | 0
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function waitForPort (port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true) })
      s.on('error', () => resolve(false))
    })
    if (ok) return
    await sleep(50)
  }
  throw new Error(`the broker did not listen on ${port} within ${timeoutMs} ms`)
}

const dataDir = mkdtempSync(join(tmpdir(), 'mqttd-crash-'))
const port = await freePort()
const url = `mqtt://127.0.0.1:${port}`
let broker = null as ChildProcess | null
// room for everything the offline subscriber is sent while away (the defaults would drop past 1,000)
const configFile = join(dataDir, 'crash.yaml')
writeFileSync(configFile, 'max_queued_messages: 1000000\nmax_queued_bytes: 0\nlog_level: warn\n')

async function startBroker (): Promise<void> {
  broker = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'start', '--foreground', '--config', configFile, '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port)],
    { stdio: 'ignore' })
  await waitForPort(port, 20_000)
}

function client (clientId: string, clean = false): MqttClient {
  return mqtt.connect(url, { clientId, clean, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 200, connectTimeout: 5000 })
}

function connected (c: MqttClient): Promise<void> {
  return c.connected ? Promise.resolve() : new Promise((resolve) => c.once('connect', () => resolve()))
}

const acked = { q1: new Set<number>(), q2: new Set<number>() }
const online = { q1: new Map<number, number>(), q2: new Map<number, number>() }
const offline = { q1: new Set<number>(), q2: new Set<number>() }
let lastRetainedAcked = -1
let published = 0
/** Publishes the client library itself gave up on, by its error message. */
const failed = new Map<string, number>()

function record (into: Map<number, number>, payload: Buffer): void {
  const n = Number(payload.toString())
  into.set(n, (into.get(n) ?? 0) + 1)
}

try {
  await startBroker()
  // the offline subscriber: subscribes, then stays away until the end
  const off = client('crash-offline')
  await connected(off)
  await off.subscribeAsync(['crash/q1', 'crash/q2'], { qos: 1 })
  await off.endAsync()
  const on = client('crash-online')
  on.on('message', (topic, payload) => { if (topic !== 'crash/retained') record(topic === 'crash/q1' ? online.q1 : online.q2, payload) })
  await connected(on)
  await on.subscribeAsync(['crash/q1', 'crash/q2'], { qos: 2 })
  const publishers = { q1: client('crash-pub-1'), q2: client('crash-pub-2') }
  await Promise.all([connected(publishers.q1), connected(publishers.q2)])

  let running = true
  const load = (async () => {
    let n = 0
    let lastRetained = Date.now()
    while (running) {
      const seq = n++
      published++
      for (const [key, qos] of [['q1', 1], ['q2', 2]] as const) {
        publishers[key].publish(`crash/${key}`, String(seq), { qos }, (err) => {
          if (err == null) acked[key].add(seq)
          else failed.set(err.message, (failed.get(err.message) ?? 0) + 1)
        })
      }
      if (Date.now() - lastRetained > 1000) {
        lastRetained = Date.now()
        publishers.q1.publish('crash/retained', String(seq), { qos: 1, retain: true }, (err) => { if (err == null) lastRetainedAcked = Math.max(lastRetainedAcked, seq) })
      }
      // at most 200 unacknowledged per publisher: a steady load rather than a backlog in the client
      while (running && n - Math.min(acked.q1.size, acked.q2.size) > 200) await sleep(5)
    }
  })()

  for (let k = 0; k < kills; k++) {
    await sleep(300 + random() * 1500)
    broker?.kill('SIGKILL')
    await new Promise((resolve) => broker?.once('exit', resolve))
    process.stderr.write(`kill ${k + 1}/${kills}: ${published} published, ${acked.q1.size} + ${acked.q2.size} acknowledged\n`)
    await startBroker()
  }
  running = false
  await load
  // everything published is acknowledged in the end (mqtt.js resends after each reconnect)
  const settleBy = Date.now() + 60_000
  while ((acked.q1.size < published || acked.q2.size < published) && Date.now() < settleBy) await sleep(100)
  await sleep(1000) // the online subscriber's last deliveries
  for (const p of Object.values(publishers)) await p.endAsync(true)

  const drained = mqtt.connect(url, { clientId: 'crash-offline', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 0 })
  let lastAt = Date.now()
  let retainedSeen = -1
  drained.on('message', (topic, payload) => {
    (topic === 'crash/q1' ? offline.q1 : offline.q2).add(Number(payload.toString()))
    lastAt = Date.now()
  })
  await connected(drained)
  while (Date.now() - lastAt < 2000) await sleep(200)
  const late = client(`crash-late-${Date.now()}`, true)
  late.on('message', (topic, payload) => { if (topic === 'crash/retained') retainedSeen = Number(payload.toString()) })
  await connected(late)
  await late.subscribeAsync('crash/retained', { qos: 1 })
  await sleep(500)
  await Promise.all([drained.endAsync(true), late.endAsync(true), on.endAsync(true)])

  const lostOnline = [...acked.q1].filter((n) => !online.q1.has(n)).length + [...acked.q2].filter((n) => !online.q2.has(n)).length
  const lostOffline = [...acked.q1].filter((n) => !offline.q1.has(n)).length + [...acked.q2].filter((n) => !offline.q2.has(n)).length
  const duplicates = [...online.q2.values()].filter((count) => count > 1).length
  const retainedOk = retainedSeen >= lastRetainedAcked
  process.stdout.write([
    `kills: ${kills} (seed ${args.seed})`,
    `published: ${published} per publisher; acknowledged: QoS 1 ${acked.q1.size}, QoS 2 ${acked.q2.size}` +
      (acked.q1.size < published || acked.q2.size < published
        ? ` (the rest never reached the broker: mqtt.js fails the publishes it holds while replaying its store when the connection drops, "${[...failed.keys()].join('", "')}"; not counted as lost)`
        : ''),
    `online subscriber: lost ${lostOnline}, QoS 2 duplicates ${duplicates}`,
    `offline subscriber: lost ${lostOffline}`,
    `retained: last acknowledged ${lastRetainedAcked}, found ${retainedSeen}${retainedOk ? '' : ' (LOST)'}`,
  ].join('\n') + '\n')
  process.exitCode = lostOnline === 0 && lostOffline === 0 && duplicates === 0 && retainedOk ? 0 : 1
} catch (err) {
  process.stderr.write(`npm run crash: ${(err as Error).message}\n`)
  process.exitCode = 70
} finally {
  broker?.kill('SIGKILL')
  if (args.keep) process.stderr.write(`data dir kept: ${dataDir}\n`)
  else rmSync(dataDir, { recursive: true, force: true })
}
