import type { IpRuleSummary } from '../../../src/control/schema.js'
import { listFlags, rowFields, type ListPage } from '../../../src/cli/filter.js'
import { ListCommand } from '../../../src/cli/list-command.js'
import { renderTable } from '../../../src/cli/output.js'
import { ago } from '../../../src/cli/time.js'

/** Fields `--filter` and `--sort` accept: every key of a row of `--json` (the compiler checks). */
const FIELDS = rowFields<IpRuleSummary>({
  id: true, cidr: true, action: true, skip_auth: true, hits: true, created_at: true,
})

export default class AclIpList extends ListCommand<typeof AclIpList> {
  static override summary = 'List IP rules.'
  static override description = `Columns: id, cidr, action (allow or deny), skip auth (allow rules that admit clients without credentials), hits (connections the rule decided since the broker started; 0 when no broker runs), created (age). Sorted by id.

For an address, the rule with the longest matching prefix decides (deny wins a tie); an address no rule covers is allowed (credentials still required).

--filter and --sort take the JSON field names: ${FIELDS.join(', ')}. --json prints {items, total, truncated}.

Exit codes: 0 ok, 64 bad --filter or --sort, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter action=deny --sort -hits',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  static override flags = {
    ...listFlags({ defaultSort: 'id' }),
  }

  async run (): Promise<ListPage<IpRuleSummary>> {
    const query = this.listQuery(FIELDS)
    const channel = await this.admin()
    const result = await channel.request('acl.ip.list', {})
    const page = this.page(result.items, query)
    if (this.jsonEnabled()) return page

    if (page.items.length === 0) {
      this.note(result.total === 0 ? 'no IP rules: every address may connect' : `no IP rules match (of ${result.total})`)
      return page
    }
    const now = Date.now()
    this.log(renderTable(page.items, [
      { header: 'id', get: (r) => r.id, numeric: true },
      { header: 'cidr', get: (r) => r.cidr },
      { header: 'action', get: (r) => r.action },
      { header: 'skip auth', get: (r) => (r.skip_auth ? 'yes' : 'no') },
      { header: 'hits', get: (r) => r.hits, numeric: true },
      { header: 'created', get: (r) => ago(r.created_at, now) },
    ]))
    this.noteTruncation(page, 'IP rules')
    return page
  }
}
