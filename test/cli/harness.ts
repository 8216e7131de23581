/**
 * Harness for the lifecycle tests: runs the real `mqttctl` (`node bin/run.js …`) as a child
 * process, gives each test a private data directory, and cleans up through the test context: every
 * broker a test started is killed (its pid from the pid file and from `start --json`), then the
 * directory is removed. Waits poll a condition with a deadline (`until`), never sleep for ordering.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'

// One runner for every CLI test (test/helpers/mqttctl.ts), under the names these tests use.
export { ROOT, type CliResult, mqttctl as runCli, mqttctlJson as runCliJson } from '../helpers/mqttctl.js'
import { BIN, ROOT as PACKAGE_ROOT, mqttctlEnv, mqttctlJson } from '../helpers/mqttctl.js'

/** Starts mqttctl with `args`; the caller reads its output and waits for it. */
export function spawnCli (args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: PACKAGE_ROOT, env: mqttctlEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
}

export interface TestDir {
  /** A private temporary directory. */
  root: string
  /** `<root>/data`, the broker's data directory (not created). */
  dataDir: string
  /** Registers a pid to kill at the end of the test. */
  track (pid: number): void
}

/** A temporary directory for one test; brokers started in it are killed and it is removed after. */
export async function testDir (t: TestContext): Promise<TestDir> {
  const root = await mkdtemp(join(tmpdir(), 'mqttctl-'))
  const dataDir = join(root, 'data')
  const pids = new Set<number>()
  t.after(async () => {
    const fromFile = Number(readFileOr(join(dataDir, 'mqttctl.pid')).trim())
    if (Number.isSafeInteger(fromFile) && fromFile > 0) pids.add(fromFile)
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    await rm(root, { recursive: true, force: true })
  })
  return { root, dataDir, track: (pid) => { pids.add(pid) } }
}

function readFileOr (path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** Polls `check` every 20 ms until it returns something other than undefined/false; throws after `ms`. */
export async function until<T> (what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(20)
  }
}

/** Whether a process exists (and is not a zombie: the daemons are re-parented to a PID 1 that may not reap). */
export function processExists (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const stat = readFileOr(`/proc/${pid}/stat`)
  return stat === '' || !/^\d+ \(.*\) [ZX]/s.test(stat)
}

/** What `mqttctl start --json` prints. */
export interface StartJson {
  pid: number
  version: string
  listeners: Array<{ type: string; host: string; port: number; path?: string }>
  started_in_ms: number | null
  already_running: boolean
}

/** Starts a daemon on 127.0.0.1, port 0, in `dir` and returns its `--json` result (asserting success). */
export async function startDaemon (dir: TestDir, extra: string[] = []): Promise<StartJson> {
  const res = await mqttctlJson<StartJson>(['start', '--data-dir', dir.dataDir, '--host', '127.0.0.1', '--port', '0', ...extra])
  if (res.code !== 0) throw new Error(`start failed (exit ${res.code}):\n${res.stdout}\n${res.stderr}`)
  dir.track(res.json.pid)
  return res.json
}
