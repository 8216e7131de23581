/** `mqttctl subscription list`: every subscription, those of one client, or those matching a topic. */
import type { NodeRow, SubscriptionSummary } from '../../control/schema.js'
import { SUBSCRIPTION_FIELDS, subscriptionColumns } from '../columns.js'
import { renderTable, type Column } from '../output.js'
import { listView, type ListFlags, type NodeListPage, type ViewIo } from './view.js'

export interface SubscriptionListFlags extends ListFlags {
  client?: string | undefined
  match?: string | undefined
}

export function subscriptionListView (io: ViewIo<SubscriptionListFlags>): Promise<NodeListPage<NodeRow<SubscriptionSummary>>> {
  const { client, match } = io.flags
  let severalNodes = false
  return listView(io, {
    fields: SUBSCRIPTION_FIELDS,
    noun: 'subscriptions',
    fetch: async () => {
      const result = await io.request('subscription.list', {
        ...(client === undefined ? {} : { client_id: client }),
        ...(match === undefined ? {} : { match }),
      })
      severalNodes = result.nodes.length + result.unreachable.length > 1
      return result
    },
    empty: () => (match === undefined ? 'no subscriptions' : `no subscription matches ${match}`),
    render: (rows) => {
      const [byClient, ...rest] = subscriptionColumns(true) as Array<Column<NodeRow<SubscriptionSummary>>>
      return renderTable(rows, severalNodes ? [byClient as Column<NodeRow<SubscriptionSummary>>, { header: 'node', get: (s) => s.node }, ...rest] : [byClient as Column<NodeRow<SubscriptionSummary>>, ...rest])
    },
  })
}
