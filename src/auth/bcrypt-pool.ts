/**
 * BcryptPool: password checks on worker threads, so that a bcrypt comparison (about 100 ms at cost
 * 10 in JavaScript) never holds up the event loop that serves every other client.
 *
 * Workers start on first use (a broker without accounts never starts one) and stay, unref'd, until
 * `close()`. Jobs go round-robin; each worker handles its jobs in order. A worker that dies fails its
 * pending jobs (as "no match": a check that could not run must not let anybody in) and is replaced
 * on the next job.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

interface Job {
  resolve: (ok: boolean) => void
}

interface Slot {
  worker: Worker
  pending: Map<number, Job>
}

export class BcryptPool {
  private readonly slots: (Slot | null)[]
  private next = 0
  private nextId = 1
  private closed = false

  constructor (size = Math.max(1, Math.min(2, availableParallelism() - 1))) {
    this.slots = Array.from({ length: size }, () => null)
  }

  /** Resolves true when `password` matches `hash`. */
  verify (password: string, hash: string): Promise<boolean> {
    if (this.closed) return Promise.resolve(false)
    const index = this.next
    this.next = (this.next + 1) % this.slots.length
    const slot = this.slots[index] ?? this.start(index)
    const id = this.nextId++
    return new Promise((resolve) => {
      slot.pending.set(id, { resolve })
      slot.worker.ref() // keep the process alive while a check is under way
      slot.worker.postMessage({ id, password, hash })
    })
  }

  async close (): Promise<void> {
    this.closed = true
    const workers = this.slots.filter((s): s is Slot => s !== null)
    this.slots.fill(null)
    for (const slot of workers) this.failAll(slot)
    await Promise.all(workers.map((s) => s.worker.terminate()))
  }

  private start (index: number): Slot {
    const worker = new Worker(new URL('./bcrypt-worker.js', import.meta.url))
    const slot: Slot = { worker, pending: new Map() }
    worker.unref()
    worker.on('message', (msg: { id: number; ok: boolean }) => {
      const job = slot.pending.get(msg.id)
      if (job === undefined) return
      slot.pending.delete(msg.id)
      if (slot.pending.size === 0) worker.unref()
      job.resolve(msg.ok)
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
    for (const job of slot.pending.values()) job.resolve(false)
    slot.pending.clear()
  }
}
