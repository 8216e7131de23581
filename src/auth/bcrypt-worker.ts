/**
 * Worker thread of the BcryptPool: password work off the event loop. Messages in: `{id, password,
 * hash}` (compare: bcrypt, or an imported Mosquitto hash) → `{id, ok}`; `{id, password, cost}`
 * (make a bcrypt hash) → `{id, hash}` or `{id, error}`.
 */
import { parentPort } from 'node:worker_threads'
import bcrypt from 'bcryptjs'
import type { WorkerReply } from './bcrypt-pool.js'
import { verifyPasswordSync } from './passwords.js'

type Job = { id: number; password: string; hash: string } | { id: number; password: string; cost: number }

parentPort?.on('message', (job: Job) => {
  let reply: WorkerReply
  if ('cost' in job) {
    try {
      reply = { id: job.id, hash: bcrypt.hashSync(job.password, job.cost) }
    } catch (err) {
      reply = { id: job.id, error: (err as Error).message }
    }
  } else {
    let ok = false
    try {
      ok = verifyPasswordSync(job.password, job.hash)
    } catch {
      ok = false
    }
    reply = { id: job.id, ok }
  }
  parentPort?.postMessage(reply)
})
