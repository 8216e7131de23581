/**
 * The three brokers of the comparison, each started fresh for every run as its own process pinned
 * to CPU 0, configured as fairly as we know how:
 * - ours: `mqttctl start --foreground` with `store: memory`, `sys_interval: 0`, `log_level: warn`,
 *   and limits opened up like Mosquitto's below (`max_inflight: 65535`, `max_queued_messages`
 *   10M, `max_outgoing_bytes` 1 GiB: Mosquitto drops no QoS 0 message for a subscriber that reads
 *   slowly, so neither may we); TCP_NODELAY is always on.
 * - aedes: bench/aedes-server.ts, the in-memory defaults, TCP_NODELAY on every socket.
 * - mosquitto: a generated config: one listener, anonymous, `max_inflight_messages 0` and
 *   `max_queued_messages 0` (no limits: with its stock limits it drops QoS 1/2 messages at
 *   saturation, which would flatter it), `log_type none`, `persistence false`,
 *   `set_tcp_nodelay true`.
 * As a cluster node (the cluster scenarios, cluster-setups.ts) ours also gets `--node-name` and
 * `--cluster redis://…`, and Aedes `--redis redis://…` (mqemitter-redis, aedes-server.ts).
 * The command runs through `sh -c 'ulimit -n …; exec "$@"'` and taskset, both of which exec, so
 * the child's pid is the broker's (for /proc/<pid>/status). Output goes to a log file in the
 * run's temp dir, shown when a broker fails to start.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type BrokerName = 'ours' | 'aedes' | 'mosquitto'
export const BROKERS: BrokerName[] = ['ours', 'aedes', 'mosquitto']

/** The package root (this file runs as dist/bench/brokers.js). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export const MOSQUITTO_PATHS = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto']

export function mosquittoPath (): string | null {
  return MOSQUITTO_PATHS.find((p) => existsSync(p)) ?? null
}

export interface RunningBroker {
  name: BrokerName
  pid: number
  port: number
  stop (): Promise<void>
  /** Exit code/signal if it has exited (a crash during a run). */
  exited (): string | null
  logTail (): string
}

/** A node of a cluster: its name and the Redis of the cluster. */
export interface ClusterNode { name: string; redis: string }

const READY_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 10_000

function command (name: BrokerName, port: number, dir: string, nodeOptions: string[], node: ClusterNode | null): string[] {
  switch (name) {
    case 'ours': {
      const config = join(dir, 'broker.yaml')
      writeFileSync(config, [
        'store: memory', 'sys_interval: 0', 'log_level: warn',
        'max_inflight: 65535', 'max_queued_messages: 10000000', 'max_outgoing_bytes: 1073741824', 'max_connections: 0', '',
      ].join('\n'))
      return [process.execPath, ...nodeOptions, join(ROOT, 'bin', 'run.js'), 'start', '--foreground', '--host', '127.0.0.1', '--port', String(port), '--config', config, '--data-dir', join(dir, 'data'),
        ...(node === null ? [] : ['--node-name', node.name, '--cluster', node.redis])]
    }
    case 'aedes':
      return [process.execPath, join(ROOT, 'dist', 'bench', 'aedes-server.js'), '--port', String(port), ...(node === null ? [] : ['--redis', node.redis])]
    case 'mosquitto': {
      if (node !== null) throw new Error('mosquitto has no cluster mode here')
      const path = mosquittoPath()
      if (path === null) throw new Error('mosquitto is not installed (apt-get install mosquitto)')
      const config = join(dir, 'mosquitto.conf')
      writeFileSync(config, [
        `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_inflight_messages 0', 'max_queued_messages 0',
        'max_connections -1', 'log_type none', 'persistence false', 'set_tcp_nodelay true', '',
      ].join('\n'))
      return [path, '-c', config]
    }
  }
}

/** Starts `name`; `nodeOptions` are Node.js flags for our broker only; `node` makes it a cluster node. */
export async function startBroker (name: BrokerName, port: number, dir: string, prefix: string[], nodeOptions: string[] = [], node: ClusterNode | null = null): Promise<RunningBroker> {
  const server = await startServer(name, [...prefix, ...command(name, port, dir, nodeOptions, node)], port, dir, join(dir, `${name}.log`))
  return { name, ...server }
}

/** A server process of a run: its output in a log file, up once it accepts connections on its port. */
export interface RunningServer {
  pid: number
  port: number
  /** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; resolves once it exited. */
  stop (): Promise<void>
  /** Exit code/signal if it has exited. */
  exited (): string | null
  /** The last lines of its log. */
  logTail (): string
}

/** Spawns `argv` in `dir` (output to `logPath`) and resolves once it accepts connections on `port`; rejects, stopped, if it exits or does not within READY_TIMEOUT_MS. */
export async function startServer (what: string, argv: string[], port: number, dir: string, logPath: string): Promise<RunningServer> {
  const log = openSync(logPath, 'a')
  const child: ChildProcess = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', log, log], cwd: dir })
  closeSync(log)
  let exit: string | null = null
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal ?? String(code)
      resolve()
    })
  })
  const logTail = (): string => {
    try {
      return readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n')
    } catch {
      return ''
    }
  }
  const stop = async (): Promise<void> => {
    if (exit !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => { child.kill('SIGKILL') }, STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (!(await canConnect(port))) {
    if (exit !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`${what} did not start on port ${port}${exit !== null ? ` (exited: ${exit})` : ''}\n${logTail()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return { pid: child.pid ?? -1, port, stop, exited: () => exit, logTail }
}

/** A port that was free a moment ago (bound on 127.0.0.1:0 and released). */
export async function freePort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

export function canConnect (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => { resolve(false) })
  })
}
