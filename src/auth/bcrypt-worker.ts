/**
 * Worker thread of the BcryptPool: compares passwords with bcrypt hashes off the event loop.
 * Messages in: `{id, password, hash}`; out: `{id, ok}`.
 */
import { parentPort } from 'node:worker_threads'
import { verifyPasswordSync } from './passwords.js'

parentPort?.on('message', (job: { id: number; password: string; hash: string }) => {
  let ok = false
  try {
    ok = verifyPasswordSync(job.password, job.hash)
  } catch {
    ok = false
  }
  parentPort?.postMessage({ id: job.id, ok })
})
