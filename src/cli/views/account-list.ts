/** `mqttctl account list`: accounts (never their hashes), from the broker or a stopped data dir. */
import type { AccountSummary } from '../../control/schema.js'
import { rowFields, type ListPage } from '../filter.js'
import { renderTable } from '../output.js'
import { ago } from '../time.js'
import { listView, type ListFlags, type ViewIo } from './view.js'

/** Fields `--filter` and `--sort` accept: every key of a row of `--json` (the compiler checks). */
export const ACCOUNT_FIELDS = rowFields<AccountSummary>({
  username: true, created_at: true, updated_at: true, last_login: true, online: true, hash_type: true,
})

export function accountListView (io: ViewIo<ListFlags>): Promise<ListPage<AccountSummary>> {
  return listView(io, {
    fields: ACCOUNT_FIELDS,
    noun: 'accounts',
    fetch: () => io.request('account.list', {}),
    empty: (total) => (total === 0 ? 'no accounts' : `no accounts match (of ${total})`),
    render: (rows) => {
      const now = Date.now()
      return renderTable(rows, [
        { header: 'user', get: (a) => a.username },
        { header: 'created', get: (a) => ago(a.created_at, now) },
        { header: 'last login', get: (a) => ago(a.last_login, now) },
        { header: 'online', get: (a) => a.online, numeric: true },
        { header: 'hash', get: (a) => a.hash_type === 'bcrypt' ? 'bcrypt' : `${a.hash_type} (imported: bcrypt at first login)` },
      ])
    },
  })
}
