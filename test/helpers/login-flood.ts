/**
 * A login flood as another process would send it: `node login-flood.js <port> <loops> <user>
 * <addresses…>` runs `loops` concurrent loops of wrong-password v5 CONNECTs (as `<user>` on even
 * loops, made-up user names on odd ones; from the addresses in turn) until its stdin closes, and
 * prints the CONNACK codes seen so far as one JSON line every 100 ms. `login()` is also what
 * tests use for one measured CONNECT.
 */
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { connectBytes } from './wire.js'

export interface LoginAttempt {
  username: string
  password: string
  /** Source address (default 127.0.0.1). */
  from?: string
  level?: 4 | 5
}

/** One CONNECT on a raw socket: the CONNACK's reason (v5) or return code (v3), -1 when closed without one, and the time it took. */
export function login (port: number, a: LoginAttempt): Promise<{ code: number; ms: number }> {
  const started = performance.now()
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: a.from ?? '127.0.0.1' })
    let got = Buffer.alloc(0)
    let done = false
    const finish = (code: number): void => {
      if (done) return
      done = true
      socket.destroy()
      resolve({ code, ms: performance.now() - started })
    }
    socket.on('connect', () => {
      socket.write(connectBytes({ level: a.level ?? 5, username: a.username, password: Buffer.from(a.password), clientId: `c-${Math.random().toString(16).slice(2)}` }))
    })
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk])
      if (got.length >= 4 && got[0] === 0x20) finish(got[3])
    })
    socket.on('error', () => { finish(-1) })
    socket.on('close', () => { finish(-1) })
  })
}

/** The path of this module's compiled file, to run as the flood process. */
export const FLOOD_SCRIPT = fileURLToPath(import.meta.url)

async function main (argv: string[]): Promise<void> {
  const [portText, loopsText, user, ...addresses] = argv
  const port = Number(portText)
  const codes: Record<string, number> = {}
  let running = true
  process.stdin.on('end', () => { running = false }).resume()
  const report = setInterval(() => { process.stdout.write(`${JSON.stringify(codes)}\n`) }, 100)
  const loop = async (i: number): Promise<void> => {
    let n = 0
    while (running) {
      const username = i % 2 === 0 ? user : `user-${i}-${n++}`
      const { code } = await login(port, { username, password: `wrong-${i}`, from: addresses[i % addresses.length] })
      codes[code] = (codes[code] ?? 0) + 1
    }
  }
  await Promise.all(Array.from({ length: Number(loopsText) }, (_, i) => loop(i)))
  clearInterval(report)
  process.stdout.write(`${JSON.stringify(codes)}\n`)
}

if (process.argv[1] === FLOOD_SCRIPT) await main(process.argv.slice(2))
