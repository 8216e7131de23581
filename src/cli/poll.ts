/**
 * Polling with a deadline and a short backoff (20 ms doubling to 250 ms), for the lifecycle
 * commands: waiting for a control socket to answer or a pid to exit. Waiting on an event is not
 * possible there (the other process is not our child, or its readiness is only visible on a socket),
 * so each wait re-checks a condition; the first checks come fast so a quick start or stop is
 * reported quickly, later ones settle at four per second.
 */
import { setTimeout as sleep } from 'node:timers/promises'

const FIRST_DELAY_MS = 20
const MAX_DELAY_MS = 250

/**
 * Calls `check` until it returns a value other than undefined, or until `deadline` (Date.now()
 * milliseconds) passes; resolves with that value, or undefined on timeout. `check` gets the time
 * left, so a check that itself waits can stay within the deadline.
 */
export async function pollUntil<T> (deadline: number, check: (remainingMs: number) => Promise<T | undefined> | T | undefined): Promise<T | undefined> {
  let delay = FIRST_DELAY_MS
  for (;;) {
    const value = await check(Math.max(1, deadline - Date.now()))
    if (value !== undefined) return value
    const remaining = deadline - Date.now()
    if (remaining <= 0) return undefined
    await sleep(Math.min(delay, remaining))
    delay = Math.min(delay * 2, MAX_DELAY_MS)
  }
}
