/**
 * Runs the real `mqttctl` (`node bin/run.js …`) as a child process, the way users and scripts do
 * (plugin-org's NUTs, STYLE.md E10): stdin is a pipe, never a TTY, and MQTTCTL_* variables of the
 * caller's environment are removed so that only the given arguments count. OCLIF_COLUMNS keeps
 * oclif from wrapping error messages at 80 columns, so tests can match them whole.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process'
import type { TestContext } from 'node:test'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root: this file runs as `<root>/dist/test/helpers/mqttctl.js`. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

function cleanEnv (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MQTTCTL_')) env[k] = v
  return { ...env, NO_COLOR: '1', OCLIF_COLUMNS: '1000', ...extra }
}

/** Runs mqttctl with `args`; resolves with its exit code and output (rejects only if it cannot run). */
export function mqttctl (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(env), timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') { reject(err); return }
      resolve({ code: err === null ? 0 : err.code as number, stdout, stderr })
    })
  })
}

/** Runs mqttctl with `--json` and parses stdout (the result, or `{error}` on failure). */
export async function mqttctlJson<T = unknown> (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult & { json: T }> {
  const res = await mqttctl([...args, '--json'], env)
  let json: T
  try {
    json = JSON.parse(res.stdout) as T
  } catch {
    throw new Error(`mqttctl ${args.join(' ')} --json printed no JSON (exit ${res.code}): ${res.stdout}${res.stderr}`)
  }
  return { ...res, json }
}

/** The `--json` error document. */
export interface CliErrorJson { error: { code: string; message: string; exitCode: number } }

/** A running mqttctl (streams: `trace`, `sys`), with its output so far and its exit. */
export interface LiveCli {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts mqttctl with `args` and returns at once; killed at the end of the test if still running. */
export function spawnMqttctl (t: TestContext, args: string[]): LiveCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv({}), timeout: 20_000 })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => { resolve({ code, signal }) })
  })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return { child, stdout: () => stdout, stderr: () => stderr, exit }
}
