/**
 * The cluster part of `npm run bench`: for every cluster scenario, `rounds` rounds, in each round
 * every setup once, in turn, each on fresh processes (cluster-setups.ts). Around each generator
 * run it reads Redis's `INFO commandstats` (the difference is the run's commands, the nodes'
 * heartbeats included), every server process's CPU seconds and each core's busy time, so the
 * report can say what a message costs in Redis commands and where the cores went.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { ClusterScenario, SetupName } from './cluster-scenarios.js'
import { startSetup, type RunningSetup } from './cluster-setups.js'
import { runGenerator } from './generator.js'
import { figuresOf, invalidity, type Figures } from './report.js'
import { cpuSeconds, cpuTimes } from './system.js'

export interface ClusterRunRecord {
  scenario: string
  setup: SetupName
  round: number
  figures: Figures
  valid: boolean
  note: string | null
  /** Messages the publishers sent (the denominator of the Redis figures). */
  published: number
  /** Redis calls per command during the run (null without Redis). */
  redis: Record<string, number> | null
  /** CPU seconds per server process (`node a`, `node b`, `redis`, `broker`) during the run. */
  cpu: Record<string, number>
  /** Busy seconds of each core during the run. */
  cores: number[]
  wall_s: number
}

export interface ClusterContext {
  rounds: number
  quick: boolean
  setups: SetupName[]
  tmp: string
  /** taskset + ulimit prefixes of the servers and of the generator. */
  serverPrefix: string[]
  generatorPrefix: string[]
  nodeOptions: string[]
  /** MQTT ports of a run (two, fresh each run). */
  nextPorts (): [number, number]
  interrupted (): boolean
  note (message: string): void
}

/** Time for the nodes to settle after start (heartbeats, the route log tailed by every node). */
const SETTLE_MS = 1000

export async function runClusterScenarios (scenarios: ClusterScenario[], ctx: ClusterContext): Promise<ClusterRunRecord[]> {
  const runs: ClusterRunRecord[] = []
  const total = scenarios.reduce((a, s) => a + s.setups.filter((x) => ctx.setups.includes(x)).length, 0) * ctx.rounds
  let n = 0
  const live: { setup: RunningSetup | null } = { setup: null }
  try {
    for (const sc of scenarios) {
      for (let round = 1; round <= ctx.rounds && !ctx.interrupted(); round++) {
        for (const setup of sc.setups.filter((x) => ctx.setups.includes(x))) {
          if (ctx.interrupted()) break
          n++
          const dir = join(ctx.tmp, `${sc.name}-${setup}-${round}`)
          mkdirSync(dir)
          const record: ClusterRunRecord = { scenario: sc.name, setup, round, figures: {}, valid: false, note: null, published: 0, redis: null, cpu: {}, cores: [], wall_s: 0 }
          try {
            const s = await startSetup(setup, sc.placement, dir, ctx.nextPorts(), ctx.serverPrefix, ctx.nodeOptions)
            live.setup = s
            await sleep(SETTLE_MS)
            await measure(s, sc, ctx, record)
          } catch (err) {
            record.note = (err as Error).message.split('\n')[0]
            ctx.note(`${sc.name} ${setup} round ${round}: ${(err as Error).message}`)
          } finally {
            await live.setup?.stop()
            live.setup = null
            rmSync(dir, { recursive: true, force: true })
          }
          runs.push(record)
          const first = sc.metrics[0]
          ctx.note(`[cluster ${n}/${total}] ${sc.name} round ${round} ${setup}: ${first.label} ${record.figures[first.key] ?? '–'}${record.valid ? '' : ` INVALID (${record.note ?? ''})`}`)
        }
      }
    }
  } finally {
    await live.setup?.stop()
  }
  return runs
}

async function measure (s: RunningSetup, sc: ClusterScenario, ctx: ClusterContext, record: ClusterRunRecord): Promise<void> {
  const args = [...(ctx.quick ? sc.quickArgs : sc.args), ...(s.subUrl === s.pubUrl ? [] : ['--sub-url', s.subUrl])]
  const redisBefore = await s.redis?.commandStats() ?? null
  const cpuBefore = s.processes.map((p) => cpuSeconds(p.pid))
  const coresBefore = cpuTimes()
  const started = process.hrtime.bigint()
  const res = await runGenerator(args, s.pubUrl, ctx.generatorPrefix)
  record.wall_s = Number(process.hrtime.bigint() - started) / 1e9
  const coresAfter = cpuTimes()
  s.processes.forEach((p, i) => {
    const after = cpuSeconds(p.pid)
    const before = cpuBefore[i]
    if (after !== null && before !== null) record.cpu[p.role] = round3(after - before)
  })
  record.cores = coresAfter.map((c, i) => round3(c.busy - (coresBefore[i]?.busy ?? 0)))
  if (s.redis !== null && redisBefore !== null) {
    const after = await s.redis.commandStats()
    const diff: Record<string, number> = {}
    for (const [cmd, calls] of after) {
      const d = calls - (redisBefore.get(cmd) ?? 0) - (cmd === 'info' ? 1 : 0) // our own INFO
      if (d > 0) diff[cmd] = d
    }
    record.redis = diff
  }
  record.published = res.sent?.messages ?? 0
  record.figures = figuresOf(res, null)
  const crashed = s.processes.find((p) => p.exited() !== null)
  record.valid = res.valid && crashed === undefined
  record.note = crashed !== undefined ? `${crashed.role} exited (${crashed.exited() ?? ''})` : invalidity(res)
}

function round3 (v: number): number {
  return Math.round(v * 1000) / 1000
}

function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
