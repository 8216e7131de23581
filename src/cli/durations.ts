/**
 * Durations as the lifecycle commands print them, without pulling in output.ts (which loads
 * cli-table3 and chalk) so that `mqttctl status` stays fast.
 */

/** `0.3s`, `1.2s`, `12.5s`: an elapsed time in milliseconds, to a tenth of a second. */
export function elapsed (ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`
}

/** An uptime at the two largest units: `42s`, `3m`, `3m12s`, `3h12m`, `2d4h`. */
export function uptime (seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const units: Array<[string, number]> = [['d', Math.floor(s / 86_400)], ['h', Math.floor(s / 3600) % 24], ['m', Math.floor(s / 60) % 60], ['s', s % 60]]
  const first = units.findIndex(([, n]) => n > 0)
  if (first < 0) return '0s'
  return units.slice(first, first + 2).filter(([, n]) => n > 0).map(([u, n]) => `${n}${u}`).join('')
}
