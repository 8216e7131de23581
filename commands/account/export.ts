/**
 * `mqttctl account export`: every account with its stored hash, as the JSON document `account
 * import` reads (src/control/transfer-format.ts). Passwords are never stored, so none is in it.
 */
import { type AccountsDocument, accountsFile } from '../../src/control/transfer-format.js'
import { BaseCommand } from '../../src/cli/base-command.js'

export default class AccountExport extends BaseCommand<typeof AccountExport> {
  static override summary = 'Write every account, with its password hash, as JSON to stdout.'
  static override description = `The document is {format: "mqttd-accounts", version: 1, exported_at, accounts: [{username, hash}]}, sorted by user name: the stored bcrypt hashes (and Mosquitto hashes imported and not yet used, see account import --format mosquitto), never a password. account import reads it back. The file grants nothing by itself, but keep it as private as the data dir: the hashes can be attacked offline.

Works with the broker stopped too (read from the data dir). --json prints the same document on one line.

Exit codes: 0 ok, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> > accounts.json',
    '<%= config.bin %> <%= command.id %> --data-dir /var/lib/mqttd > accounts.json',
  ]

  async run (): Promise<AccountsDocument> {
    const channel = await this.admin()
    const doc = accountsFile((await channel.request('account.export', {})).accounts)
    if (!this.jsonEnabled()) this.log(JSON.stringify(doc, null, 2))
    return doc
  }
}
