import { Flags } from '@oclif/core'
import { ListCommand, listFlags } from '../../src/cli/list-command.js'
import type { NodeListPage } from '../../src/cli/views/view.js'
import type { ClientSummary, NodeRow } from '../../src/control/schema.js'
import { CLIENT_FIELDS, clientListView } from '../../src/cli/views/client-list.js'

export default class ClientList extends ListCommand<typeof ClientList> {
  static override summary = 'List client sessions, online and offline.'
  static override description = `One row per session the broker holds: connected clients, and offline persistent sessions that still have subscriptions and queued messages.

--filter and --sort (-FIELD: descending) work on these fields (the keys of each row under --json): ${CLIENT_FIELDS.join(', ')}. Times are ISO 8601, so --filter 'connected_at<2025-01-01' works.

In a cluster the list holds the clients of every node, each row naming its node ("node" under --json, a standalone broker giving its own node_name; the node column when the list spans several nodes); --node NAME shows one node's clients (an unknown node name exits 65). --filter, --sort and --limit apply to the rows of all nodes together. A node that does not answer in time is named on stderr and in "unreachable" under --json; the others' rows are shown.

At most --limit rows are shown (default 1000); when more matched, stderr says "showing N of M" and --json sets "truncated": true. --json prints {items, total, truncated, unreachable}, where total counts every matching row.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --state online --filter user=alice',
    "<%= config.bin %> <%= command.id %> --filter 'client_id~^sensor-' --sort -messages_in --limit 10",
    '<%= config.bin %> <%= command.id %> --state offline --json',
    '<%= config.bin %> <%= command.id %> --node mqttd-2',
  ]

  static override flags = {
    state: Flags.string({
      summary: 'Only sessions in this state.',
      options: ['online', 'offline', 'all'],
      default: 'all',
    }),
    node: Flags.string({ summary: 'Only the clients of this cluster node.', helpValue: 'NAME' }),
    ...listFlags({ defaultSort: 'client_id' }),
  }

  async run (): Promise<NodeListPage<NodeRow<ClientSummary>>> {
    return this.view(clientListView)
  }
}
