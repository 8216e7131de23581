import { Flags } from '@oclif/core'
import type { RetainedSummary } from '../../src/control/schema.js'
import { listFlags, rowFields, type ListPage } from '../../src/cli/filter.js'
import { ListCommand } from '../../src/cli/list-command.js'
import { humanBytes, renderTable } from '../../src/cli/output.js'
import { ago, fromNow } from '../../src/cli/time.js'

/** Fields `--filter` and `--sort` accept: every key of a row of `--json` (the compiler checks). */
const FIELDS = rowFields<RetainedSummary>({
  topic: true, qos: true, size: true, preview: true, received_at: true, expires_at: true,
})

export default class RetainedList extends ListCommand<typeof RetainedList> {
  static override summary = 'List retained messages whose topics match a filter.'
  static override description = `Columns: topic, qos, size, preview (the first 40 bytes as text, non-printable bytes shown as "."), received (age), expires (from the v5 Message Expiry Interval). Sorted by topic.

The default --topic '#' does not match topics that begin with "$" (MQTT's rule), so the broker's own $SYS values, retained too, are left out as they are in the retained count of mqttctl state: --topic '$SYS/#' lists them.

--filter and --sort take the JSON field names: ${FIELDS.join(', ')}. --json prints {items, total, truncated}.

Exit codes: 0 ok, 65 invalid topic filter, 69 broker not running.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --topic 'home/+/temp'",
    '<%= config.bin %> <%= command.id %> --sort -size --limit 20',
    "<%= config.bin %> <%= command.id %> --topic 'devices/#' --json",
    "<%= config.bin %> <%= command.id %> --topic '$SYS/#'",
  ]

  static override flags = {
    topic: Flags.string({ summary: 'Topic filter (wildcards + and # allowed).', default: '#', helpValue: 'FILTER' }),
    ...listFlags({ defaultSort: 'topic' }),
  }

  async run (): Promise<ListPage<RetainedSummary>> {
    const query = this.listQuery(FIELDS)
    const control = await this.control()
    const result = await control.request('retained.list', { topic: this.flags.topic }, this.timeoutMs)
    const page = this.page(result.items, query)
    if (this.jsonEnabled()) return page

    if (page.items.length === 0) {
      this.note(`no retained messages match ${this.flags.topic}`)
      return page
    }
    const now = Date.now()
    this.log(renderTable(page.items, [
      { header: 'topic', get: (r) => r.topic },
      { header: 'qos', get: (r) => r.qos, numeric: true },
      { header: 'size', get: (r) => humanBytes(r.size), numeric: true },
      { header: 'preview', get: (r) => r.preview },
      { header: 'received', get: (r) => ago(r.received_at, now) },
      { header: 'expires', get: (r) => fromNow(r.expires_at, now) },
    ]))
    this.noteTruncation(page, 'retained messages')
    return page
  }
}
