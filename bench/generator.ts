/**
 * Runs the load generator for the harness: `node bin/run.js bench … --json --no-progress` as a
 * child process pinned to CPU 1 (its worker threads inherit the pinning), and parses the one JSON
 * document it prints. For the connection storm it watches stderr for the "holding N idle
 * connections" line and calls `onHolding` then, while the connections are still open.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './brokers.js'

/** The parts of `mqttctl bench --json` the harness reads (src/bench/result.ts). */
export interface GeneratorResult {
  valid: boolean
  errors: string[]
  received: { messages: number; msgs_per_s: number } | null
  sent: { messages: number; msgs_per_s: number } | null
  latency_ms: { p50: number; p90: number; p99: number; p999: number; max: number } | null
  integrity: { expected: number | null; received: number; lost: number; duplicates: number } | null
  connections: { opened: number; failed: number; conns_per_s: number; dropped: number } | null
  retained: { received: number; lost: number; duplicates: number; last_ms: number | null } | null
}

const RUN_TIMEOUT_MS = 15 * 60_000

export async function runGenerator (args: string[], url: string, prefix: string[], onHolding?: (connections: number) => Promise<void>): Promise<GeneratorResult> {
  const argv = [...prefix, process.execPath, join(ROOT, 'bin', 'run.js'), 'bench', ...args, '--url', url, '--json', '--no-progress']
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT })
  let stdout = ''
  let stderr = ''
  let holding: Promise<void> = Promise.resolve()
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
    const m = /holding (\d+) idle connections/.exec(d)
    if (m !== null && onHolding !== undefined) holding = onHolding(Number(m[1]))
  })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, RUN_TIMEOUT_MS)
  const code = await new Promise<number | null>((resolve) => { child.once('close', resolve) })
  clearTimeout(timer)
  await holding
  let doc: unknown
  try {
    doc = JSON.parse(stdout)
  } catch {
    throw new Error(`the generator printed no JSON (exit ${code}): ${stderr.trim().slice(-500)}`)
  }
  const error = (doc as { error?: { message?: string } }).error
  if (error !== undefined) throw new Error(`the generator failed (exit ${code}): ${error.message ?? ''}`)
  return doc as GeneratorResult
}
