/**
 * Timers longer than Node's setTimeout limit (2^31-1 ms, about 24.8 days). MQTT intervals go up to
 * 2^32-1 seconds (session expiry, will delay); a plain setTimeout would fire at once on overflow.
 */
const MAX_DELAY = 2 ** 31 - 1

/** A cancellable timer of any length. */
export interface LongTimer { cancel (): void }

/** Calls `fn` after `ms` milliseconds, chaining timers when `ms` exceeds Node's limit. Unref'd. */
export function setLongTimeout (fn: () => void, ms: number): LongTimer {
  const deadline = Date.now() + ms
  let timer: NodeJS.Timeout
  const arm = (delay: number): void => {
    timer = setTimeout(() => {
      const left = deadline - Date.now()
      if (left > 0) arm(left)
      else fn()
    }, Math.min(delay, MAX_DELAY))
    timer.unref()
  }
  arm(ms)
  return { cancel: () => { clearTimeout(timer) } }
}
