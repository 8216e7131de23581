/**
 * Runs the real `mqttctl` (`node bin/run.js …`) as a child process, the way users and scripts do
 * (as oclif's own end-to-end tests do): stdin is a pipe, never a TTY, and MQTTCTL_* variables of the
 * caller's environment are removed so that only the given arguments count. OCLIF_COLUMNS keeps
 * oclif from wrapping error messages at 80 columns, so tests can match them whole.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import type { TestContext } from 'node:test'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root: this file runs as `<root>/dist/test/helpers/mqttctl.js`. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  /** Exit code; -1 when it was killed by a signal (the timeout). */
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  /** Variables added to the (MQTTCTL_*-free) environment. */
  env?: NodeJS.ProcessEnv
  /** Written to its stdin, which is then closed (closed at once when absent: stdin is never a TTY). */
  stdin?: string | Buffer
  /** Killed after this long (default 60 s). */
  timeoutMs?: number
  /** Working directory (default: the repository). */
  cwd?: string
  /** A file descriptor for its stdout (e.g. /dev/full) instead of a pipe; `stdout` is then ''. */
  stdoutFd?: number
  /** Run as this user (needs root; supplementary groups are dropped). */
  as?: { uid: number; gid: number }
}

/** The environment mqttctl runs in: the caller's minus MQTTCTL_*, no colour, no wrapping, plus `extra`. */
export function mqttctlEnv (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MQTTCTL_')) env[k] = v
  return { ...env, NO_COLOR: '1', OCLIF_COLUMNS: '1000', ...extra }
}

/** Runs mqttctl with `args` to completion; resolves with its exit code and output (rejects only if it cannot run). */
export function mqttctl (args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: mqttctlEnv(opts.env ?? {}),
    stdio: ['pipe', opts.stdoutFd ?? 'pipe', 'pipe'],
    ...(opts.as === undefined ? {} : { uid: opts.as.uid, gid: opts.as.gid }),
  })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, opts.timeoutMs ?? 60_000)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  child.stdin?.on('error', () => {}) // a command that exits without reading its stdin
  child.stdin?.end(opts.stdin ?? '')
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, stdout, stderr })
    })
  })
}

/** Runs mqttctl with `--json` and parses stdout (the result, or `{error}` on failure). */
export async function mqttctlJson<T = unknown> (args: string[], opts: RunOptions = {}): Promise<CliResult & { json: T }> {
  const res = await mqttctl([...args, '--json'], opts)
  let json: T
  try {
    json = JSON.parse(res.stdout) as T
  } catch {
    throw new Error(`mqttctl ${args.join(' ')} --json printed no JSON (exit ${res.code}):\n${res.stdout}\n${res.stderr}`)
  }
  return { ...res, json }
}

/** The `--json` error document. */
export interface CliErrorJson { error: { code: string; message: string; exitCode: number; suggestions?: string[] } }

/** A running mqttctl (streams: `trace`, `sys`), with its output so far and its exit. */
export interface LiveCli {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts mqttctl with `args` and returns at once; killed at the end of the test if still running. */
export function spawnMqttctl (t: TestContext, args: string[]): LiveCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: mqttctlEnv({}), timeout: 20_000 })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => { resolve({ code, signal }) })
  })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return { child, stdout: () => stdout, stderr: () => stderr, exit }
}
