import { Flags } from '@oclif/core'
import { ListCommand, listFlags } from '../../src/cli/list-command.js'
import type { ListPage } from '../../src/cli/filter.js'
import type { RetainedSummary } from '../../src/control/schema.js'
import { RETAINED_FIELDS, retainedListView } from '../../src/cli/views/retained-list.js'

export default class RetainedList extends ListCommand<typeof RetainedList> {
  static override summary = 'List retained messages whose topics match a filter.'
  static override description = `Columns: topic, qos, size, preview (the first 40 bytes as text, non-printable bytes shown as "."), received (age), expires (from the v5 Message Expiry Interval). Sorted by topic.

The default --topic '#' does not match topics that begin with "$" (MQTT's rule), so the broker's own $SYS values, retained too, are left out as they are in the retained count of mqttctl state: --topic '$SYS/#' lists them.

--filter and --sort take the JSON field names: ${RETAINED_FIELDS.join(', ')}. --json prints {items, total, truncated}.

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
    return this.view(retainedListView)
  }
}
