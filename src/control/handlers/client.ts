/**
 * `client.list`, `client.show`, `client.kick` and `subscription.list`: the admin API's client
 * operations, across the nodes of a cluster.
 *
 * Each method has one local part (`LocalClientMethods`), run for the control socket on this node
 * and, registered with `Cluster.serve`, for another node that asks (src/cluster/remote-admin.ts):
 * lists gather every node's rows (each with its `node`) and name the nodes that did not answer;
 * show and kick ask this node first, then the others, and say NOT_FOUND only when no node has the
 * client. A standalone broker runs the local part alone; its rows carry its own name.
 */
import { AdminError } from '../../core/admin/admin-error.js'
import type { Admin } from '../../core/admin/admin.js'
import type { ClientDetail, ClientStateFilter, ClientSummary, KickResult, SubscriptionSummary } from '../../core/admin/records.js'
import { findOnNodes, gatherFromNodes } from '../../cluster/remote-admin.js'
import { checkParams, METHOD_PARAMS, type MethodParams } from '../params.js'
import { ControlError, type ControlServer } from '../server.js'
import { ControlErrorCode, type ClusterListResult, type NodeRow } from '../schema.js'
import type { BrokerView } from './context.js'
import { viaAdmin } from './admin-errors.js'

/** This node's part of each client method (what another node's request runs too). */
export interface LocalClientMethods {
  list (params: MethodParams['client.list']): Array<NodeRow<ClientSummary>>
  /** null: no session with that client id here. */
  show (params: MethodParams['client.show']): ClientDetail | null
  kick (params: MethodParams['client.kick']): KickResult | null
  /** null: `client_id` given and no session with it here. */
  subscriptions (params: MethodParams['subscription.list']): Array<NodeRow<SubscriptionSummary>> | null
}

export function localClientMethods (admin: Admin, node: string): LocalClientMethods {
  return {
    list: ({ state = 'all' }) => admin.listClients(state as ClientStateFilter).map((c) => ({ ...c, node })),
    show: ({ client_id: clientId }) => orNull(() => admin.showClient(clientId)),
    kick: ({ client_id: clientId, discard_session: discard = false }) => orNull(() => admin.kickClient(clientId, discard)),
    subscriptions: ({ client_id: clientId, match }) => orNull(() => admin.listSubscriptions({ clientId, match }).map((s) => ({ ...s, node }))),
  }
}

export function registerClientHandlers (server: ControlServer, broker: BrokerView, admin: Admin): void {
  const self = broker.config.node_name
  const cluster = broker.cluster
  const local = localClientMethods(admin, self)

  if (cluster !== null) {
    cluster.serve('client.list', (p) => local.list(remoteParams('client.list', p)))
    cluster.serve('client.show', (p) => local.show(remoteParams('client.show', p)))
    cluster.serve('client.kick', (p) => local.kick(remoteParams('client.kick', p)))
    cluster.serve('subscription.list', (p) => local.subscriptions(remoteParams('subscription.list', p)))
  }

  server.handle('client.list', async (params) => {
    const only = params.node
    if (only !== undefined && only !== self && !(cluster?.peers() ?? []).includes(only)) {
      const nodes = [self, ...(cluster?.peers() ?? [])].sort()
      throw new ControlError(ControlErrorCode.NotFound, `no live node "${only}" in ${cluster === null ? 'this standalone broker' : 'the cluster'} (nodes: ${nodes.join(', ')})`)
    }
    const { state } = params
    const gathered = await gatherFromNodes(cluster, self, 'client.list', { ...(state === undefined ? {} : { state }) }, () => local.list(params), only)
    return merged(gathered)
  })

  const inCluster = cluster !== null
  server.handle('client.show', async (params) => found(params.client_id, inCluster,
    await findOnNodes(cluster, self, 'client.show', params, () => local.show(params))))

  server.handle('client.kick', async (params) => found(params.client_id, inCluster,
    await findOnNodes(cluster, self, 'client.kick', params, () => local.kick(params))))

  server.handle('subscription.list', async (params) => {
    // An invalid --match fails here, before any other node is asked.
    const here = viaAdmin(() => local.subscriptions(params))
    const gathered = await gatherFromNodes(cluster, self, 'subscription.list', params, () => here)
    const answered = gathered.answers.filter((a) => a.result !== null)
    if (params.client_id !== undefined && answered.length === 0) {
      throw notFound(params.client_id, inCluster, gathered.unreachable)
    }
    return merged({ answers: answered as Array<{ node: string; result: Array<NodeRow<SubscriptionSummary>> }>, unreachable: gathered.unreachable })
  })
}

/** Another node's params, checked against the method's schema as the control server checks its own. */
function remoteParams<M extends 'client.list' | 'client.show' | 'client.kick' | 'subscription.list'> (method: M, params: unknown): MethodParams[M] {
  const checked = checkParams(METHOD_PARAMS[method] as never, params)
  if (!checked.ok) throw new Error(`${method}: ${checked.message}`)
  return checked.value as MethodParams[M]
}

/** The admin call's result, or null when it found no such session (any other failure is thrown). */
function orNull<T> (call: () => T): T | null {
  try {
    return call()
  } catch (err) {
    if (err instanceof AdminError && err.kind === 'not_found') return null
    throw err
  }
}

function merged<T> ({ answers, unreachable }: { answers: Array<{ node: string; result: T[] }>; unreachable: string[] }): ClusterListResult<T extends NodeRow<infer R> ? R : never> {
  const items = answers.flatMap((a) => a.result)
  return { items: items as never, total: items.length, nodes: answers.map((a) => a.node), unreachable }
}

function found<T> (clientId: string, inCluster: boolean, { found, unreachable }: { found: { node: string; result: T } | null; unreachable: string[] }): NodeRow<T> {
  if (found === null) throw notFound(clientId, inCluster, unreachable)
  return { ...found.result, node: found.node }
}

/** NOT_FOUND as the admin API says it, and in a cluster on which nodes. */
function notFound (clientId: string, inCluster: boolean, unreachable: string[]): ControlError {
  const where = !inCluster ? '' : unreachable.length === 0 ? ' on any node' : ` on the nodes that answered (${unreachable.join(', ')} did not answer in time)`
  return new ControlError(ControlErrorCode.NotFound, `no session for client id '${clientId}'${where}`)
}
