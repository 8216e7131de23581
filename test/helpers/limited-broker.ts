/**
 * A real broker in a child process under a file descriptor limit: `mqttctl start --foreground`
 * spawned through `sh -c 'ulimit -n N; exec …'`, so the limit is the process's RLIMIT_NOFILE (soft
 * and hard) and nothing is simulated. Its JSON log lines (stderr) are collected; the port comes
 * from its "listening on" line. The child is killed and its directory removed after the test.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { stringify } from 'yaml'
import { ControlClient } from '../../src/control/client.js'
import { BIN, ROOT, mqttctlEnv } from './mqttctl.js'

export interface LogLine { level: number; msg: string; [key: string]: unknown }

export interface LimitedBroker {
  child: ChildProcess
  port: number
  dataDir: string
  /** Every log line so far. */
  log: LogLine[]
  /** Resolves with the first log line (already seen or to come) that `match` accepts; rejects after `ms`. */
  waitForLog (match: (line: LogLine) => boolean, what: string, ms?: number): Promise<LogLine>
  /** A control channel (`<data_dir>/mqttctl.sock`), closed after the test. */
  control (): Promise<ControlClient>
}

/** Starts the broker with `limit` descriptors and `config` (config-file keys; port 0, memory store). */
export async function startLimitedBroker (t: TestContext, limit: number, config: Record<string, unknown> = {}): Promise<LimitedBroker> {
  const root = await mkdtemp(join(tmpdir(), 'mqttd-fd-'))
  const dataDir = join(root, 'data')
  const configFile = join(root, 'broker.yaml')
  await writeFile(configFile, stringify({ data_dir: dataDir, store: 'memory', listeners: [{ type: 'mqtt', host: '127.0.0.1', port: 0 }], ...config }))
  const command = `ulimit -n ${limit} && exec "$0" "$@"`
  const child = spawn('sh', ['-c', command, process.execPath, BIN, 'start', '--foreground', '--config', configFile],
    { cwd: ROOT, env: mqttctlEnv(), stdio: ['ignore', 'ignore', 'pipe'] })
  const clients: ControlClient[] = []
  t.after(async () => {
    for (const c of clients) c.close()
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('exit', resolve))
    }
    await rm(root, { recursive: true, force: true })
  })

  const log: LogLine[] = []
  const waiters = new Set<() => void>()
  let pending = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      try {
        log.push(JSON.parse(line) as LogLine)
      } catch {
        log.push({ level: 60, msg: line })
      }
    }
    for (const wake of waiters) wake()
  })
  const waitForLog = (match: (line: LogLine) => boolean, what: string, ms = 10_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = log.find(match)
        if (found !== undefined) done(() => { resolve(found) })
        else if (child.exitCode !== null || child.signalCode !== null) done(() => { reject(new Error(`broker exited (${child.exitCode ?? child.signalCode}) before ${what}: ${tail(log)}`)) })
      }
      const timer = setTimeout(() => { done(() => { reject(new Error(`timed out after ${ms} ms waiting for ${what}: ${tail(log)}`)) }) }, ms)
      const done = (settle: () => void): void => {
        clearTimeout(timer)
        waiters.delete(check)
        child.off('exit', check)
        settle()
      }
      waiters.add(check)
      child.on('exit', check)
      check()
    })

  const listening = await waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('listening on'), 'the broker to listen', 30_000)
  return {
    child,
    port: Number(listening.port),
    dataDir,
    log,
    waitForLog,
    control: async () => {
      const client = await ControlClient.connect(join(dataDir, 'mqttctl.sock'))
      clients.push(client)
      return client
    },
  }
}

function tail (log: LogLine[]): string {
  return log.slice(-5).map((l) => JSON.stringify(l)).join('\n')
}
