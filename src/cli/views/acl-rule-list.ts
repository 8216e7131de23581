/** `mqttctl acl rule list`: the topic rules, from the broker or a stopped data dir, and the rule in force. */
import type { TopicRuleSummary } from '../../control/schema.js'
import { TOPIC_ACCESS_RULES } from '../auth-format.js'
import { rowFields, type ListPage } from '../filter.js'
import { renderTable } from '../output.js'
import { listView, type ListFlags, type ViewIo } from './view.js'

/** Fields `--filter` and `--sort` accept: every key of a row of `--json` (the compiler checks). */
export const TOPIC_RULE_FIELDS = rowFields<TopicRuleSummary>({
  id: true, subject: true, user: true, topic: true, access: true, effect: true, created_at: true,
})

export interface AclRuleListFlags extends ListFlags {
  user?: string | undefined
}

export async function aclRuleListView (io: ViewIo<AclRuleListFlags>): Promise<ListPage<TopicRuleSummary>> {
  const { user } = io.flags
  const page = await listView(io, {
    fields: TOPIC_RULE_FIELDS,
    noun: 'topic rules',
    fetch: () => io.request('acl.rule.list', user === undefined ? {} : { user }),
    empty: async (total) => {
      const none = total === 0 && (user === undefined || (await io.request('acl.rule.list', {})).total === 0)
      if (none) return 'no topic rules: topic access is open to every client'
      if (total === 0) return `no topic rules can apply to ${user ?? ''}: ${user ?? ''} has no topic access`
      return `no topic rules match (of ${total})`
    },
    render: (rows) => renderTable(rows, [
      { header: 'id', get: (r) => r.id, numeric: true },
      { header: 'subject', get: (r) => r.subject },
      { header: 'user', get: (r) => r.user },
      { header: 'topic', get: (r) => r.topic },
      { header: 'access', get: (r) => r.access },
      { header: 'effect', get: (r) => r.effect },
    ]),
  })
  if (!io.json && page.items.length > 0) io.note(TOPIC_ACCESS_RULES)
  return page
}
