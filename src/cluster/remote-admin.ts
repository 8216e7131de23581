/**
 * Operator calls across the nodes of a cluster (`mqttctl client …`, `subscription list`): the
 * answering node runs its own local function, then asks the other live nodes, which answer by
 * running the same local function (registered with `Cluster.serve` under the method's name).
 *
 * - `gatherFromNodes`: every node's answer (this node's first), and the nodes that did not answer
 *   in time, so a list is made of the nodes that answered and says which did not;
 * - `findOnNodes`: the first node whose answer is not null (this node first, then the others all
 *   asked at once), or null with the nodes that did not answer.
 * A node that answers with an error (its handler threw) fails the call with that error: it is a
 * real answer, not a missing node.
 */
import type { Cluster } from './cluster.js'
import { ClusterRequestError } from './requests.js'

/** How long a node waits for the others' answers to an operator call (ms): below mqttctl's --timeout. */
export const REMOTE_ADMIN_TIMEOUT_MS = 3000

/** Every node's answer, by node name, this node first; the names of the nodes that did not answer. */
export interface Gathered<T> {
  answers: Array<{ node: string; result: T }>
  unreachable: string[]
}

/** Runs `local` here and `method` on every other live node (or only on `only`, a node name). */
export async function gatherFromNodes<T> (cluster: Cluster | null, selfName: string, method: string, params: unknown,
  local: () => T | Promise<T>, only?: string, timeoutMs = REMOTE_ADMIN_TIMEOUT_MS): Promise<Gathered<T>> {
  const answers: Array<{ node: string; result: T }> = []
  const unreachable: string[] = []
  if (only === undefined || only === selfName) answers.push({ node: selfName, result: await local() })
  if (cluster === null || only === selfName) return { answers, unreachable }
  const peers = only === undefined ? cluster.peers() : [only]
  const settled = await Promise.allSettled(peers.map((n) => cluster.request(n, method, params, timeoutMs)))
  peers.forEach((node, i) => {
    const s = settled[i] as PromiseSettledResult<unknown>
    if (s.status === 'fulfilled') answers.push({ node, result: s.value as T })
    else if (isMissingNode(s.reason)) unreachable.push(node)
    else throw s.reason
  })
  return { answers, unreachable }
}

/** The first node whose answer is not null: this one first, then the others (asked together). */
export async function findOnNodes<T> (cluster: Cluster | null, selfName: string, method: string, params: unknown,
  local: () => T | null | Promise<T | null>, timeoutMs = REMOTE_ADMIN_TIMEOUT_MS): Promise<{ found: { node: string; result: T } | null; unreachable: string[] }> {
  const here = await local()
  if (here !== null) return { found: { node: selfName, result: here }, unreachable: [] }
  if (cluster === null) return { found: null, unreachable: [] }
  const peers = cluster.peers()
  const settled = await Promise.allSettled(peers.map((n) => cluster.request(n, method, params, timeoutMs)))
  const unreachable: string[] = []
  let failure: unknown = null
  for (let i = 0; i < peers.length; i++) {
    const s = settled[i] as PromiseSettledResult<unknown>
    if (s.status === 'fulfilled') {
      if (s.value !== null) return { found: { node: peers[i] as string, result: s.value as T }, unreachable }
    } else if (isMissingNode(s.reason)) {
      unreachable.push(peers[i] as string)
    } else {
      failure ??= s.reason
    }
  }
  if (failure !== null) throw failure
  return { found: null, unreachable }
}

/**
 * A node that did not answer (no answer in time, no longer live, or its inbox not reachable), as
 * opposed to one whose handler failed (ClusterRequestError 'failed' with the handler's message).
 */
function isMissingNode (err: unknown): boolean {
  if (!(err instanceof ClusterRequestError)) return false
  return err.reason !== 'failed' || /^node "[^"]*" left the cluster|^cannot reach node/.test(err.message)
}
