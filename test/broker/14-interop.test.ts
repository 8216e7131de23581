/**
 * Interoperability with third-party clients: mosquitto_pub/mosquitto_sub (Debian's
 * mosquitto-clients, libmosquitto) and paho-mqtt for Python (Debian's python3-paho-mqtt), driven as
 * child processes against an in-process broker on a free port.
 *
 * A test is skipped only when its tool is missing; CI (.ci/run) installs both, so there they run.
 * `/usr/bin/python3` is used on purpose: a `python3` earlier on PATH (pyenv) may lack paho. The
 * paho script asks for the 1.x callback signatures, which paho 1.6 has natively and paho 2.x gives
 * with `CallbackAPIVersion.VERSION1`, so one script serves both.
 * mosquitto_sub runs with `-d`; the test waits for "received SUBACK" in its output before
 * publishing, and for each mosquitto_pub to exit before starting the next (publish order).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { makeCerts } from '../helpers/certs.js'
import { rawClient } from '../helpers/raw-client.js'

const PYTHON = '/usr/bin/python3'
const hasMosquitto = spawnSync('mosquitto_sub', ['--help']).error === undefined &&
  spawnSync('mosquitto_pub', ['--help']).error === undefined
const pahoProbe = spawnSync(PYTHON, ['-c', 'import paho.mqtt; print(paho.mqtt.__version__)'], { encoding: 'utf8' })
const pahoVersion = pahoProbe.status === 0 ? pahoProbe.stdout.trim() : undefined
const noMosquitto = !hasMosquitto && 'mosquitto-clients not installed'
const noPaho = pahoVersion === undefined && 'python3-paho-mqtt not installed'

interface Exit { code: number | null; stdout: string; stderr: string }

interface Tool {
  readonly child: ChildProcess
  /** Resolves once stdout+stderr match `re`; rejects on timeout or exit without a match. */
  waitFor (re: RegExp, timeoutMs?: number): Promise<void>
  /** Resolves when the process has exited (rejects after `timeoutMs`). */
  exited (timeoutMs?: number): Promise<Exit>
}

/** Spawns `cmd`; the process is killed after the test if it is still running. */
function spawnTool (t: TestContext, cmd: string, args: string[]): Tool {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let exit: Exit | null = null
  const listeners = new Set<() => void>()
  const notify = (): void => { for (const l of [...listeners]) l() }
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; notify() })
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; notify() })
  child.on('close', (code) => { exit = { code, stdout, stderr }; notify() })
  child.on('error', (err) => { stderr += String(err); exit = { code: -1, stdout, stderr }; notify() })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })

  const until = <T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => { listeners.delete(l); reject(new Error(`${cmd}: timed out waiting for ${what}\n${stdout}${stderr}`)) }, timeoutMs)
      const l = (): void => {
        let result: T | undefined
        try { result = check() } catch (err) { listeners.delete(l); clearTimeout(timer); reject(err); return }
        if (result !== undefined) { listeners.delete(l); clearTimeout(timer); resolve(result) }
      }
      listeners.add(l)
      l()
    })

  return {
    child,
    waitFor: (re, timeoutMs = 5000) => until(() => {
      if (re.test(stdout + stderr)) return true
      if (exit !== null) throw new Error(`${cmd} exited (${exit.code}) before ${re}\n${stdout}${stderr}`)
      return undefined
    }, String(re), timeoutMs).then(() => undefined),
    exited: (timeoutMs = 15000) => until(() => exit ?? undefined, 'exit', timeoutMs),
  }
}

/** Runs `cmd` to completion. */
function run (t: TestContext, cmd: string, args: string[]): Promise<Exit> {
  return spawnTool(t, cmd, args).exited()
}

/**
 * Starts mosquitto_sub with `-d` and resolves once its SUBACK has arrived. Its stdout is a pipe,
 * which stdio would buffer until exit: `stdbuf -oL` (coreutils) makes it line-buffered.
 */
async function mosquittoSub (t: TestContext, port: number, args: string[]): Promise<Tool> {
  const sub = spawnTool(t, 'stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-d', '-W', '10', ...args])
  await sub.waitFor(/received SUBACK/)
  return sub
}

/** The formatted message lines (`-F 'MSG …'`) of a mosquitto_sub run. */
const messageLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('MSG '))

for (const version of ['mqttv31', 'mqttv311', 'mqttv5'] as const) {
  test(`mosquitto_sub -V ${version} receives QoS 0, 1 and 2 messages from mosquitto_pub -V ${version}`, { skip: noMosquitto }, async (t: TestContext) => {
    const { port } = await startBroker(t)
    const sub = await mosquittoSub(t, port, ['-V', version, '-t', 'interop/#', '-q', '2', '-C', '3', '-F', 'MSG %q %r %t %p'])
    for (const qos of [0, 1, 2]) {
      const pub = await run(t, 'mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-V', version,
        '-t', `interop/q${qos}`, '-m', `m${qos}`, '-q', String(qos)])
      t.assert.equal(pub.code, 0, `mosquitto_pub QoS ${qos}: ${pub.stderr}`)
    }
    const done = await sub.exited()
    t.assert.equal(done.code, 0, done.stderr)
    t.assert.deepEqual(messageLines(done.stdout), ['MSG 0 0 interop/q0 m0', 'MSG 1 0 interop/q1 m1', 'MSG 2 0 interop/q2 m2'])
    if (version === 'mqttv311' || version === 'mqttv5') {
      // The QoS 2 flow completed on the subscriber's side too (its debug log names each step).
      t.assert.match(done.stdout, /received PUBREL[\s\S]*sending PUBCOMP/)
    }
  })
}

test('mosquitto_pub -V mqttv5 -D publish user-property: the user properties and content type reach an mqtt.js v5 subscriber', { skip: noMosquitto }, async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await connect(t, url, { protocolVersion: 5 })
  await sub.subscribeAsync('props/#', { qos: 1 })
  const got = nextMessages(sub, 1, 10000)
  const pub = await run(t, 'mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv5', '-q', '1',
    '-t', 'props/x', '-m', 'with props',
    '-D', 'publish', 'user-property', 'k', 'v',
    '-D', 'publish', 'user-property', 'site', 'lab 2',
    '-D', 'publish', 'content-type', 'text/plain'])
  t.assert.equal(pub.code, 0, pub.stderr)
  const [m] = await got
  t.assert.equal(m.payload.toString(), 'with props')
  t.assert.deepEqual(m.packet.properties?.userProperties, { k: 'v', site: 'lab 2' })
  t.assert.equal(m.packet.properties?.contentType, 'text/plain')
})

test('mosquitto_sub -V mqttv5 prints the user properties of an mqtt.js v5 publisher', { skip: noMosquitto }, async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const sub = await mosquittoSub(t, port, ['-V', 'mqttv5', '-t', 'up/x', '-q', '1', '-C', '1', '-F', 'MSG %t %p %P'])
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('up/x', 'hello', { qos: 1, properties: { userProperties: { from: 'mqttjs' } } })
  const done = await sub.exited()
  t.assert.equal(done.code, 0, done.stderr)
  t.assert.deepEqual(messageLines(done.stdout), ['MSG up/x hello from:mqttjs'])
})

test('mosquitto_sub receives a retained message that mosquitto_pub -r left before it subscribed', { skip: noMosquitto }, async (t: TestContext) => {
  const { port } = await startBroker(t)
  const pub = await run(t, 'mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'ret/x', '-m', 'kept', '-q', '1', '-r'])
  t.assert.equal(pub.code, 0, pub.stderr)
  const done = await spawnTool(t, 'mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-W', '10',
    '-t', 'ret/#', '-C', '1', '-F', 'MSG %q %r %t %p']).exited()
  t.assert.equal(done.code, 0, done.stderr)
  t.assert.deepEqual(messageLines(done.stdout), ['MSG 0 1 ret/x kept'])
})

test('mosquitto_pub over mqtts with require_certificate: refused without a client certificate, delivered with one', { skip: noMosquitto }, async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'mqttd-interop-certs-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const certs = await makeCerts(dir)
  const b = await startBroker(t, {
    listeners: [
      { type: 'mqtt', host: '127.0.0.1', port: 0 },
      { type: 'mqtts', host: '127.0.0.1', port: 0, cert: certs.cert, key: certs.key, ca: certs.ca, require_certificate: true },
    ],
  })
  const sub = await connect(t, b.url)
  await sub.subscribeAsync('tls/#', { qos: 1 })
  const got = nextMessages(sub, 1, 10000)
  const tlsArgs = ['-h', '127.0.0.1', '-p', String(b.broker.listeners[1].port), '--cafile', certs.ca, '-t', 'tls/x', '-q', '1']
  const refused = await run(t, 'mosquitto_pub', [...tlsArgs, '-m', 'no cert'])
  t.assert.notEqual(refused.code, 0, 'no client certificate: mosquitto_pub fails')
  const ok = await run(t, 'mosquitto_pub', [...tlsArgs, '--cert', certs.clientCert, '--key', certs.clientKey, '-m', 'with cert'])
  t.assert.equal(ok.code, 0, ok.stderr)
  t.assert.equal((await got)[0].payload.toString(), 'with cert', 'only the message sent with a certificate arrives')
})

/**
 * paho-mqtt driver. argv: host port version(4|5) mode clientId topic [expected].
 * Modes: roundtrip (clean; subscribe QoS 2, publish QoS 2 to itself, wait for both), subscribe
 * (persistent session; subscribe QoS 2 and disconnect), receive (persistent session; wait for
 * `expected` messages). Prints one JSON object per event; exit 3 on timeout.
 */
const PAHO_SCRIPT = String.raw`
import json, sys, time
import paho.mqtt.client as mqtt

host, port, version, mode, client_id, topic = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
expect = int(sys.argv[7]) if len(sys.argv) > 7 else 0
v5 = version == '5'
state = {'done': False, 'disconnected': False, 'got': 0, 'published': False}

def out(**event):
    print(json.dumps(event), flush=True)

kwargs = {'client_id': client_id, 'protocol': mqtt.MQTTv5 if v5 else mqtt.MQTTv311}
if not v5:
    kwargs['clean_session'] = mode == 'roundtrip'
if hasattr(mqtt, 'CallbackAPIVersion'):  # paho-mqtt 2.x: ask for the 1.x callback signatures
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, **kwargs)
else:  # paho-mqtt 1.x
    client = mqtt.Client(**kwargs)

def code(rc):
    return int(getattr(rc, 'value', rc))

def on_connect(c, userdata, flags, rc, properties=None):
    out(event='connack', rc=code(rc), session_present=bool(flags.get('session present')))
    if mode in ('roundtrip', 'subscribe'):
        c.subscribe(topic, qos=2)
    elif expect == 0:
        state['done'] = True

def on_subscribe(c, userdata, mid, granted, properties=None):
    out(event='suback', granted=[code(g) for g in granted])
    if mode == 'roundtrip':
        c.publish(topic, 'from paho', qos=2)
    else:
        state['done'] = True

def check():
    if mode == 'roundtrip' and state['published'] and state['got'] >= 1:
        state['done'] = True
    if mode == 'receive' and state['got'] >= expect:
        state['done'] = True

def on_publish(c, userdata, mid):
    state['published'] = True
    out(event='published')
    check()

def on_message(c, userdata, msg):
    state['got'] += 1
    out(event='message', topic=msg.topic, payload=msg.payload.decode(), qos=msg.qos)
    check()

def on_disconnect(c, userdata, rc, properties=None):
    state['disconnected'] = True

client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_publish = on_publish
client.on_message = on_message
client.on_disconnect = on_disconnect

if v5:
    from paho.mqtt.properties import Properties
    from paho.mqtt.packettypes import PacketTypes
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0 if mode == 'roundtrip' else 300
    client.connect(host, port, keepalive=30, clean_start=(mode == 'roundtrip'), properties=props)
else:
    client.connect(host, port, keepalive=30)

deadline = time.time() + 10
while not state['done'] and time.time() < deadline:
    client.loop(timeout=0.05)
if not state['done']:
    out(event='timeout')
    sys.exit(3)
client.disconnect()
while not state['disconnected'] and time.time() < deadline:
    client.loop(timeout=0.05)
out(event='end')
`

type PahoEvent = { event: string; [key: string]: unknown }

/** Runs the paho script to completion; returns its events (exit code asserted 0). */
async function paho (t: TestContext, port: number, version: 4 | 5, mode: 'roundtrip' | 'subscribe' | 'receive',
  clientId: string, topic: string, expected = 0): Promise<PahoEvent[]> {
  const res = await run(t, PYTHON, ['-c', PAHO_SCRIPT, '127.0.0.1', String(port), String(version), mode, clientId, topic, String(expected)])
  t.assert.equal(res.code, 0, `paho ${mode} exited ${res.code}\n${res.stdout}${res.stderr}`)
  return res.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PahoEvent)
}

for (const version of [4, 5] as const) {
  const name = version === 5 ? 'MQTTv5' : 'MQTTv311'
  test(`paho-mqtt ${name}: connects, subscribes and receives its own QoS 2 publish`, { skip: noPaho }, async (t: TestContext) => {
    t.diagnostic(`paho-mqtt ${pahoVersion}`)
    const { port } = await startBroker(t)
    const events = await paho(t, port, version, 'roundtrip', `paho-rt-${version}`, 'paho/rt')
    t.assert.deepEqual(events.filter((e) => e.event !== 'published'), [
      { event: 'connack', rc: 0, session_present: false },
      { event: 'suback', granted: [2] },
      { event: 'message', topic: 'paho/rt', payload: 'from paho', qos: 2 },
      { event: 'end' },
    ])
    t.assert.equal(events.filter((e) => e.event === 'published').length, 1, 'its QoS 2 publish completed (PUBCOMP)')
  })

  test(`paho-mqtt ${name}: a persistent session gets the QoS 1 and 2 messages queued while it was offline`, { skip: noPaho }, async (t: TestContext) => {
    const { url, port } = await startBroker(t)
    const clientId = `paho-persist-${version}`
    const first = await paho(t, port, version, 'subscribe', clientId, 'paho/persist/#')
    t.assert.deepEqual(first, [
      { event: 'connack', rc: 0, session_present: false },
      { event: 'suback', granted: [2] },
      { event: 'end' },
    ])
    const pub = await connect(t, url, { protocolVersion: 5 })
    await pub.publishAsync('paho/persist/1', 'one', { qos: 1 })
    await pub.publishAsync('paho/persist/2', 'two', { qos: 2 })
    await pub.publishAsync('paho/persist/0', 'zero', { qos: 0 }) // not queued for an offline session
    const second = await paho(t, port, version, 'receive', clientId, 'paho/persist/#', 2)
    t.assert.deepEqual(second, [
      { event: 'connack', rc: 0, session_present: true },
      { event: 'message', topic: 'paho/persist/1', payload: 'one', qos: 1 },
      { event: 'message', topic: 'paho/persist/2', payload: 'two', qos: 2 },
      { event: 'end' },
    ])
  })
}

// Regression: paho-mqtt 1.6 (Debian bookworm) crashes with "struct.error: unpack requires a
// buffer of 2 bytes" on a v5 PUBREL longer than the packet id, so the broker sends the 2-byte form
// when the reason code is Success (MQTT 5.0 §3.6.2.1 allows omitting it).
test('v5: the PUBREL the broker sends for a QoS 2 delivery is the 2-byte form, also when resent on resume', async (t: TestContext) => {
  const { url, port } = await startBroker(t)
  const clientId = `pubrel-${Math.random().toString(16).slice(2)}`
  const opts = { clientId, clean: false, properties: { sessionExpiryInterval: 60 } }
  const first = await rawClient(t, port, 5)
  await first.connect(opts)
  first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rel/x', qos: 2 }] })
  await first.next('suback')
  const pub = await connect(t, url, { protocolVersion: 5 })
  await pub.publishAsync('rel/x', 'q2', { qos: 2 })
  const publish = await first.next('publish')
  first.send({ cmd: 'pubrec', messageId: publish.messageId })
  const pubrel = await first.next('pubrel')
  t.assert.deepEqual([pubrel.messageId, pubrel.length], [publish.messageId, 2])
  // Leave without PUBCOMP: the PUBREL is sent again when the session resumes [MQTT-4.4.0-1].
  first.socket.destroy()
  const second = await rawClient(t, port, 5)
  second.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, keepalive: 60, ...opts })
  t.assert.equal((await second.next('connack')).sessionPresent, true)
  const again = await second.next('pubrel')
  t.assert.deepEqual([again.messageId, again.length], [publish.messageId, 2])
})
