/**
 * Test harness: a real `redis-server` (Debian's package, installed by .ci/run) of the test's own, on
 * a free loopback port in a temporary directory, stopped and removed through the test context.
 * Failure tests use `kill()` (SIGKILL), `pause()`/`resume()` (SIGSTOP/SIGCONT) and `restart()` (same
 * port and directory). Tests that need it skip when redis-server is not installed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

const START_TIMEOUT_MS = 10_000

/** Why redis-server cannot be used here (a skip reason), or null when it can. */
export const redisMissing: string | null = spawnSync('redis-server', ['--version']).error === undefined
  ? null
  : 'redis-server is not installed (apt-get install redis-server)'

export interface TestRedis {
  /** `redis://127.0.0.1:<port>/0` */
  readonly url: string
  readonly port: number
  readonly dir: string
  /** Extra `redis-server` arguments given at start, e.g. `['--maxmemory-policy', 'allkeys-lru']`. */
  readonly args: readonly string[]
  kill (): Promise<void>
  pause (): void
  resume (): void
  /** Starts the server again on the same port and directory (after kill()). */
  restart (): Promise<void>
}

/** A port that was free a moment ago (bound on 127.0.0.1:0 and released). */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * Resolves once `child` accepts connections on `port` (the server answering there reports the
 * child's pid: not another test's server that took the port first); rejects after `timeoutMs`,
 * when `child` exits, or when another process answers.
 */
async function accepting (port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
    const pid = await serverPid(port)
    if (pid !== null) {
      if (pid === child.pid) return
      throw new Error(`port ${port} is another redis-server's (pid ${pid})`)
    }
    if (Date.now() > deadline) throw new Error(`redis-server did not accept connections on ${port} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The `process_id` of the redis-server answering on `port`, or null when none answers (yet). */
function serverPid (port: number): Promise<number | null> {
  return new Promise((resolve) => {
    let text = ''
    const socket = createConnection({ host: '127.0.0.1', port }, () => { socket.write('INFO server\r\n') })
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      text += chunk
      const m = /process_id:(\d+)/.exec(text)
      if (m !== null) {
        socket.destroy()
        resolve(Number(m[1]))
      }
    })
    socket.once('error', () => { resolve(null) })
    socket.once('close', () => { resolve(null) })
  })
}

/** Starts a redis-server for this test; it is stopped and its directory removed after the test. */
export async function startRedis (t: TestContext, args: readonly string[] = []): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttd-redis-'))
  let port = await freePort()
  let child: ChildProcess | null = null
  const launch = async (): Promise<void> => {
    const c = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction', ...args,
    ], { stdio: ['ignore', 'ignore', 'inherit'] })
    child = c
    await accepting(port, c, START_TIMEOUT_MS)
  }
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child
    child = null
    if (c === null || c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise((resolve) => c.once('exit', resolve))
    c.kill('SIGCONT') // a paused server would not act on SIGTERM
    c.kill(signal)
    await exited
  }
  t.after(async () => {
    await stop('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })
  // The port was free a moment ago; another test's server may have taken it since: try another.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch()
      break
    } catch (err) {
      await stop('SIGKILL')
      if (attempt >= 5) throw err
      port = await freePort()
    }
  }
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    dir,
    args,
    kill: () => stop('SIGKILL'),
    pause: () => { child?.kill('SIGSTOP') },
    resume: () => { child?.kill('SIGCONT') },
    restart: async () => {
      await stop('SIGKILL')
      await launch()
    },
  }
}
