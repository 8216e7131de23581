import { Flags } from '@oclif/core'
import { ListCommand, listFlags } from '../../src/cli/list-command.js'
import type { ListPage } from '../../src/cli/filter.js'
import type { ClientSummary } from '../../src/control/schema.js'
import { CLIENT_FIELDS, clientListView } from '../../src/cli/views/client-list.js'

export default class ClientList extends ListCommand<typeof ClientList> {
  static override summary = 'List client sessions, online and offline.'
  static override description = `One row per session the broker holds: connected clients, and offline persistent sessions that still have subscriptions and queued messages.

--filter and --sort (-FIELD: descending) work on these fields (the keys of each row under --json): ${CLIENT_FIELDS.join(', ')}. Times are ISO 8601, so --filter 'connected_at<2025-01-01' works.

At most --limit rows are shown (default 1000); when more matched, stderr says "showing N of M" and --json sets "truncated": true. --json prints {items, total, truncated}, where total counts every matching row.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --state online --filter user=alice',
    "<%= config.bin %> <%= command.id %> --filter 'client_id~^sensor-' --sort -messages_in --limit 10",
    '<%= config.bin %> <%= command.id %> --state offline --json',
  ]

  static override flags = {
    state: Flags.string({
      summary: 'Only sessions in this state.',
      options: ['online', 'offline', 'all'],
      default: 'all',
    }),
    ...listFlags({ defaultSort: 'client_id' }),
  }

  async run (): Promise<ListPage<ClientSummary>> {
    return this.view(clientListView)
  }
}
