import { Flags } from '@oclif/core'
import { SUBSCRIPTION_FIELDS } from '../../src/cli/columns.js'
import { ListCommand, listFlags } from '../../src/cli/list-command.js'
import type { NodeListPage } from '../../src/cli/views/view.js'
import type { NodeRow, SubscriptionSummary } from '../../src/control/schema.js'
import { subscriptionListView } from '../../src/cli/views/subscription-list.js'

export default class SubscriptionList extends ListCommand<typeof SubscriptionList> {
  static override summary = 'List subscriptions; --match shows who would receive a publish to a topic.'
  static override description = `Every subscription of every session, or those of one client (--client). With --match TOPIC, the subscriptions whose filters match that topic name: who would receive a message published to it (of a shared group, one member gets each message).

In a cluster the subscriptions of every node are listed, each row naming its node (a node that does not answer in time is named on stderr and in "unreachable" under --json).

Columns: client_id, node, filter, qos, no_local, rap (retain as published), rh (retain handling), share_group, sub_id (subscription identifier). --filter and --sort take the JSON field names: ${SUBSCRIPTION_FIELDS.join(', ')}. --json prints {items, total, truncated, unreachable}.

Exit codes: 0 ok, 65 unknown --client or a --match that is not a topic name (wildcards are not allowed), 69 broker not running.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --client sensor-17',
    '<%= config.bin %> <%= command.id %> --match home/kitchen/temp',
    "<%= config.bin %> <%= command.id %> --filter 'filter~^\\$share/' --json",
  ]

  static override flags = {
    client: Flags.string({ summary: 'Only the subscriptions of this client id.', helpValue: 'ID' }),
    match: Flags.string({ summary: 'Only subscriptions that match this topic name (who would receive it).', helpValue: 'TOPIC' }),
    ...listFlags({ defaultSort: 'client_id,filter' }),
  }

  async run (): Promise<NodeListPage<NodeRow<SubscriptionSummary>>> {
    return this.view(subscriptionListView)
  }
}
