/**
 * `mqttctl account import FILE`: accounts from an `account export` file, checked whole in mqttctl
 * before the broker (or the data dir) is touched, then applied in one durable write.
 */
import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../src/control/schema.js'
import { parseAccountsFile } from '../../src/auth/transfer-format.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { kickedTail, OFFLINE_KICK_NOTE } from '../../src/cli/auth-format.js'
import { checkFrameSize, describeCounts } from '../../src/cli/import-format.js'
import { readImportFile } from '../../src/cli/read-input.js'

export type AccountImportResult = Methods['account.import']['result']

export default class AccountImport extends BaseCommand<typeof AccountImport> {
  static override summary = 'Create or update accounts from a file (account export), hashes and all.'
  static override description = `Reads the JSON document of account export from FILE, or stdin with -. The whole file is checked first: the first bad entry (user name, hash, a user named twice) is named and nothing changes (exit 65).

By default the accounts of the file are added, and those that exist get the file's hash; the others stay. With --replace, accounts the file does not name are deleted too, so the broker ends up with exactly the file's. All of it is one durable write. With --kick, live connections of users whose hash changed or who were deleted are closed.

Prints "accounts: 2 added, 1 updated, 0 unchanged, 0 deleted". With --json: {added, updated, unchanged, deleted, changed, kicked, live}.

Exit codes: 0 done, 65 the file cannot be read or holds a bad entry, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> accounts.json',
    '<%= config.bin %> <%= command.id %> accounts.json --replace --kick',
    'ssh old-host mqttctl account export | <%= config.bin %> <%= command.id %> -',
  ]

  static override args = {
    file: Args.string({ required: true, description: 'The file (account export), or - for stdin.' }),
  }

  static override flags = {
    replace: Flags.boolean({ summary: 'Delete the accounts the file does not name.' }),
    kick: Flags.boolean({ summary: 'Disconnect users whose hash changed or who were deleted.' }),
  }

  async run (): Promise<AccountImportResult> {
    const { flags } = this
    const accounts = await readImportFile(this.args.file, parseAccountsFile)
    const params = { accounts, replace: flags.replace, kick: flags.kick }
    const channel = await this.admin()
    if (channel.live) checkFrameSize(params)
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)
    const res = await channel.request('account.import', params)
    this.log(`accounts: ${describeCounts(res)}${kickedTail(flags.kick, channel.live, res.kicked)}`)
    return res
  }
}
