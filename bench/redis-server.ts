/**
 * The redis-server of a cluster run: started by the harness for every run of a cluster setup, on a
 * free loopback port in a directory of the run, pinned like the brokers, with nothing written to
 * disk (`--save '' --appendonly no`), `maxmemory-policy noeviction` (mqttd refuses any other) and
 * `client-output-buffer-limit pubsub 0 0 0` (without it Redis disconnects an Aedes node whose
 * Pub/Sub subscription falls behind at saturation; mqttd uses no Pub/Sub, so the setting is the
 * same for both clusters). Stopped with SIGTERM at the end of the run.
 *
 * `commandStats()` reads `INFO commandstats` (calls per command) over a plain socket: one inline
 * command and one bulk reply, no client library.
 */
import { spawnSync } from 'node:child_process'
import net from 'node:net'
import { join } from 'node:path'
import { freePort, startServer } from './brokers.js'

export const REDIS_ARGS = ['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--client-output-buffer-limit', 'pubsub 0 0 0']

export interface BenchRedis {
  url: string
  port: number
  pid: number
  /** Calls per command name (lower case) since the server started. */
  commandStats (): Promise<Map<string, number>>
  exited (): string | null
  stop (): Promise<void>
}

/** `redis-server --version`'s version, or null when it is not installed. */
export function redisVersion (): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (r.error !== undefined || r.status !== 0) return null
  return /v=(\S+)/.exec(r.stdout)?.[1] ?? 'unknown'
}

export async function startRedis (dir: string, prefix: string[]): Promise<BenchRedis> {
  const port = await freePort()
  const argv = [...prefix, 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...REDIS_ARGS]
  const server = await startServer('redis-server', argv, port, dir, join(dir, 'redis.log'))
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    pid: server.pid,
    commandStats: async () => parseCommandStats(await infoSection(port, 'commandstats')),
    exited: server.exited,
    stop: server.stop,
  }
}

/** `cmdstat_xadd:calls=12,usec=…` lines → xadd → 12. */
export function parseCommandStats (info: string): Map<string, number> {
  const calls = new Map<string, number>()
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1], Number(m[2]))
  return calls
}

/** The text of `INFO <section>` (one RESP bulk string). */
function infoSection (port: number, section: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    let data = Buffer.alloc(0)
    socket.once('connect', () => { socket.write(`INFO ${section}\r\n`) })
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk])
      const eol = data.indexOf('\r\n')
      if (eol < 0) return
      if (data[0] !== 0x24) { // '$'
        socket.destroy()
        reject(new Error(`INFO ${section}: ${data.subarray(0, eol).toString()}`))
        return
      }
      const length = Number(data.subarray(1, eol).toString())
      if (data.length < eol + 2 + length) return
      socket.destroy()
      resolve(data.subarray(eol + 2, eol + 2 + length).toString())
    })
    socket.once('error', reject)
  })
}
