/** `mqttctl acl ip list`: the IP rules, from the broker or a stopped data dir. */
import type { IpRuleSummary } from '../../control/schema.js'
import { rowFields, type ListPage } from '../filter.js'
import { renderTable } from '../output.js'
import { ago } from '../time.js'
import { listView, type ListFlags, type ViewIo } from './view.js'

/** Fields `--filter` and `--sort` accept: every key of a row of `--json` (the compiler checks). */
export const IP_RULE_FIELDS = rowFields<IpRuleSummary>({
  id: true, cidr: true, action: true, skip_auth: true, hits: true, created_at: true,
})

export function aclIpListView (io: ViewIo<ListFlags>): Promise<ListPage<IpRuleSummary>> {
  return listView(io, {
    fields: IP_RULE_FIELDS,
    noun: 'IP rules',
    fetch: () => io.request('acl.ip.list', {}),
    empty: (total) => (total === 0 ? 'no IP rules: every address may connect' : `no IP rules match (of ${total})`),
    render: (rows) => {
      const now = Date.now()
      return renderTable(rows, [
        { header: 'id', get: (r) => r.id, numeric: true },
        { header: 'cidr', get: (r) => r.cidr },
        { header: 'action', get: (r) => r.action },
        { header: 'skip auth', get: (r) => (r.skip_auth ? 'yes' : 'no') },
        { header: 'hits', get: (r) => r.hits, numeric: true },
        { header: 'created', get: (r) => ago(r.created_at, now) },
      ])
    },
  })
}
