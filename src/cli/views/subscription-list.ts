/** `mqttctl subscription list`: every subscription, those of one client, or those matching a topic. */
import type { SubscriptionSummary } from '../../control/schema.js'
import { SUBSCRIPTION_FIELDS, subscriptionColumns } from '../columns.js'
import type { ListPage } from '../filter.js'
import { renderTable } from '../output.js'
import { listView, type ListFlags, type ViewIo } from './view.js'

export interface SubscriptionListFlags extends ListFlags {
  client?: string | undefined
  match?: string | undefined
}

export function subscriptionListView (io: ViewIo<SubscriptionListFlags>): Promise<ListPage<SubscriptionSummary>> {
  const { client, match } = io.flags
  return listView(io, {
    fields: SUBSCRIPTION_FIELDS,
    noun: 'subscriptions',
    fetch: () => io.request('subscription.list', {
      ...(client === undefined ? {} : { client_id: client }),
      ...(match === undefined ? {} : { match }),
    }),
    empty: () => (match === undefined ? 'no subscriptions' : `no subscription matches ${match}`),
    render: (rows) => renderTable(rows, subscriptionColumns(true)),
  })
}
