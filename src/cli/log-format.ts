/**
 * Human rendering of the broker's log records (pino JSON lines, src/log.ts) for `mqttctl logs` and
 * for the lines `mqttctl start` shows when a daemon dies while booting:
 *
 *   2025-01-31 12:00:01.123 INFO  listening on mqtt 0.0.0.0:1883 type=mqtt host=0.0.0.0 port=1883
 *
 * Local time to the millisecond, the level, the message, then every other field as key=value
 * (strings quoted only when they need it, objects as JSON, an error as its type and message). The
 * fields every line carries (pid, hostname) are left out. A line that is not a pino record is shown
 * unchanged. Colour comes from the `paint` passed in (a chalk instance that knows whether its
 * stream is a TTY and honours NO_COLOR/FORCE_COLOR).
 */
import type { ChalkInstance } from 'chalk'

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname'])

export function formatLogLine (line: string, paint: ChalkInstance): string {
  let record: unknown
  try {
    record = JSON.parse(line)
  } catch {
    return line
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return line
  const r = record as Record<string, unknown>
  const level = typeof r.level === 'number' ? (LEVELS[r.level] ?? String(r.level)) : '?'
  const parts = [paint.dim(localTime(r.time)), levelColour(level, paint)(level.padEnd(5))]
  if (typeof r.msg === 'string') parts.push(r.msg)
  for (const [key, value] of Object.entries(r)) {
    if (HIDDEN.has(key) || value === undefined) continue
    parts.push(`${paint.dim(`${key}=`)}${key === 'err' ? errorText(value) : fieldText(value)}`)
  }
  return parts.join(' ')
}

function levelColour (level: string, paint: ChalkInstance): (s: string) => string {
  switch (level) {
    case 'FATAL':
    case 'ERROR': return paint.red.bold
    case 'WARN': return paint.yellow
    case 'INFO': return paint.green
    default: return paint.gray
  }
}

/** `2025-01-31 12:00:01.123` in local time; the raw value when it is not a date. */
function localTime (time: unknown): string {
  const date = typeof time === 'string' || typeof time === 'number' ? new Date(time) : undefined
  if (date === undefined || Number.isNaN(date.getTime())) return String(time ?? '-')
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ` +
    `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}`
}

function fieldText (value: unknown): string {
  if (typeof value === 'string') return /^[^\s="]+$/.test(value) ? value : JSON.stringify(value)
  return JSON.stringify(value)
}

/** pino's err serializer gives {type, message, stack, code?}: show `Type: message (code)`. */
function errorText (value: unknown): string {
  if (typeof value !== 'object' || value === null) return fieldText(value)
  const e = value as { type?: unknown; message?: unknown; code?: unknown }
  const text = `${typeof e.type === 'string' ? `${e.type}: ` : ''}${String(e.message ?? '')}${typeof e.code === 'string' ? ` (${e.code})` : ''}`
  return JSON.stringify(text)
}
