/**
 * Entry of a bench worker thread: builds the shard (or storm) it was given in `workerData`, and
 * answers the coordinator's calls (remote.ts) until it is terminated. Posts progress every 200 ms.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { BenchConnectError } from './connection.js'
import type { BenchOptions, PublisherSpec, SubscriberSpec } from './plan.js'
import { Shard } from './shard.js'
import { Storm } from './storm.js'

export type WorkerInit =
  | { kind: 'shard'; options: BenchOptions; publishers: PublisherSpec[]; subscribers: SubscriberSpec[]; totalPublishers: number }
  | { kind: 'storm'; options: BenchOptions; indexes: number[]; concurrency: number }

const PROGRESS_MS = 200

if (parentPort !== null) {
  const port = parentPort
  const init = workerData as WorkerInit
  const target: Shard | Storm = init.kind === 'shard'
    ? new Shard(init.options, init.publishers, init.subscribers, init.totalPublishers)
    : new Storm(init.options, init.indexes, init.concurrency)
  setInterval(() => { port.postMessage({ progress: target.progress() }) }, PROGRESS_MS).unref()
  port.on('message', (m: { id: number; method: string; args: unknown[] }) => {
    const fn = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[m.method]
    Promise.resolve()
      .then(() => fn.apply(target, m.args))
      .then((result) => { port.postMessage({ id: m.id, result }) }, (err: Error) => {
        port.postMessage({ id: m.id, error: { message: err.message, ...(err instanceof BenchConnectError ? { kind: err.kind } : {}) } })
      })
  })
}
