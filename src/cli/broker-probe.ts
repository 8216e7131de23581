/**
 * One question to the control socket: is a broker answering there, and what is its status?
 * `probeBroker` connects, waits for the hello, asks `node.status` and closes. Nothing listening
 * (no socket file, or a file left by a crash: ECONNREFUSED) is not an error but `null`; a socket
 * that accepts but does not answer in time, a permission problem or another control protocol are
 * ControlClientError for the caller to judge (kinds 'timeout', 'permission', 'protocol').
 */
import { lstatSync, unlinkSync } from 'node:fs'
import { ControlClient, ControlClientError } from '../control/client.js'
import type { NodeStatus } from '../control/schema.js'

export async function probeBroker (socketPath: string, timeoutMs: number): Promise<NodeStatus | null> {
  const started = Date.now()
  let client: ControlClient
  try {
    client = await ControlClient.connect(socketPath, timeoutMs)
  } catch (err) {
    if (err instanceof ControlClientError && err.kind === 'unavailable') return null
    throw err
  }
  try {
    return await client.request('node.status', {}, Math.max(1, timeoutMs - (Date.now() - started)))
  } catch (err) {
    // Closed under us: the broker is going away, which is "not answering".
    if (err instanceof ControlClientError && err.kind === 'unavailable') return null
    throw err
  } finally {
    client.close()
  }
}

/** Whether a socket file exists at `path` (left behind when nothing answers on it). */
export function socketFileExists (path: string): boolean {
  try {
    return lstatSync(path).isSocket()
  } catch {
    return false
  }
}

/** Removes a socket file nothing answers on; true if one was removed. Never throws. */
export function removeStaleSocket (path: string): boolean {
  if (!socketFileExists(path)) return false
  try {
    unlinkSync(path)
    return true
  } catch {
    return false
  }
}
