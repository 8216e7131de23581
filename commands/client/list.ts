import { Flags } from '@oclif/core'
import type { ClientSummary } from '../../src/control/schema.js'
import { listFlags, rowFields, type ListPage } from '../../src/cli/filter.js'
import { ListCommand } from '../../src/cli/list-command.js'
import { renderTable } from '../../src/cli/output.js'
import { ago } from '../../src/cli/time.js'

/** Fields `--filter` and `--sort` accept: every key of a row of `--json` (the compiler checks). */
const FIELDS = rowFields<ClientSummary>({
  client_id: true, user: true, peer: true, listener: true, protocol: true, state: true, connected_at: true,
  disconnected_at: true, keepalive: true, clean: true, session_expiry: true, subscriptions: true,
  inflight: true, queued: true, queued_bytes: true, queue_dropped: true, output_dropped: true,
  messages_in: true, messages_out: true,
})

export default class ClientList extends ListCommand<typeof ClientList> {
  static override summary = 'List client sessions, online and offline.'
  static override description = `One row per session the broker holds: connected clients, and offline persistent sessions that still have subscriptions and queued messages.

--filter and --sort (-FIELD: descending) work on these fields (the keys of each row under --json): ${FIELDS.join(', ')}. Times are ISO 8601, so --filter 'connected_at<2025-01-01' works.

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
    const query = this.listQuery(FIELDS)
    const control = await this.control()
    const state = this.flags.state as 'online' | 'offline' | 'all'
    const result = await control.request('client.list', { state }, this.timeoutMs)
    const page = this.page(result.items, query)
    if (this.jsonEnabled()) return page

    if (page.items.length === 0) {
      this.note(result.total === 0 ? 'no clients' : `no clients match (of ${result.total})`)
      return page
    }
    const now = Date.now()
    this.log(renderTable(page.items, [
      { header: 'client_id', get: (c) => c.client_id },
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
    ]))
    this.noteTruncation(page, 'clients')
    return page
  }
}
