/** `mqttctl client list`: the sessions the broker holds, online and offline, as a table. */
import type { ClientSummary, NodeRow } from '../../control/schema.js'
import { rowFields } from '../filter.js'
import { renderTable } from '../output.js'
import { ago } from '../time.js'
import { listView, type ListFlags, type NodeListPage, type ViewIo } from './view.js'

/** Fields `--filter` and `--sort` accept: every key of a row of `--json` (the compiler checks). */
export const CLIENT_FIELDS = rowFields<NodeRow<ClientSummary>>({
  client_id: true,
  user: true,
  peer: true,
  listener: true,
  protocol: true,
  state: true,
  connected_at: true,
  disconnected_at: true,
  keepalive: true,
  clean: true,
  session_expiry: true,
  subscriptions: true,
  inflight: true,
  queued: true,
  queued_bytes: true,
  queue_dropped: true,
  output_dropped: true,
  messages_in: true,
  messages_out: true,
  node: true,
})

export interface ClientListFlags extends ListFlags {
  state: string
  node?: string | undefined
}

export function clientListView (io: ViewIo<ClientListFlags>): Promise<NodeListPage<NodeRow<ClientSummary>>> {
  const state = io.flags.state as 'online' | 'offline' | 'all'
  const node = io.flags.node
  let severalNodes = false
  return listView(io, {
    fields: CLIENT_FIELDS,
    noun: 'clients',
    fetch: async () => {
      const result = await io.request('client.list', { state, ...(node === undefined ? {} : { node }) })
      severalNodes = result.nodes.length + result.unreachable.length > 1
      return result
    },
    empty: (total) => (total === 0 ? 'no clients' : `no clients match (of ${total})`),
    render: (rows) => {
      const now = Date.now()
      return renderTable(rows, [
        { header: 'client_id', get: (c) => c.client_id },
        ...(severalNodes ? [{ header: 'node', get: (c: NodeRow<ClientSummary>) => c.node }] : []),
        { header: 'user', get: (c) => c.user },
        { header: 'peer', get: (c) => c.peer },
        { header: 'protocol', get: (c) => c.protocol },
        { header: 'state', get: (c) => c.state },
        { header: 'connected_at', get: (c) => ago(c.connected_at, now) },
        { header: 'keepalive', get: (c) => (c.keepalive === null ? null : `${c.keepalive}s`), numeric: true },
        { header: 'subscriptions', get: (c) => c.subscriptions, numeric: true },
        { header: 'inflight', get: (c) => c.inflight, numeric: true },
        { header: 'queued', get: (c) => c.queued, numeric: true },
        { header: 'messages_in', get: (c) => c.messages_in, numeric: true },
        { header: 'messages_out', get: (c) => c.messages_out, numeric: true },
      ])
    },
  })
}
