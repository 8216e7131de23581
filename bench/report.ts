/**
 * The comparison's figures and their report: each run's figures from the generator's JSON, the
 * medians per scenario and broker over the valid runs, the ratios to Mosquitto and Aedes, and the
 * Markdown (and JSON) the harness prints. A run with a loss, a duplicate, a failed or dropped
 * connection or an error is invalid: it is listed but left out of the medians.
 */
import type { BrokerName } from './brokers.js'
import type { GeneratorResult } from './generator.js'
import type { Metric, Scenario } from './scenarios.js'
import type { Machine } from './system.js'

export type Figures = Record<string, number | null>

export interface RunRecord {
  scenario: string
  broker: BrokerName
  round: number
  figures: Figures
  valid: boolean
  /** Why the run is invalid or failed. */
  note: string | null
}

export interface MetricSummary {
  key: string
  label: string
  better: Metric['better']
  brokers: Partial<Record<BrokerName, { values: Array<number | null>; median: number | null; invalid: number }>>
  /** ours ÷ mosquitto and ours ÷ aedes of the medians. */
  vs_mosquitto: number | null
  vs_aedes: number | null
}

export interface ScenarioSummary { name: string; description: string; metrics: MetricSummary[]; skipped: string | null }

/** Figures of one run; `rssPerConn` is measured by the harness (conn scenario). */
export function figuresOf (r: GeneratorResult, rssPerConnKiB: number | null): Figures {
  return {
    received_msgs_per_s: r.received?.msgs_per_s ?? null,
    latency_p50_ms: r.latency_ms?.p50 ?? null,
    latency_p99_ms: r.latency_ms?.p99 ?? null,
    latency_p999_ms: r.latency_ms?.p999 ?? null,
    conns_per_s: r.connections?.conns_per_s ?? null,
    rss_per_conn_kib: rssPerConnKiB,
    retained_last_ms: r.retained?.last_ms ?? null,
  }
}

/** Why a run is invalid, or null. */
export function invalidity (r: GeneratorResult): string | null {
  if (r.valid) return null
  const parts: string[] = []
  if (r.integrity !== null && r.integrity.lost > 0) parts.push(`${r.integrity.lost} lost`)
  if (r.integrity !== null && r.integrity.duplicates > 0) parts.push(`${r.integrity.duplicates} duplicates`)
  if (r.retained !== null && r.retained.lost > 0) parts.push(`${r.retained.lost} retained lost`)
  if (r.connections !== null && r.connections.failed > 0) parts.push(`${r.connections.failed} connections failed`)
  if (r.connections !== null && r.connections.dropped > 0) parts.push(`${r.connections.dropped} connections dropped`)
  if (r.errors.length > 0) parts.push(r.errors[0])
  return parts.length > 0 ? parts.join(', ') : 'invalid'
}

export function median (values: number[]): number | null {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

export function summarize (scenarios: Scenario[], brokers: BrokerName[], runs: RunRecord[], skipped: Map<string, string>): ScenarioSummary[] {
  return scenarios.map((sc) => {
    const metrics = sc.metrics.map((m): MetricSummary => {
      const per: MetricSummary['brokers'] = {}
      for (const b of brokers) {
        const mine = runs.filter((r) => r.scenario === sc.name && r.broker === b)
        const valid = mine.filter((r) => r.valid).map((r) => r.figures[m.key]).filter((v): v is number => typeof v === 'number')
        per[b] = { values: mine.map((r) => r.figures[m.key] ?? null), median: median(valid), invalid: mine.filter((r) => !r.valid).length }
      }
      const ratio = (other: BrokerName): number | null => {
        const a = per.ours?.median ?? null
        const b = per[other]?.median ?? null
        return a === null || b === null || b === 0 ? null : a / b
      }
      return { key: m.key, label: m.label, better: m.better, brokers: per, vs_mosquitto: ratio('mosquitto'), vs_aedes: ratio('aedes') }
    })
    return { name: sc.name, description: sc.description, metrics, skipped: skipped.get(sc.name) ?? null }
  })
}

/** A figure as the tables show it (thousands separated, three significant digits below 1000). */
export function num (v: number | null): string {
  if (v === null) return '–'
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US')
  if (Math.abs(v) >= 100) return v.toFixed(0)
  if (Math.abs(v) >= 10) return v.toFixed(1)
  return v.toFixed(3).replace(/\.?0+$/, '') || '0'
}

export function ratio (v: number | null): string {
  return v === null ? '–' : `${v.toFixed(2)}x`
}

export interface ReportHeader {
  machine: Machine
  rounds: number
  quick: boolean
  brokers: BrokerName[]
  pinning: string
  notes: string[]
}

/** The title and the lines on the machine, the pinning and the rounds. */
export function markdownHeader (h: ReportHeader): string[] {
  const out: string[] = []
  const m = h.machine
  out.push(`# mqttd benchmark${h.quick ? ' (quick smoke run: not for comparison)' : ''}`, '')
  out.push(`- date: ${m.date}`)
  out.push(`- machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.kernel}`)
  out.push(`- Node.js ${m.node}; Mosquitto ${m.mosquitto ?? 'not installed'}; Aedes ${m.aedes ?? 'not installed'}`)
  out.push(`- ${h.pinning}`)
  out.push(`- ${h.rounds} round(s), brokers alternating within each round (${h.brokers.join(', ')}); a fresh broker process per run; medians of the valid runs`)
  for (const n of h.notes) out.push(`- ${n}`)
  return out
}

export function markdown (h: ReportHeader, summaries: ScenarioSummary[], runs: RunRecord[]): string {
  const out = markdownHeader(h)
  out.push('')
  const cols = h.brokers
  const withMosquitto = cols.includes('mosquitto') && cols.includes('ours')
  const withAedes = cols.includes('aedes') && cols.includes('ours')
  out.push(`| scenario | figure | ${cols.join(' | ')}${withMosquitto ? ' | ours ÷ mosquitto' : ''}${withAedes ? ' | ours ÷ aedes' : ''} |`)
  out.push(`|---|---|${cols.map(() => '---:').join('|')}|${withMosquitto ? '---:|' : ''}${withAedes ? '---:|' : ''}`)
  for (const s of summaries) {
    if (s.skipped !== null) {
      out.push(`| ${s.name} | skipped: ${s.skipped} |${cols.map(() => '').join(' |')} |${withMosquitto ? ' |' : ''}${withAedes ? ' |' : ''}`)
      continue
    }
    for (const x of s.metrics) {
      const cells = cols.map((b) => {
        const e = x.brokers[b]
        if (e === undefined) return '–'
        if (e.median === null) return e.invalid > 0 ? 'invalid' : '–'
        return e.invalid > 0 ? `${num(e.median)} (${e.invalid} invalid)` : num(e.median)
      })
      const arrow = x.better === 'higher' ? '↑' : '↓'
      out.push(`| ${s.name} | ${x.label} ${arrow} | ${cells.join(' | ')}${withMosquitto ? ` | ${ratio(x.vs_mosquitto)}` : ''}${withAedes ? ` | ${ratio(x.vs_aedes)}` : ''} |`)
    }
  }
  out.push('', '↑ higher is better, ↓ lower is better; a ratio is ours ÷ theirs of the medians (for ↓ figures, below 1 is better).', '')
  out.push('## Scenarios', '')
  for (const s of summaries) out.push(`- **${s.name}**: ${s.description}`)
  out.push('', '## Every run', '')
  out.push('| scenario | broker | round | figures | valid |')
  out.push('|---|---|---:|---|---|')
  for (const r of runs) {
    const figs = Object.entries(r.figures).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${num(v)}`).join(', ')
    out.push(`| ${r.scenario} | ${r.broker} | ${r.round} | ${figs || '–'} | ${r.valid ? 'yes' : `**no**: ${r.note ?? ''}`} |`)
  }
  return out.join('\n') + '\n'
}
