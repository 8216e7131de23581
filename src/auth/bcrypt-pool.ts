/**
 * BcryptPool: password checks on worker threads, so that a bcrypt comparison (about 70 ms at cost
 * 10 in JavaScript) never holds up the event loop that serves every other client.
 *
 * One worker per core by default (bcrypt is CPU-bound: more would only share the cores). Workers
 * start on first use (a broker without accounts never starts one) and stay, unref'd, until
 * `close()`. A job goes to the worker with the fewest pending jobs; each worker handles its jobs in
 * order. The queue is bounded: `tryVerify` refuses at once (null) when `maxPending()` checks are
 * already waiting or running, so that a flood of logins cannot make a right one wait behind it for
 * seconds. A worker that dies fails its pending jobs (as "no match": a check that could not run must
 * not let anybody in) and is replaced on the next job. `hash` makes a bcrypt hash on a worker (an
 * imported hash replaced at first login: HashUpgrade); it counts as pending but is never refused.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

/** What a worker answers (bcrypt-worker.ts), or null when it died first. */
export type WorkerReply = { id: number; ok: boolean } | { id: number; hash: string } | { id: number; error: string }

interface Job {
  settle: (reply: WorkerReply | null) => void
}

interface Slot {
  worker: Worker
  pending: Map<number, Job>
}

export class BcryptPool {
  private readonly slots: (Slot | null)[]
  private nextId = 1
  private closed = false
  private inFlight = 0

  /** `maxPending` is read at every check (it follows `config set`). */
  constructor (private readonly maxPending: () => number, size = availableParallelism()) {
    this.slots = Array.from({ length: Math.max(1, size) }, () => null)
  }

  /** Worker threads the pool may run. */
  get size (): number {
    return this.slots.length
  }

  /** Checks waiting or running now. */
  get pending (): number {
    return this.inFlight
  }

  /** Resolves true when `password` matches `hash`; null at once when the queue is full. */
  tryVerify (password: string, hash: string): Promise<boolean> | null {
    if (this.closed) return Promise.resolve(false)
    if (this.inFlight >= this.maxPending()) return null
    return new Promise((resolve) => {
      this.post({ password, hash }, (reply) => { resolve(reply !== null && 'ok' in reply && reply.ok) })
    })
  }

  /** A bcrypt hash of `password` at `cost`; rejects when the pool is closed or the worker fails. */
  hash (password: string, cost: number): Promise<string> {
    if (this.closed) return Promise.reject(new Error('the password check pool is closed'))
    return new Promise((resolve, reject) => {
      this.post({ password, cost }, (reply) => {
        if (reply !== null && 'hash' in reply) resolve(reply.hash)
        else reject(new Error(reply !== null && 'error' in reply ? reply.error : 'the password worker stopped'))
      })
    })
  }

  private post (job: { password: string; hash: string } | { password: string; cost: number }, settle: Job['settle']): void {
    const index = this.leastBusy()
    const slot = this.slots[index] ?? this.start(index)
    const id = this.nextId++
    this.inFlight++
    slot.pending.set(id, { settle })
    slot.worker.ref() // keep the process alive while a job is under way
    slot.worker.postMessage({ id, ...job })
  }

  async close (): Promise<void> {
    this.closed = true
    const workers = this.slots.filter((s): s is Slot => s !== null)
    this.slots.fill(null)
    for (const slot of workers) this.failAll(slot)
    await Promise.all(workers.map((s) => s.worker.terminate()))
  }

  /** The slot with the fewest pending jobs (an idle one that has no worker yet counts as 0). */
  private leastBusy (): number {
    let best = 0
    let bestLoad = Number.POSITIVE_INFINITY
    for (let i = 0; i < this.slots.length; i++) {
      const load = this.slots[i]?.pending.size ?? 0
      if (load < bestLoad) {
        best = i
        bestLoad = load
      }
    }
    return best
  }

  private start (index: number): Slot {
    const worker = new Worker(new URL('./bcrypt-worker.js', import.meta.url))
    const slot: Slot = { worker, pending: new Map() }
    worker.unref()
    worker.on('message', (msg: WorkerReply) => {
      const job = slot.pending.get(msg.id)
      if (job === undefined) return
      slot.pending.delete(msg.id)
      this.inFlight--
      if (slot.pending.size === 0) worker.unref()
      job.settle(msg)
    })
    const fail = (): void => {
      if (this.slots[index] === slot) this.slots[index] = null
      this.failAll(slot)
    }
    worker.on('error', fail)
    worker.on('exit', fail)
    this.slots[index] = slot
    return slot
  }

  private failAll (slot: Slot): void {
    this.inFlight -= slot.pending.size
    for (const job of slot.pending.values()) job.settle(null)
    slot.pending.clear()
  }
}
