import { ListCommand, listFlags } from '../../src/cli/list-command.js'
import type { ListPage } from '../../src/cli/filter.js'
import type { AccountSummary } from '../../src/control/schema.js'
import { ACCOUNT_FIELDS, accountListView } from '../../src/cli/views/account-list.js'

export default class AccountList extends ListCommand<typeof AccountList> {
  static override summary = 'List accounts (never their password hashes).'
  static override description = `Columns: user, created (age), last login (age, "-" if never), online (the user's live connections; 0 when no broker runs), hash (bcrypt, or the Mosquitto hash an imported account keeps until its first login: pbkdf2-sha512 or sha512). Sorted by user name.

--filter and --sort take the JSON field names: ${ACCOUNT_FIELDS.join(', ')}. --json prints {items, total, truncated}.

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
    return this.view(accountListView, 'admin')
  }
}
