import { ListCommand, listFlags } from '../../../src/cli/list-command.js'
import type { ListPage } from '../../../src/cli/filter.js'
import type { IpRuleSummary } from '../../../src/control/schema.js'
import { IP_RULE_FIELDS, aclIpListView } from '../../../src/cli/views/acl-ip-list.js'

export default class AclIpList extends ListCommand<typeof AclIpList> {
  static override summary = 'List IP rules.'
  static override description = `Columns: id, cidr, action (allow or deny), skip auth (allow rules that admit clients without credentials), hits (connections the rule decided since the broker started; 0 when no broker runs), created (age). Sorted by id.

For an address, the rule with the longest matching prefix decides (deny wins a tie); an address no rule covers is allowed (credentials still required).

--filter and --sort take the JSON field names: ${IP_RULE_FIELDS.join(', ')}. --json prints {items, total, truncated}.

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
    return this.view(aclIpListView, 'admin')
  }
}
