/**
 * Waiting on Redis for a bounded time: a paused or overloaded Redis holds no client (a claim), no
 * operator command (totals) and no stop (a leaving node's last writes) longer than its limit.
 */

/** `promise`, or a rejection once `ms` have passed (the timer is cleared either way). */
export function timeLimit<T> (promise: Promise<T>, ms: number, what = 'Redis'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`no answer from ${what} within ${ms} ms`)) }, ms)
  })
  return Promise.race([promise, late]).finally(() => { clearTimeout(timer) })
}

/** Waits for `promise` to settle, or `ms` at most; never rejects. */
export async function waitAtMost (promise: Promise<unknown>, ms: number): Promise<void> {
  await timeLimit(promise, ms).catch(() => undefined)
}
