/**
 * Human output of `mqttctl trace`: one line per TraceEvent, and the `--duration` parser.
 *
 *   12:00:01.123456 ← c1 PUBLISH q1 m7 r0 d0 "s/t1" 12B "23.5" +210µs
 *   12:00:01.123470 → c1 PUBACK m7 4B rc=0x00
 *
 * Local wall-clock time with µs, ← inbound / → outbound, client id (on a cluster node followed by
 * `@node`, the node the packet passed through), packet type, then what the
 * packet has: QoS, packet id, RETAIN and DUP flags, topic (quoted as JSON), size on the wire,
 * payload (quoted UTF-8, or `b64:` then base64; `…` when cut), reason code, and for an outgoing
 * PUBLISH the time since the message reached the broker. Colour only where chalk enables it (a TTY
 * without NO_COLOR).
 */
import type { TraceEvent } from '../control/schema.js'
import { chalk } from './output.js'

/** `210µs`, `12.34ms`, `1.50s`. */
export function humanLatency (us: number): string {
  if (us < 1000) return `${Math.round(us)}µs`
  if (us < 1_000_000) return `${(us / 1000).toFixed(2)}ms`
  return `${(us / 1_000_000).toFixed(2)}s`
}

/** `HH:MM:SS.uuuuuu` in local time for a µs timestamp. */
export function clockTime (tsUs: number): string {
  const d = new Date(Math.floor(tsUs / 1000))
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(((tsUs % 1_000_000) + 1_000_000) % 1_000_000, 6)}`
}

/** One human line for an event (no newline). */
export function formatTraceEvent (e: TraceEvent): string {
  const parts: string[] = [chalk.dim(clockTime(e.ts_us))]
  parts.push(e.dir === 'in' ? chalk.green('←') : chalk.cyan('→'))
  parts.push(chalk.bold(e.client_id === '' ? '-' : e.client_id) + (e.node === undefined ? '' : chalk.dim(`@${e.node}`)))
  parts.push(e.type === 'PUBLISH' ? chalk.yellow(e.type) : e.type)
  if (e.qos !== undefined) parts.push(`q${e.qos}`)
  if (e.packet_id !== undefined) parts.push(`m${e.packet_id}`)
  if (e.retain !== undefined) parts.push(`r${e.retain ? 1 : 0}`)
  if (e.dup !== undefined) parts.push(`d${e.dup ? 1 : 0}`)
  if (e.topic !== undefined) parts.push(chalk.magenta(JSON.stringify(e.topic)))
  parts.push(`${e.size}B`)
  if (e.payload !== undefined) {
    const cut = e.payload_truncated === true ? '…' : ''
    parts.push(e.payload_encoding === 'base64' ? `b64:${e.payload}${cut}` : `${JSON.stringify(e.payload)}${cut}`)
  }
  if (e.reason_code !== undefined) {
    const rc = `rc=0x${e.reason_code.toString(16).padStart(2, '0')}`
    parts.push(e.reason_code >= 0x80 ? chalk.red(rc) : rc)
  }
  if (e.latency_us !== undefined) parts.push(chalk.dim(`+${humanLatency(e.latency_us)}`))
  return parts.join(' ')
}

/**
 * Milliseconds in a duration: a number of seconds (`90`, `1.5`) or a number with a unit
 * (`500ms`, `30s`, `5m`, `2h`). Null when it is not one, or not above zero.
 */
export function parseDuration (text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (m === null) return null
  const unit = m[2] ?? 's'
  const ms = Number(m[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000)
  return ms > 0 && Number.isFinite(ms) ? ms : null
}
