/**
 * A full disk under a running broker, for real: the data dir on a small tmpfs filled to the last
 * byte (needs root, as `mount` does; skipped otherwise). QoS 1 publishes that cannot be stored are
 * refused (v5 0x97) or left unacknowledged (3.1.1), the broker says it is degraded, and it heals by
 * itself when space comes back, losing nothing it acknowledged.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import mqtt from 'mqtt'
import { connect, nextMessages, startBroker } from '../helpers/broker.js'
import { until } from '../helpers/messages.js'
import { mqttctl } from '../helpers/mqttctl.js'
import { rawClient } from '../helpers/raw-client.js'
import { fill, smallDisk } from '../helpers/small-disk.js'

test('a full disk: QoS 1 refused with 0x97 (v5) or not acknowledged (3.1.1), status degraded, healed when space returns', async (t: TestContext) => {
  const disk = smallDisk(t)
  if (disk === null) {
    t.skip('mount is not permitted here (the test needs root)')
    return
  }
  const dataDir = join(disk, 'data')
  const { broker, url, port } = await startBroker(t, { store: 'embedded', data_dir: dataDir })
  // an offline persistent subscriber: every QoS 1 message is stored for it before it is acknowledged
  const sub = await connect(t, url, { protocolVersion: 5, clientId: 'keeper', clean: false, properties: { sessionExpiryInterval: 600 } })
  await sub.subscribeAsync('disk/#', { qos: 1 })
  await sub.endAsync()
  const v5 = await rawClient(t, port, 5)
  await v5.connect()
  const v3 = await rawClient(t, port, 4)
  await v3.connect()

  const filler = fill(disk)
  const big = Buffer.alloc(256 * 1024, 0x61)
  v3.send({ cmd: 'publish', topic: 'disk/v3', payload: big, qos: 1, messageId: 1, retain: false, dup: false })
  v5.send({ cmd: 'publish', topic: 'disk/v5', payload: big, qos: 1, messageId: 1, retain: false, dup: false })
  const refused = await v5.next('puback', 5000)
  t.assert.equal(refused.reasonCode, 0x97, 'v5: Quota exceeded')
  t.assert.equal(v3.received.filter((p) => p.cmd === 'puback').length, 0, '3.1.1: no PUBACK')
  t.assert.ok(!v5.socket.destroyed && !v3.socket.destroyed, 'both publishers stay connected')
  t.assert.ok(broker.engine.store.error !== null, 'the store says why it cannot write')
  t.assert.match(broker.engine.store.error ?? '', /space/i)

  const status = await mqttctl(['status', '--data-dir', dataDir])
  t.assert.equal(status.code, 4, status.stdout + status.stderr)
  t.assert.match(status.stdout, /degraded: store: .*space/i)

  rmSync(filler)
  await until(() => broker.engine.store.error === null, 'the store to write again', 10_000)
  v5.send({ cmd: 'publish', topic: 'disk/v5', payload: Buffer.from('after'), qos: 1, messageId: 2, retain: false, dup: false })
  const ok = await v5.next('puback', 5000)
  t.assert.equal(ok.reasonCode ?? 0, 0, 'acknowledged again once there is space')
  t.assert.equal((await mqttctl(['status', '--data-dir', dataDir])).code, 0)

  const back = mqtt.connect(url, { protocolVersion: 5, clientId: 'keeper', clean: false, properties: { sessionExpiryInterval: 600 }, reconnectPeriod: 0 })
  t.after(() => back.end(true)) // listening before CONNACK: the queued messages come with it
  const got = await nextMessages(back, 3, 5000).catch(() => null)
  t.assert.ok(got !== null, 'the two messages the disk could not take at first were kept and written on recovery, then the last one')
  t.assert.deepEqual(got.map((m) => m.topic).sort(), ['disk/v3', 'disk/v5', 'disk/v5'])
})
