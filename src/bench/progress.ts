/**
 * The bench progress bar: one line on stderr, redrawn in place, only when stderr is a terminal
 * (pipes, CI logs and the comparison harness get nothing). An open-ended run (no --messages or
 * --duration) shows a spinner-like marker instead of a bar.
 */
import type { Progress } from './shard-result.js'

const WIDTH = 24

export interface ProgressBar {
  update (fraction: number | null, p: Progress, elapsedS: number): void
  stop (): void
}

export function startProgressBar (enabled: boolean): ProgressBar {
  const stream = process.stderr
  if (!enabled || !stream.isTTY) return { update: () => {}, stop: () => {} }
  let lastSent = 0
  let lastReceived = 0
  let lastS = 0
  let drawn = false
  return {
    update (fraction, p, elapsedS) {
      const dt = elapsedS - lastS
      const sendRate = dt > 0 ? (p.sent - lastSent) / dt : 0
      const recvRate = dt > 0 ? (p.received - lastReceived) / dt : 0
      lastSent = p.sent
      lastReceived = p.received
      lastS = elapsedS
      const bar = fraction === null
        ? `[${' '.repeat(Math.floor(elapsedS * 5) % WIDTH)}#`.padEnd(WIDTH + 1) + ']'
        : `[${'#'.repeat(Math.round(fraction * WIDTH)).padEnd(WIDTH, '.')}] ${String(Math.floor(fraction * 100)).padStart(3)}%`
      const counters = p.sent > 0 || p.received > 0
        ? `sent ${compact(p.sent)} (${compact(sendRate)}/s)  recv ${compact(p.received)} (${compact(recvRate)}/s)`
        : `${p.connections} connections`
      stream.write(`\r\x1b[2K${bar} ${elapsedS.toFixed(1)}s  ${counters}`)
      drawn = true
    },
    stop () {
      if (drawn) stream.write('\r\x1b[2K')
      drawn = false
    },
  }
}

function compact (n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`
  return String(Math.round(n))
}
