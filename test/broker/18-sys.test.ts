/**
 * The `$SYS/broker/...` tree (src/core/sys-tree.ts): published as retained QoS 0 messages every
 * `sys_interval` seconds, hidden from leading wildcards, changed at run time by `config set`, and
 * read directly by the `sys.watch` control stream. Waits are on real intervals, with deadlines.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import type { IPublishPacket, MqttClient } from 'mqtt'
import type { SysSnapshot } from '../../src/control/schema.js'
import type { Message } from '../../src/protocol/message.js'
import { connect, startBroker } from '../helpers/broker.js'
import { collectUntil, until } from '../helpers/messages.js'
import { control } from '../helpers/control.js'

const SYS = '$SYS/broker/'

/** Every `$SYS` message a client receives, in order (payloads as text). */
function record (client: MqttClient): Array<{ topic: string; payload: string; retain: boolean }> {
  const got: Array<{ topic: string; payload: string; retain: boolean }> = []
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    if (topic.startsWith('$SYS/')) got.push({ topic, payload: payload.toString(), retain: packet.retain })
  })
  return got
}

test('a $SYS/# subscriber gets the version and clients/connected follows connections (sys_interval 1)', async (t: TestContext) => {
  const { url } = await startBroker(t, { sys_interval: 1 })
  const sub = await connect(t, url)
  const got = record(sub)
  await sub.subscribeAsync('$SYS/#', { qos: 0 })
  await until(() => got.some((m) => m.topic === `${SYS}version`), 'the version arrives')
  t.assert.match(got.find((m) => m.topic === `${SYS}version`)?.payload ?? '', /^mqttd version \d+\.\d+\.\d+/)
  await until(() => got.some((m) => m.topic === `${SYS}clients/connected` && m.payload === '1'), 'clients/connected is 1', 5000)
  await connect(t, url)
  await until(() => got.some((m) => m.topic === `${SYS}clients/connected` && m.payload === '2'), 'clients/connected is 2', 5000)
  await until(() => got.some((m) => m.topic === `${SYS}clients/maximum` && m.payload === '2'), 'clients/maximum is 2', 5000)
})

test('[MQTT-4.7.2-1] a # subscriber receives no $SYS topic, retained or live', async (t: TestContext) => {
  const { url } = await startBroker(t, { sys_interval: 1 })
  const all = await connect(t, url)
  const everything = collectUntil(all, 'marker/done', 8000)
  await all.subscribeAsync('#', { qos: 0 }) // the $SYS tree is already retained: none of it may come
  const watcher = await connect(t, url)
  const live = record(watcher)
  await watcher.subscribeAsync(`${SYS}uptime`, { qos: 0 })
  // A live (not retained) uptime means a tick routed after both subscriptions existed.
  await until(() => live.some((m) => !m.retain), 'a live $SYS publication', 5000)
  await all.publishAsync('marker/done', 'x', { qos: 0 })
  const topics = (await everything).map((m) => m.topic)
  t.assert.deepEqual(topics, ['marker/done'])
})

test('$SYS values are retained for a late subscriber, in Mosquitto\'s formats', async (t: TestContext) => {
  const { url } = await startBroker(t, { sys_interval: 3600 }) // published once, at start
  const late = await connect(t, url)
  const got = record(late)
  await late.subscribeAsync(`${SYS}#`, { qos: 0 })
  const wanted = ['version', 'uptime', 'clients/total', 'messages/received', 'publish/messages/dropped',
    'retained messages/count', 'heap/maximum', 'rss', 'load/bytes/received/1min', 'load/sockets/15min']
  await until(() => wanted.every((k) => got.some((m) => m.topic === SYS + k)), `retained ${wanted.join(', ')}`)
  const payload = (key: string): string | undefined => got.find((m) => m.topic === SYS + key)?.payload
  t.assert.ok(got.every((m) => m.retain), 'every message is sent as retained')
  t.assert.match(payload('uptime') ?? '', /^\d+ seconds$/)
  t.assert.match(payload('load/bytes/received/1min') ?? '', /^\d+\.\d\d$/)
  t.assert.match(payload('heap/maximum') ?? '', /^[1-9]\d*$/)
})

test('a publication carries only the values that changed', async (t: TestContext) => {
  const { broker } = await startBroker(t) // sys_interval 0: the test drives the publisher
  const engine = broker.engine
  const topics: string[] = []
  const publish = engine.publish.bind(engine)
  engine.publish = (msg: Message, now: number) => { topics.push(msg.topic); return publish(msg, now) }
  const now = Date.now()
  const first = broker.sysTree.publish(now)
  t.assert.equal(first, topics.length)
  t.assert.ok(first >= 40, `the first publication has every topic (got ${first})`)
  topics.length = 0
  broker.sysTree.publish(now)
  // Between the two: the 48 new retained messages, and whatever the heap did.
  const mayChange = new Set(['retained messages/count', 'messages/stored', 'heap/current', 'heap/maximum', 'rss'].map((k) => SYS + k))
  t.assert.deepEqual(topics.filter((topic) => !mayChange.has(topic)), [])
  t.assert.ok(topics.includes(`${SYS}retained messages/count`))
})

test('config set sys_interval starts the $SYS tree at once (0 → 1)', async (t: TestContext) => {
  const { broker, url } = await startBroker(t, { sys_interval: 0 })
  t.assert.equal(broker.engine.retained.get(`${SYS}version`), undefined, 'nothing is published while disabled')
  const ctl = await control(t, broker.controlSocketPath)
  const sub = await connect(t, url)
  const got = record(sub)
  await sub.subscribeAsync(`${SYS}#`, { qos: 0 })
  t.assert.deepEqual(await ctl.request('config.set', { key: 'sys_interval', value: '1' }), { key: 'sys_interval', previous: 0, value: 1, persisted: false })
  await until(() => got.some((m) => m.topic === `${SYS}version`), 'the version is published', 3000)
  t.assert.ok((await ctl.request('config.show', {})).live_keys.includes('sys_interval'))
})

test('config set sys_interval re-arms a running publisher (3600 → 1)', async (t: TestContext) => {
  const { broker, url } = await startBroker(t, { sys_interval: 3600 })
  const ctl = await control(t, broker.controlSocketPath)
  const sub = await connect(t, url)
  const got = record(sub)
  await sub.subscribeAsync(`${SYS}uptime`, { qos: 0 })
  await until(() => got.length === 1 && got[0].retain, 'the retained uptime')
  await ctl.request('config.set', { key: 'sys_interval', value: '1' })
  await until(() => got.some((m) => !m.retain), 'a new uptime within seconds, not an hour', 3000)
  await t.assert.rejects(ctl.request('config.set', { key: 'sys_interval', value: '-1' }),
    (err: Error & { code?: string }) => err.code === 'INVALID' && err.message.includes('sys_interval'))
})

test('sys.watch streams snapshots of the same keys until cancelled', async (t: TestContext) => {
  const { broker, url } = await startBroker(t) // independent of sys_interval (0 here)
  await connect(t, url)
  const ctl = await control(t, broker.controlSocketPath)
  const snapshots: SysSnapshot[] = []
  const handle = await ctl.stream('sys.watch', { interval_ms: 200 }, (s) => { snapshots.push(s) })
  await until(() => snapshots.length >= 2, 'two snapshots')
  const end = await handle.cancel()
  t.assert.equal(end.reason, 'cancelled')
  const [first, second] = snapshots
  t.assert.ok(Date.parse(second.ts) - Date.parse(first.ts) >= 150, 'about interval_ms apart')
  t.assert.equal(first.values['clients/connected'], 1)
  t.assert.equal(first.values.version, `mqttd version ${broker.version}`)
  t.assert.equal(typeof first.values.uptime, 'number')
  // The same key set the publisher uses for its topics.
  broker.sysTree.publish()
  const published = [...broker.engine.retained.entries()].map(([topic]) => topic.slice(SYS.length)).sort()
  t.assert.deepEqual(Object.keys(first.values).sort(), published)
  await t.assert.rejects(ctl.stream('sys.watch', { interval_ms: 50 }, () => undefined),
    (err: Error & { code?: string }) => err.code === 'INVALID' && err.message.includes('interval_ms'))
})
