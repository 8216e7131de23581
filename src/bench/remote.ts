/**
 * The coordinator's handle on a shard (or storm): the same calls whether it runs in this thread
 * or in a worker thread. In a worker, calls travel as `{id, method, args}` messages and the worker
 * posts its progress counters every 200 ms; in this thread, calls are direct and progress is read
 * on demand. Errors keep their message and, for connection failures, their kind.
 */
import { Worker } from 'node:worker_threads'
import { BenchConnectError } from './connection.js'
import type { Progress } from './shard-result.js'
import type { WorkerInit } from './worker.js'

export interface Remote {
  call<T> (method: string, ...args: unknown[]): Promise<T>
  progress (): Progress
  terminate (): Promise<void>
}

interface Callable { progress (): Progress }

export function localRemote (target: Callable): Remote {
  return {
    async call<T> (method: string, ...args: unknown[]): Promise<T> {
      const fn = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[method]
      return await fn.apply(target, args) as T
    },
    progress: () => target.progress(),
    terminate: async () => {},
  }
}

export interface RemoteError { message: string; kind?: string }

export async function workerRemote (init: WorkerInit): Promise<Remote> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init })
  let last: Progress = { sent: 0, received: 0, connections: 0 }
  let nextId = 0
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let dead: Error | null = null
  const failAll = (err: Error): void => {
    dead = err
    for (const w of waiting.values()) w.reject(err)
    waiting.clear()
  }
  worker.on('message', (m: { progress?: Progress; id?: number; result?: unknown; error?: RemoteError }) => {
    if (m.progress !== undefined) {
      last = m.progress
      return
    }
    const w = waiting.get(m.id ?? -1)
    if (w === undefined) return
    waiting.delete(m.id ?? -1)
    if (m.error !== undefined) w.reject(toError(m.error))
    else w.resolve(m.result)
  })
  worker.on('error', failAll)
  worker.on('exit', (code) => { failAll(new Error(`bench worker exited (${code})`)) })
  return {
    call<T> (method: string, ...args: unknown[]): Promise<T> {
      if (dead !== null) return Promise.reject(dead)
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
        worker.postMessage({ id, method, args })
      })
    },
    progress: () => last,
    terminate: async () => { await worker.terminate() },
  }
}

function toError (e: RemoteError): Error {
  if (e.kind === 'unavailable' || e.kind === 'refused' || e.kind === 'timeout' || e.kind === 'protocol') return new BenchConnectError(e.message, e.kind)
  return new Error(e.message)
}
