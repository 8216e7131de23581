/**
 * The report of the cluster scenarios: medians per scenario and setup over the valid runs, the
 * ratios ours-cluster ÷ aedes-cluster and ours-cluster ÷ ours (standalone), the targets, Redis
 * commands per published message (all valid runs of a setup: commands ÷ messages), where the CPU
 * time went (each server process and each core, as a share of the runs' wall time), and every run.
 */
import type { ClusterRunRecord } from './cluster-run.js'
import type { ClusterScenario, SetupName } from './cluster-scenarios.js'
import { median, num, ratio } from './report.js'
import type { Metric } from './scenarios.js'

export interface ClusterMetricSummary {
  key: string
  label: string
  better: Metric['better']
  setups: Partial<Record<SetupName, { values: Array<number | null>; median: number | null; invalid: number }>>
  vs_aedes_cluster: number | null
  vs_standalone: number | null
}

export interface ClusterScenarioSummary {
  name: string
  description: string
  metrics: ClusterMetricSummary[]
  /** Redis commands per published message, per setup with Redis: command → calls ÷ messages. */
  redis_per_message: Partial<Record<SetupName, Record<string, number>>>
  /** Share of the runs' wall time: per server process, and per core (`cpu0`, `cpu1`). */
  cpu_share: Partial<Record<SetupName, Record<string, number>>>
  target: { over: SetupName; at_least: number; ratio: number | null; met: boolean | null } | null
}

export interface ClusterHeader {
  redis: string | null
  mqemitter_redis: string | null
  placement: string
}

export function summarizeCluster (scenarios: ClusterScenario[], setups: SetupName[], runs: ClusterRunRecord[]): ClusterScenarioSummary[] {
  return scenarios.map((sc) => {
    const mine = (s: SetupName): ClusterRunRecord[] => runs.filter((r) => r.scenario === sc.name && r.setup === s)
    const present = sc.setups.filter((s) => setups.includes(s))
    const metrics = sc.metrics.map((m): ClusterMetricSummary => {
      const per: ClusterMetricSummary['setups'] = {}
      for (const s of present) {
        const all = mine(s)
        const valid = all.filter((r) => r.valid).map((r) => r.figures[m.key]).filter((v): v is number => typeof v === 'number')
        per[s] = { values: all.map((r) => r.figures[m.key] ?? null), median: median(valid), invalid: all.filter((r) => !r.valid).length }
      }
      const ratio = (other: SetupName): number | null => {
        const a = per['ours-cluster']?.median ?? null
        const b = per[other]?.median ?? null
        return a === null || b === null || b === 0 ? null : a / b
      }
      return { key: m.key, label: m.label, better: m.better, setups: per, vs_aedes_cluster: ratio('aedes-cluster'), vs_standalone: ratio('ours') }
    })
    const redis: ClusterScenarioSummary['redis_per_message'] = {}
    const cpu: ClusterScenarioSummary['cpu_share'] = {}
    for (const s of present) {
      const valid = mine(s).filter((r) => r.valid)
      const wall = valid.reduce((a, r) => a + r.wall_s, 0)
      if (wall === 0) continue
      const share: Record<string, number> = {}
      for (const r of valid) {
        for (const [role, sec] of Object.entries(r.cpu)) share[role] = (share[role] ?? 0) + sec / wall
        r.cores.forEach((sec, i) => { share[`cpu${i}`] = (share[`cpu${i}`] ?? 0) + sec / wall })
      }
      cpu[s] = share
      const messages = valid.reduce((a, r) => a + r.published, 0)
      if (messages === 0 || valid.every((r) => r.redis === null)) continue
      const calls: Record<string, number> = {}
      for (const r of valid) for (const [cmd, n] of Object.entries(r.redis ?? {})) calls[cmd] = (calls[cmd] ?? 0) + n / messages
      redis[s] = calls
    }
    let target: ClusterScenarioSummary['target'] = null
    if (sc.target !== undefined) {
      const first = metrics[0]
      const r = sc.target.over === 'aedes-cluster' ? first.vs_aedes_cluster : first.vs_standalone
      target = { over: sc.target.over, at_least: sc.target.atLeast, ratio: r, met: r === null ? null : r >= sc.target.atLeast }
    }
    return { name: sc.name, description: sc.description, metrics, redis_per_message: redis, cpu_share: cpu, target }
  })
}

/** 1.001, 0.016, 0.00023: three decimals, or two significant digits below 0.01. */
function small (v: number): string {
  return v >= 0.01 ? v.toFixed(3) : Number(v.toPrecision(2)).toString()
}

function percent (v: number): string {
  return `${Math.round(v * 100)} %`
}

/** Commands of one setup as `XADD 0.016, EVALSHA 0.001, … (total 0.02)`, largest first. */
function perMessage (calls: Record<string, number>): string {
  const entries = Object.entries(calls).sort((a, b) => b[1] - a[1])
  const total = entries.reduce((a, [, v]) => a + v, 0)
  const shown = entries.slice(0, 10).map(([k, v]) => `${k.toUpperCase()} ${small(v)}`)
  return `${shown.join(', ')}${entries.length > 10 ? ', …' : ''} (total ${small(total)})`
}

export function clusterMarkdown (h: ClusterHeader, setups: SetupName[], summaries: ClusterScenarioSummary[], runs: ClusterRunRecord[]): string {
  const out: string[] = ['## Cluster scenarios', '']
  out.push(`- setups: ours-cluster (two mqttd nodes on one redis-server), aedes-cluster (two Aedes nodes, mqemitter-redis ${h.mqemitter_redis ?? 'not installed'}, in-memory persistence, on the same kind of redis-server), ours (a standalone mqttd, publishers and subscribers on it)`)
  out.push(`- redis-server ${h.redis ?? 'not installed'}, started per run on a free port in a temp dir: --save '' --appendonly no --maxmemory-policy noeviction --client-output-buffer-limit 'pubsub 0 0 0'`)
  out.push(`- ${h.placement}`)
  out.push('- cross-node: publishers on node a, subscribers on node b; local: both on node a (node b up and idle); the standalone broker has both')
  out.push('')
  const cols = setups
  const withAedes = cols.includes('aedes-cluster') && cols.includes('ours-cluster')
  const withOurs = cols.includes('ours') && cols.includes('ours-cluster')
  out.push(`| scenario | figure | ${cols.join(' | ')}${withAedes ? ' | ours-cluster ÷ aedes-cluster' : ''}${withOurs ? ' | ours-cluster ÷ ours' : ''} |`)
  out.push(`|---|---|${cols.map(() => '---:').join('|')}|${withAedes ? '---:|' : ''}${withOurs ? '---:|' : ''}`)
  for (const s of summaries) {
    for (const x of s.metrics) {
      const cells = cols.map((c) => {
        const e = x.setups[c]
        if (e === undefined) return '–'
        if (e.median === null) return e.invalid > 0 ? 'invalid' : '–'
        return e.invalid > 0 ? `${num(e.median)} (${e.invalid} invalid)` : num(e.median)
      })
      const arrow = x.better === 'higher' ? '↑' : '↓'
      out.push(`| ${s.name} | ${x.label} ${arrow} | ${cells.join(' | ')}${withAedes ? ` | ${ratio(x.vs_aedes_cluster)}` : ''}${withOurs ? ` | ${ratio(x.vs_standalone)}` : ''} |`)
    }
  }
  out.push('', '↑ higher is better, ↓ lower is better; ratios of the medians. Latency under saturation measures queues (as in the standalone scenarios).', '')
  const targets = summaries.filter((s) => s.target !== null)
  if (targets.length > 0) {
    out.push('### Targets', '', '| scenario | target | ratio | met? |', '|---|---|---:|---|')
    for (const s of targets) {
      const t = s.target
      if (t === null) continue
      out.push(`| ${s.name} | msgs/s ours-cluster ÷ ${t.over} ≥ ${t.at_least} | ${ratio(t.ratio)} | ${t.met === null ? '–' : t.met ? 'yes' : '**no**'} |`)
    }
    out.push('')
  }
  out.push('### Redis commands per published message', '')
  out.push('Calls counted by `INFO commandstats` from just before the generator starts to just after it ends (heartbeats included), ÷ messages published, over the valid runs.', '')
  out.push('| scenario | setup | commands per message |', '|---|---|---|')
  for (const s of summaries) {
    for (const [setup, calls] of Object.entries(s.redis_per_message)) out.push(`| ${s.name} | ${setup} | ${perMessage(calls)} |`)
  }
  out.push('', '### Where the CPU went', '')
  out.push('CPU time during the runs as a share of their wall time (100 % = one core busy all along): each server process, each core (cpu1 is the load generator\'s), and what else ran on cpu0 (its busy time less the server processes\': other processes of the machine, interrupts; not ours if the machine is idle otherwise).', '')
  out.push('| scenario | setup | processes (cpu0) | cores | other on cpu0 |', '|---|---|---|---|---:|')
  for (const s of summaries) {
    for (const [setup, share] of Object.entries(s.cpu_share)) {
      const procs = Object.entries(share).filter(([k]) => !/^cpu\d+$/.test(k)).map(([k, v]) => `${k} ${percent(v)}`).join(', ')
      const cores = Object.entries(share).filter(([k]) => /^cpu\d+$/.test(k)).map(([k, v]) => `${k} ${percent(v)}`).join(', ')
      const ours = Object.entries(share).filter(([k]) => !/^cpu\d+$/.test(k)).reduce((a, [, v]) => a + v, 0)
      out.push(`| ${s.name} | ${setup} | ${procs} | ${cores} | ${percent(Math.max(0, (share.cpu0 ?? 0) - ours))} |`)
    }
  }
  out.push('', '### Cluster scenarios', '')
  for (const s of summaries) out.push(`- **${s.name}**: ${s.description}`)
  out.push('', '### Every cluster run', '')
  out.push('| scenario | setup | round | figures | valid |', '|---|---|---:|---|---|')
  for (const r of runs) {
    const figs = Object.entries(r.figures).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${num(v)}`).join(', ')
    out.push(`| ${r.scenario} | ${r.setup} | ${r.round} | ${figs || '–'} | ${r.valid ? 'yes' : `**no**: ${r.note ?? ''}`} |`)
  }
  return out.join('\n') + '\n'
}
