import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test, type TestContext } from 'node:test'

import { defaultConfig } from '../../src/config/defaults.js'
import { ConfigError } from '../../src/config/errors.js'
import { loadConfig, loadConfigWithSource } from '../../src/config/load.js'
import { parseConfig } from '../../src/config/schema.js'
import { redactedConfig } from '../../src/config/redact.js'

/** A fresh temp directory, removed when the test ends. */
async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttd-config-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function writeConfig (t: TestContext, text: string, name = 'broker.yaml'): Promise<string> {
  const file = join(await tempDir(t), name)
  await writeFile(file, text)
  return file
}

/** The ConfigError that `fn` throws (fails the test when it does not throw one). */
async function configError (fn: () => unknown): Promise<ConfigError> {
  try {
    await fn()
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`)
    return err
  }
  assert.fail('expected a ConfigError')
}

/** The issue messages by path. */
function issuesOf (err: ConfigError): Record<string, string> {
  return Object.fromEntries(err.issues.map((i) => [i.path, i.message]))
}

test('no file: every default, data_dir resolved against the working directory', async () => {
  const config = await loadConfig({})
  assert.deepEqual(config, { ...defaultConfig(), data_dir: resolve('data') })
  assert.equal(config.node_name, hostname())
  assert.deepEqual(config.listeners, [
    { type: 'mqtt', host: '127.0.0.1', port: 1883, path: '/mqtt', require_certificate: false, use_identity_as_username: false },
  ])
  assert.equal(config.allow_anonymous, true, 'loopback only: anonymous clients are this machine\'s')
  assert.equal(config.max_packet_size, 16_777_216)
  assert.equal(config.redirect, undefined)
})

test('an empty file and a comments-only file give the defaults', async (t: TestContext) => {
  for (const text of ['', '# nothing here\n']) {
    const config = await loadConfig({ file: await writeConfig(t, text) })
    assert.deepEqual(config, { ...defaultConfig(), data_dir: resolve('data') })
  }
})

test('a JSON file is read as YAML; listener defaults depend on the type', async (t: TestContext) => {
  const json = {
    node_name: 'n1',
    max_inflight: 20,
    listeners: [{ type: 'ws' }, { type: 'wss', host: '::', cert: '/tls/c.pem', key: '/tls/k.pem' }, { type: 'mqtts', cert: '/c', key: '/k', port: 0 }],
    redirect: { server_reference: 'other:1883' },
  }
  const config = await loadConfig({ file: await writeConfig(t, JSON.stringify(json), 'broker.json') })
  assert.equal(config.node_name, 'n1')
  assert.equal(config.max_inflight, 20)
  assert.deepEqual(config.listeners, [
    { type: 'ws', host: '0.0.0.0', port: 8080, path: '/mqtt', require_certificate: false, use_identity_as_username: false },
    { type: 'wss', host: '::', port: 8443, path: '/mqtt', cert: '/tls/c.pem', key: '/tls/k.pem', require_certificate: false, use_identity_as_username: false },
    { type: 'mqtts', host: '0.0.0.0', port: 0, path: '/mqtt', cert: '/c', key: '/k', require_certificate: false, use_identity_as_username: false },
  ])
  assert.deepEqual(config.redirect, { server_reference: 'other:1883', permanent: false })
})

test('every bad value is reported, each named by its key path', async () => {
  const err = await configError(() =>
    parseConfig({
      listeners: [
        { type: 'mqtt', port: 1883 },
        { type: 'mqtt', port: 70000 },
        { type: 'quic' },
        { type: 'mqtts', cert: 'c.pem' },
        { type: 'mqtt', cert: 'c.pem', require_certificate: true },
        { type: 'tcp', path: 'mqtt' },
        { type: 'ws', path: 'mqtt' },
        { type: 'mqtt', path: '/mqtt' },
        { port: 1 },
        { type: 'wss', port: '8443' },
      ],
      max_packet_size: 268_435_456,
      max_inflight: 0,
      max_queued_messages: -1,
      max_topic_length: 1.5,
      max_topic_levels: 0,
      topic_alias_maximum: 65_536,
      connect_timeout: 0,
      allow_anonymous: 'yes',
      node_name: '',
      redirect: { server_reference: '' },
      store: 'redis',
      log_level: 'verbose',
    })
  )
  assert.deepEqual(issuesOf(err), {
    'listeners[1].port': 'must be an integer between 0 and 65535',
    'listeners[2].type': 'must be one of mqtt, mqtts, ws, wss',
    'listeners[3].key': 'is required on mqtts listeners',
    'listeners[4].cert': 'only allowed on mqtts and wss listeners',
    'listeners[4].require_certificate': 'only allowed on mqtts and wss listeners',
    'listeners[5].type': 'must be one of mqtt, mqtts, ws, wss',
    'listeners[5].path': "must start with '/'",
    'listeners[6].path': "must start with '/'",
    'listeners[7].path': 'only allowed on ws and wss listeners',
    'listeners[8].type': 'is required',
    'listeners[9].port': 'must be an integer between 0 and 65535',
    'listeners[9].cert': 'is required on wss listeners',
    'listeners[9].key': 'is required on wss listeners',
    max_packet_size: 'must be an integer between 20 and 268435455',
    max_inflight: 'must be an integer between 1 and 65535',
    max_queued_messages: 'must be an integer of at least 0',
    max_topic_length: 'must be an integer between 1 and 65535',
    max_topic_levels: 'must be an integer of at least 1',
    topic_alias_maximum: 'must be an integer between 0 and 65535',
    connect_timeout: 'must be a number of seconds greater than 0',
    allow_anonymous: 'must be true or false',
    node_name: 'must be a non-empty string',
    'redirect.server_reference': 'must be a non-empty string',
    store: 'must be one of embedded, memory',
    log_level: 'must be one of fatal, error, warn, info, debug, trace, silent',
  })
  assert.equal(err.code, 'BRK_ERR_CONFIG_INVALID')
  assert.equal(err.message.split('\n').length, err.issues.length)
  assert.match(err.message, /^listeners\[1\]\.port: must be an integer between 0 and 65535$/m)
})

test('listeners: not empty, not a mapping, no two on one host:port', async () => {
  assert.deepEqual(issuesOf(await configError(() => parseConfig({ listeners: [] }))), {
    listeners: 'must contain at least one listener',
  })
  assert.deepEqual(issuesOf(await configError(() => parseConfig({ listeners: { type: 'mqtt' } }))), {
    listeners: 'must be a list of listeners',
  })
  const twice = [{ type: 'mqtt', port: 1883 }, { type: 'ws', port: 1883 }, { type: 'mqtt', port: 0 }, { type: 'mqtt', port: 0 }]
  assert.deepEqual(issuesOf(await configError(() => parseConfig({ listeners: twice }))), {
    'listeners[1].port': '0.0.0.0:1883 is already used by listeners[0]',
  })
})

test('a document that is not a mapping is refused', async (t: TestContext) => {
  const err = await configError(async () => loadConfig({ file: await writeConfig(t, '- a\n- b\n') }))
  assert.deepEqual(err.issues, [{ path: '', message: 'must be a mapping of configuration keys' }])
})

test('unknown keys are errors, with the nearest allowed key at that level', async (t: TestContext) => {
  const file = await writeConfig(
    t,
    ['max_inflght: 10', 'persistence: true', 'listeners:', '  - type: mqtt', '    prot: 1884', 'redirect:', '    server_reference: x', '    permanant: true'].join('\n')
  )
  const err = await configError(() => loadConfig({ file }))
  assert.deepEqual(issuesOf(err), {
    max_inflght: 'unknown key (did you mean max_inflight?)',
    persistence: 'unknown key',
    'listeners[0].prot': 'unknown key (did you mean port?)',
    'redirect.permanant': 'unknown key (did you mean permanent?)',
  })
  assert.equal(err.file, file)
  assert.match(err.message, new RegExp(`^${escape(file)}: max_inflght: unknown key \\(did you mean max_inflight\\?\\)$`, 'm'))
})

test('port override: one plain MQTT listener on 0.0.0.0, replacing the file\'s', async (t: TestContext) => {
  const file = await writeConfig(t, 'listeners:\n  - {type: ws, port: 9001}\n  - {type: mqtt, port: 1884}\nmax_inflight: 5\n')
  const config = await loadConfig({ file, overrides: { port: 2883 } })
  assert.deepEqual(config.listeners, [
    { type: 'mqtt', host: '0.0.0.0', port: 2883, path: '/mqtt', require_certificate: false, use_identity_as_username: false },
  ])
  assert.equal(config.max_inflight, 5)

  const bad = await configError(() => loadConfig({ overrides: { port: 65_536 } }))
  assert.deepEqual(issuesOf(bad), { 'listeners[0].port': 'must be an integer between 0 and 65535' })
})

test('overrides are validated like the file and keep the file\'s other values', async (t: TestContext) => {
  const file = await writeConfig(t, 'max_inflight: 5\n')
  const config = await loadConfig({ file, overrides: { max_inflight: 7, log_level: undefined, listeners: defaultConfig().listeners } })
  assert.equal(config.max_inflight, 7)
  assert.equal(config.log_level, 'info')
  assert.deepEqual(config.listeners, defaultConfig().listeners)

  const bad = await configError(() => loadConfig({ file, overrides: { max_inflight: 0 } }))
  assert.equal(bad.file, undefined)
  assert.deepEqual(issuesOf(bad), { max_inflight: 'must be an integer between 1 and 65535' })
})

test('relative paths: from a file against its directory, from overrides against the working directory', async (t: TestContext) => {
  const dir = await tempDir(t)
  await mkdir(join(dir, 'etc'))
  const file = join(dir, 'etc', 'broker.yaml')
  await writeFile(
    file,
    ['data_dir: state', 'listeners:', '  - {type: mqtts, cert: tls/cert.pem, key: /abs/key.pem, ca: ../ca.pem}'].join('\n')
  )
  const config = await loadConfig({ file })
  assert.equal(config.data_dir, join(dir, 'etc', 'state'))
  assert.equal(config.listeners[0]?.cert, join(dir, 'etc', 'tls', 'cert.pem'))
  assert.equal(config.listeners[0]?.key, '/abs/key.pem')
  assert.equal(config.listeners[0]?.ca, join(dir, 'ca.pem'))

  const overridden = await loadConfig({ file, overrides: { data_dir: 'elsewhere' } })
  assert.equal(overridden.data_dir, resolve('elsewhere'))
  assert.equal(overridden.listeners[0]?.cert, join(dir, 'etc', 'tls', 'cert.pem'))
})

test('a YAML syntax error names the file, line and column', async (t: TestContext) => {
  const file = await writeConfig(t, 'node_name: a\nlisteners:\n  - type: mqtt\n   port: 1883\n')
  const err = await configError(() => loadConfig({ file }))
  assert.ok(err.issues.length >= 1)
  assert.match(err.message, new RegExp(`^${escape(file)}: YAML syntax error at 4:\\d+: `))
})

test('a duplicate key is a YAML error', async (t: TestContext) => {
  const err = await configError(async () => loadConfig({ file: await writeConfig(t, 'max_inflight: 1\nmax_inflight: 2\n') }))
  assert.match(err.message, /YAML syntax error at 2:1: /)
})

test('a missing file names the file and the OS reason', async (t: TestContext) => {
  const file = join(await tempDir(t), 'missing.yaml')
  const err = await configError(() => loadConfig({ file }))
  assert.equal(err.message, `${file}: cannot read the file: no such file or directory (ENOENT)`)
})

function escape (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

test('cluster: a Redis URL turns it on; defaults, bad values named by key, the password never shown', async () => {
  assert.equal(parseConfig({}).cluster, undefined)
  assert.deepEqual(parseConfig({ cluster: { redis: 'redis://127.0.0.1:6379/0' } }).cluster,
    { redis: 'redis://127.0.0.1:6379/0', prefix: 'mqttd', heartbeat: 1, lease: 5 })
  const err = await configError(() => parseConfig({ cluster: { redis: 'http://x', prefix: 'a b', heartbeat: 0, lese: 5 } }))
  assert.deepEqual(issuesOf(err), {
    'cluster.redis': 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0',
    'cluster.prefix': 'must be 1 to 64 letters, digits, and . _ - :',
    'cluster.heartbeat': 'must be an integer between 1 and 60',
    'cluster.lese': 'unknown key (did you mean lease?)',
  })
  const slow = await configError(() => parseConfig({ cluster: { redis: 'redis://h', heartbeat: 5, lease: 5 } }))
  assert.deepEqual(issuesOf(slow), { 'cluster.lease': 'must be longer than cluster.heartbeat' })
  const shown = redactedConfig(parseConfig({ cluster: { redis: 'redis://mqttd:s3cret@h:6379/2' } }))
  assert.equal(shown.cluster?.redis, 'redis://mqttd:***@h:6379/2')
})

test('--cluster (cluster_redis) replaces cluster.redis only: the file\'s other cluster keys are kept; recorded in the source with --node-name', async (t: TestContext) => {
  const file = await writeConfig(t, 'node_name: from-file\ncluster:\n  redis: redis://file-host:6379/0\n  prefix: site-a\n  lease: 9\n')
  const loaded = await loadConfigWithSource({ file, overrides: { cluster_redis: 'rediss://mqttd:s3cret@flag-host:6380/2', node_name: 'n7' } })
  assert.deepEqual(loaded.config.cluster, { redis: 'rediss://mqttd:s3cret@flag-host:6380/2', prefix: 'site-a', heartbeat: 1, lease: 9 })
  assert.equal(loaded.config.node_name, 'n7')
  // Recorded whole: a reload and `restart` load it again (shown redacted by src/cli/config-source.ts).
  assert.equal(loaded.source.overrides.cluster_redis, 'rediss://mqttd:s3cret@flag-host:6380/2')
  assert.equal(loaded.source.overrides.node_name, 'n7')
  assert.equal((await loadConfig({ file })).cluster?.redis, 'redis://file-host:6379/0', 'the file alone is unchanged')

  // No cluster in the file (absent, or an empty `cluster:`): the flag makes one, the other keys take their defaults.
  for (const text of ['max_inflight: 5\n', 'cluster:\n']) {
    const plain = await loadConfig({ file: await writeConfig(t, text), overrides: { cluster_redis: 'redis://127.0.0.1:6379/0' } })
    assert.deepEqual(plain.cluster, { redis: 'redis://127.0.0.1:6379/0', prefix: 'mqttd', heartbeat: 1, lease: 5 })
  }
  // Merged into a `cluster` of the overrides themselves when they hold one.
  const both = await loadConfig({ file, overrides: { cluster: { redis: 'redis://a', prefix: 'p2', heartbeat: 2, lease: 6 }, cluster_redis: 'redis://b' } })
  assert.deepEqual(both.cluster, { redis: 'redis://b', prefix: 'p2', heartbeat: 2, lease: 6 })
  const none = await loadConfigWithSource({ file })
  assert.deepEqual(Object.keys(none.source.overrides), ['data_dir'], 'nothing recorded without the flags (data_dir: the file does not decide it)')
})

test('--cluster and --node-name are validated by the file\'s schema, named by key; the file\'s own cluster problems still count', async (t: TestContext) => {
  const bad = await configError(() => loadConfig({ overrides: { cluster_redis: 'http://x' } }))
  assert.deepEqual(issuesOf(bad), { 'cluster.redis': 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0' })
  const noHost = await configError(() => loadConfig({ overrides: { cluster_redis: 'redis://' } }))
  assert.deepEqual(Object.keys(issuesOf(noHost)), ['cluster.redis'])
  const emptyName = await configError(() => loadConfig({ overrides: { node_name: '' } }))
  assert.deepEqual(Object.keys(issuesOf(emptyName)), ['node_name'])
  // A file whose cluster mapping is wrong on its own is reported against the file, flag or not.
  const file = await writeConfig(t, 'cluster:\n  redis: redis://h\n  heartbeat: 5\n  lease: 5\n')
  const slow = await configError(() => loadConfig({ file, overrides: { cluster_redis: 'redis://other' } }))
  assert.equal(slow.file, file)
  assert.deepEqual(issuesOf(slow), { 'cluster.lease': 'must be longer than cluster.heartbeat' })
})
