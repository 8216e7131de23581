/** `mqttctl cluster status`: every node of the cluster as the answering node's Redis knows it. */
import type { ClusterStatus } from '../../control/schema.js'
import { renderTable } from '../output.js'
import { ago } from '../time.js'
import type { ViewIo } from './view.js'

export async function clusterStatusView (io: ViewIo<object>): Promise<ClusterStatus> {
  const status = await io.request('cluster.status', {})
  if (io.json) return status
  const now = Date.now()
  io.log(renderTable(status.nodes, [
    { header: 'node', get: (n) => n.self ? `${n.name} *` : n.name },
    { header: 'state', get: (n) => n.state },
    { header: 'clients', get: (n) => n.clients, numeric: true },
    { header: 'subscriptions', get: (n) => n.subscriptions, numeric: true },
    { header: 'msgs in/s', get: (n) => n.messages_in_per_s, numeric: true },
    { header: 'msgs out/s', get: (n) => n.messages_out_per_s, numeric: true },
    { header: 'last heartbeat', get: (n) => n.last_heartbeat === '' ? '-' : ago(n.last_heartbeat, now) },
    { header: 'address', get: (n) => n.advertise === '' ? '-' : n.advertise },
  ]))
  const down = status.nodes.filter((n) => n.state === 'down').length
  io.note(`${status.nodes.length} node${status.nodes.length === 1 ? '' : 's'}${down > 0 ? `, ${down} down` : ''} (* = ${status.node}, the node answering)`)
  return status
}
