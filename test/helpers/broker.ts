/**
 * Test harness: a real broker in this process on 127.0.0.1 port 0, and real mqtt.js clients, all
 * cleaned up through the test context.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import pino from 'pino'
import { Broker } from '../../src/broker.js'
import { parseConfig } from '../../src/config/schema.js'
import type { Config } from '../../src/config/types.js'
import { type Logger, createLogger } from '../../src/log.js'
import type { Store } from '../../src/store/store.js'

export interface TestBroker {
  broker: Broker
  /** `mqtt://127.0.0.1:<port>` of the first listener. */
  url: string
  port: number
  config: Config
}

/**
 * Starts a broker with one plain listener on 127.0.0.1:0 (unless `cfg.listeners` says otherwise);
 * `cfg` uses the config file's keys; `store` replaces the configured backend (restart tests).
 * The `$SYS` tree is off (`sys_interval: 0`) unless `cfg` sets it, so retained counts stay exact.
 * Set BROKER_LOG=debug to see its log; `logger` replaces that one (see `captureLog`).
 */
export async function startBroker (t: TestContext, cfg: Record<string, unknown> = {}, store?: Store, logger?: Logger): Promise<TestBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mqttd-test-'))
  t.after(() => rm(dataDir, { recursive: true, force: true }))
  const config = parseConfig({
    data_dir: dataDir,
    store: 'memory',
    listeners: [{ type: 'mqtt', host: '127.0.0.1', port: 0 }],
    log_level: process.env.BROKER_LOG ?? 'silent',
    sys_interval: 0, // no $SYS retained messages unless a test asks (test/broker/18-sys.test.ts)
    ...cfg,
  })
  const broker = new Broker(config, { logger: logger ?? createLogger(config.log_level), ...(store === undefined ? {} : { store }) })
  await broker.start()
  t.after(() => broker.close())
  const port = broker.listeners[0].port
  return { broker, url: `mqtt://127.0.0.1:${port}`, port, config }
}

/** Connects an mqtt.js client (no reconnects) that is ended when the test finishes. */
export async function connect (t: TestContext, url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts }, false)
  t.after(() => client.endAsync(true))
  return client
}

/** The CONNACK reason (v5) or return code (v3) of a refused connection attempt; rejects if it is accepted. */
export async function refusal (url: string, opts: IClientOptions): Promise<number> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
  try {
    return await new Promise<number>((resolve, reject) => {
      client.once('connect', () => { reject(new Error('connection was accepted')) })
      client.once('error', (err) => { resolve((err as Error & { code: number }).code) })
    })
  } finally {
    client.end(true)
  }
}

/** Resolves with the next `n` messages a client receives (topic, payload, packet), or rejects on timeout. */
export function nextMessages (client: MqttClient, n: number, timeoutMs = 3000): Promise<Array<{ topic: string; payload: Buffer; packet: mqtt.IPublishPacket }>> {
  return new Promise((resolve, reject) => {
    const got: Array<{ topic: string; payload: Buffer; packet: mqtt.IPublishPacket }> = []
    const timer = setTimeout(() => {
      client.off('message', onMessage)
      reject(new Error(`timed out waiting for ${n} message(s), got ${got.length}`))
    }, timeoutMs)
    function onMessage (topic: string, payload: Buffer, packet: mqtt.IPublishPacket): void {
      got.push({ topic, payload, packet })
      if (got.length === n) {
        clearTimeout(timer)
        client.off('message', onMessage)
        resolve(got)
      }
    }
    client.on('message', onMessage)
  })
}

/** One line of a captured log: pino's level number, the message and the fields. */
export interface LogLine { level: number; msg: string; [field: string]: unknown }

/** A logger at `level` that keeps every line in `lines` (parsed), for tests that assert on the log. */
export function captureLog (level: string): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const logger = pino({ level }, { write: (line: string) => { lines.push(JSON.parse(line) as LogLine) } })
  return { logger, lines }
}
