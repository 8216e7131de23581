/**
 * Table columns shared by more than one command (commands/ may hold commands only). Headers are
 * the JSON field names where a column shows one field, so that what a table shows is what
 * `--filter` and `--sort` take.
 */
import type { NodeRow, SubscriptionSummary } from '../control/schema.js'
import { rowFields } from './filter.js'
import type { Column } from './output.js'

const yesNo = (b: boolean): string => (b ? 'yes' : 'no')

/** Fields of a row of `subscription list`: every JSON key (the subscriptions of `client show` have all but `node`). */
export const SUBSCRIPTION_FIELDS = rowFields<NodeRow<SubscriptionSummary>>({
  client_id: true, filter: true, qos: true, no_local: true, retain_as_published: true, retain_handling: true, share_group: true, subscription_id: true, node: true,
})

/** client_id (optional), filter, qos, no local, retain as published, retain handling, share group, subscription id. */
export function subscriptionColumns (withClient: boolean): Array<Column<SubscriptionSummary>> {
  const columns: Array<Column<SubscriptionSummary>> = [
    { header: 'filter', get: (s) => s.filter },
    { header: 'qos', get: (s) => s.qos, numeric: true },
    { header: 'no_local', get: (s) => yesNo(s.no_local) },
    { header: 'rap', get: (s) => yesNo(s.retain_as_published) },
    { header: 'rh', get: (s) => s.retain_handling, numeric: true },
    { header: 'share_group', get: (s) => s.share_group },
    { header: 'sub_id', get: (s) => s.subscription_id, numeric: true },
  ]
  return withClient ? [{ header: 'client_id', get: (s) => s.client_id }, ...columns] : columns
}
