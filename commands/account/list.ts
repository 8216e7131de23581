import type { AccountSummary } from '../../src/control/schema.js'
import { listFlags, rowFields, type ListPage } from '../../src/cli/filter.js'
import { ListCommand } from '../../src/cli/list-command.js'
import { renderTable } from '../../src/cli/output.js'
import { ago } from '../../src/cli/time.js'

/** Fields `--filter` and `--sort` accept: every key of a row of `--json` (the compiler checks). */
const FIELDS = rowFields<AccountSummary>({
  username: true, created_at: true, updated_at: true, last_login: true, online: true, hash_type: true,
})

export default class AccountList extends ListCommand<typeof AccountList> {
  static override summary = 'List accounts (never their password hashes).'
  static override description = `Columns: user, created (age), last login (age, "-" if never), online (the user's live connections; 0 when no broker runs), hash (bcrypt, or the Mosquitto hash an imported account keeps until its first login: pbkdf2-sha512 or sha512). Sorted by user name.

--filter and --sort take the JSON field names: ${FIELDS.join(', ')}. --json prints {items, total, truncated}.

Works with the broker stopped too (read from the data dir).

Exit codes: 0 ok, 64 bad --filter or --sort, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --filter 'online>0' --sort -online",
    "<%= config.bin %> <%= command.id %> --filter 'last_login=' --json",
  ]

  static override flags = {
    ...listFlags({ defaultSort: 'username' }),
  }

  async run (): Promise<ListPage<AccountSummary>> {
    const query = this.listQuery(FIELDS)
    const channel = await this.admin()
    const result = await channel.request('account.list', {})
    const page = this.page(result.items, query)
    if (this.jsonEnabled()) return page

    if (page.items.length === 0) {
      this.note(result.total === 0 ? 'no accounts' : `no accounts match (of ${result.total})`)
      return page
    }
    const now = Date.now()
    this.log(renderTable(page.items, [
      { header: 'user', get: (a) => a.username },
      { header: 'created', get: (a) => ago(a.created_at, now) },
      { header: 'last login', get: (a) => ago(a.last_login, now) },
      { header: 'online', get: (a) => a.online, numeric: true },
      { header: 'hash', get: (a) => a.hash_type === 'bcrypt' ? 'bcrypt' : `${a.hash_type} (imported: bcrypt at first login)` },
    ]))
    this.noteTruncation(page, 'accounts')
    return page
  }
}
