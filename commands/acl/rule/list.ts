import { Flags } from '@oclif/core'
import { ListCommand, listFlags } from '../../../src/cli/list-command.js'
import type { ListPage } from '../../../src/cli/filter.js'
import type { TopicRuleSummary } from '../../../src/control/schema.js'
import { TOPIC_RULE_FIELDS, aclRuleListView } from '../../../src/cli/views/acl-rule-list.js'

export default class AclRuleList extends ListCommand<typeof AclRuleList> {
  static override summary = 'List topic rules.'
  static override description = `Columns: id, subject (user, pattern: every client, anonymous: clients without a user name), user (of a user rule), topic (the filter, with %u and %c as given), access (read, write, readwrite), effect (allow, deny). Sorted by id. No rules at all means topic access is open to every client.

--user U keeps the rules that can apply to U: U's own rules and every pattern rule (anonymous rules never apply to a client with a user name; --filter subject=user shows only U's own).

--filter and --sort take the JSON field names: ${TOPIC_RULE_FIELDS.join(', ')}. --json prints {items, total, truncated}.

Exit codes: 0 ok, 64 bad --filter or --sort, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --user alice',
    '<%= config.bin %> <%= command.id %> --filter effect=deny --json',
  ]

  static override flags = {
    user: Flags.string({ summary: 'Only the rules that can apply to this user: theirs and the pattern rules.', helpValue: 'USER' }),
    ...listFlags({ defaultSort: 'id' }),
  }

  async run (): Promise<ListPage<TopicRuleSummary>> {
    return this.view(aclRuleListView, 'admin')
  }
}
