import { Flags } from '@oclif/core'
import type { TopicRuleSummary } from '../../../src/control/schema.js'
import { listFlags, rowFields, type ListPage } from '../../../src/cli/filter.js'
import { ListCommand } from '../../../src/cli/list-command.js'
import { renderTable } from '../../../src/cli/output.js'
import { TOPIC_ACCESS_RULES } from '../../../src/cli/auth-format.js'

/** Fields `--filter` and `--sort` accept: every key of a row of `--json` (the compiler checks). */
const FIELDS = rowFields<TopicRuleSummary>({
  id: true, subject: true, user: true, topic: true, access: true, effect: true, created_at: true,
})

export default class AclRuleList extends ListCommand<typeof AclRuleList> {
  static override summary = 'List topic rules.'
  static override description = `Columns: id, subject (user, pattern: every client, anonymous: clients without a user name), user (of a user rule), topic (the filter, with %u and %c as given), access (read, write, readwrite), effect (allow, deny). Sorted by id. No rules at all means topic access is open to every client.

--user U keeps the rules that can apply to U: U's own rules and every pattern rule (anonymous rules never apply to a client with a user name; --filter subject=user shows only U's own).

--filter and --sort take the JSON field names: ${FIELDS.join(', ')}. --json prints {items, total, truncated}.

Exit codes: 0 ok, 64 bad --filter or --sort, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --user alice',
    '<%= config.bin %> <%= command.id %> --filter effect=deny --json',
  ]

  static override flags = {
    user: Flags.string({ summary: "Only the rules that can apply to this user: theirs and the pattern rules.", helpValue: 'USER' }),
    ...listFlags({ defaultSort: 'id' }),
  }

  async run (): Promise<ListPage<TopicRuleSummary>> {
    const query = this.listQuery(FIELDS)
    const channel = await this.admin()
    const result = await channel.request('acl.rule.list', this.flags.user === undefined ? {} : { user: this.flags.user })
    const page = this.page(result.items, query)
    if (this.jsonEnabled()) return page

    if (page.items.length === 0) {
      const { user } = this.flags
      const none = result.total === 0 && (user === undefined || (await channel.request('acl.rule.list', {})).total === 0)
      if (none) this.note('no topic rules: topic access is open to every client')
      else if (result.total === 0) this.note(`no topic rules can apply to ${user ?? ''}: ${user ?? ''} has no topic access`)
      else this.note(`no topic rules match (of ${result.total})`)
      return page
    }
    this.log(renderTable(page.items, [
      { header: 'id', get: (r) => r.id, numeric: true },
      { header: 'subject', get: (r) => r.subject },
      { header: 'user', get: (r) => r.user },
      { header: 'topic', get: (r) => r.topic },
      { header: 'access', get: (r) => r.access },
      { header: 'effect', get: (r) => r.effect },
    ]))
    this.noteTruncation(page, 'topic rules')
    this.note(TOPIC_ACCESS_RULES)
    return page
  }
}
