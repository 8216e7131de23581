/**
 * The human report of `mqttctl bench`: a header line with the setup, then throughput, latency,
 * integrity (losses, duplicates, reordering) or connection/retained figures, and a verdict. The
 * same figures are in the --json document (result.ts), which is what scripts should read.
 */
import { chalk, renderFields, renderTable } from '../cli/output.js'
import type { BenchResult, Throughput } from './result.js'

export function formatResult (r: BenchResult): string {
  const c = r.config
  const lines: string[] = []
  const who = r.scenario === 'pubsub'
    ? `pubsub ${r.topology ?? ''} · ${String(c.clients)} → ${String(c.subscribers)}`
    : r.scenario === 'conn'
      ? `conn · ${String(c.clients)} connections`
      : r.scenario === 'sub' ? `sub · ${String(c.subscribers)} subscriber(s)` : `${r.scenario} · ${String(c.clients)} publisher(s)`
  const load = r.scenario === 'conn' ? '' : ` · QoS ${String(c.qos)} · ${String(c.size)} B${c.rate === 0 ? '' : ` · ${String(c.rate)} msg/s`}`
  lines.push(chalk.bold(`${who}${load} · ${String(c.url)} · MQTT ${String(c.mqtt_version)} · ${String(c.workers)} worker(s)`))

  const rows: Array<{ what: string; t: Throughput; extra: string }> = []
  if (r.sent !== null) rows.push({ what: 'sent', t: r.sent, extra: Number(c.qos) > 0 ? `${r.sent.acked} acked` : '' })
  if (r.received !== null) rows.push({ what: 'received', t: r.received, extra: '' })
  if (rows.length > 0) {
    lines.push(renderTable(rows, [
      { header: '', get: (x) => x.what },
      { header: 'messages', get: (x) => x.t.messages, numeric: true },
      { header: 'msgs/s', get: (x) => x.t.msgs_per_s.toLocaleString('en-US'), numeric: true },
      { header: 'MB/s', get: (x) => x.t.mb_per_s.toFixed(2), numeric: true },
      { header: '', get: (x) => x.extra },
    ]))
  }
  const fields: Array<[string, unknown]> = []
  fields.push(['measured', `${r.duration_s}s`])
  const l = r.latency_ms
  if (l !== null) fields.push(['latency ms', `p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}  (${l.samples} samples)`])
  const i = r.integrity
  if (i !== null) {
    fields.push(['messages', `expected ${i.expected ?? '?'}  received ${i.received}  lost ${i.lost}  duplicates ${i.duplicates}  out of order ${i.out_of_order}${i.unexpected > 0 ? `  unexpected ${i.unexpected}` : ''}`])
  }
  const cn = r.connections
  if (cn !== null) {
    fields.push(['connections', `${cn.opened} of ${cn.requested} opened in ${cn.elapsed_ms} ms${cn.failed > 0 ? `, ${cn.failed} failed` : ''}`])
    fields.push(['rate', `${cn.conns_per_s.toLocaleString('en-US')} connections/s`])
    if (cn.latency_ms !== null) fields.push(['handshake ms', `p50 ${cn.latency_ms.p50}  p99 ${cn.latency_ms.p99}  max ${cn.latency_ms.max}`])
    if (cn.held_s > 0) fields.push(['held', `${cn.held_s}s idle${cn.dropped > 0 ? `, ${cn.dropped} closed by the broker` : ''}`])
  }
  const rt = r.retained
  if (rt !== null) {
    fields.push(['retained', `${rt.received} of ${rt.messages} delivered (lost ${rt.lost}, duplicates ${rt.duplicates})`])
    fields.push(['time', `SUBACK ${rt.suback_ms} ms  first ${rt.first_ms ?? '-'} ms  last ${rt.last_ms ?? '-'} ms${rt.msgs_per_s === null ? '' : `  (${rt.msgs_per_s.toLocaleString('en-US')} msgs/s)`}`])
    fields.push(['load', `${rt.load_ms} ms to publish them at QoS 1`])
  }
  lines.push(renderFields(fields))
  for (const e of r.errors.slice(0, 10)) lines.push(chalk.red(`error: ${e}`))
  if (r.errors.length > 10) lines.push(chalk.red(`… ${r.errors.length - 10} more errors`))
  if (r.interrupted) lines.push(chalk.yellow('interrupted: the figures cover the part that ran'))
  lines.push(r.valid ? chalk.green('valid: no loss, no duplicate, no error') : chalk.red('INVALID: see losses, duplicates or errors above'))
  return lines.join('\n')
}
