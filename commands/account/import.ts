/**
 * `mqttctl account import FILE`: accounts from an `account export` file or (`--format mosquitto`)
 * a Mosquitto password file, checked whole in mqttctl before the broker (or the data dir) is
 * touched, then applied in one durable write.
 */
import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../src/control/schema.js'
import { parseMosquittoPasswords } from '../../src/control/mosquitto-files.js'
import { parseAccountsFile } from '../../src/control/transfer-format.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { kickedTail, OFFLINE_KICK_NOTE } from '../../src/cli/auth-format.js'
import { checkFrameSize, describeCounts } from '../../src/cli/import-format.js'
import { readImportFile } from '../../src/cli/read-input.js'

export type AccountImportResult = Methods['account.import']['result']

export default class AccountImport extends BaseCommand<typeof AccountImport> {
  static override summary = 'Create or update accounts from a file (account export, or a Mosquitto password file), hashes and all.'
  static override description = `Reads the JSON document of account export from FILE, or stdin with -. The whole file is checked first: the first bad entry (user name, hash, a user named twice) is named and nothing changes (exit 65).

--format mosquitto reads a Mosquitto password_file instead (user:hash lines as mosquitto_passwd writes them: $7$ PBKDF2-SHA512 from 2.x, $6$ SHA512 from 1.x; a plain-text line is refused, naming it). The hashes are kept: the broker checks passwords against them, and at each account's first successful login replaces the hash with a bcrypt hash of the same password, so passwords rest as bcrypt after first use (account list shows the accounts still waiting). A password longer than 72 bytes cannot log in here (bcrypt's limit).

By default the accounts of the file are added, and those that exist get the file's hash; the others stay. With --replace, accounts the file does not name are deleted too, so the broker ends up with exactly the file's. All of it is one durable write. With --kick, live connections of users whose hash changed or who were deleted are closed.

Prints "accounts: 2 added, 1 updated, 0 unchanged, 0 deleted". With --json: {added, updated, unchanged, deleted, changed, kicked, live}.

Exit codes: 0 done, 65 the file cannot be read or holds a bad entry, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> accounts.json',
    '<%= config.bin %> <%= command.id %> accounts.json --replace --kick',
    '<%= config.bin %> <%= command.id %> --format mosquitto /etc/mosquitto/passwd',
    'ssh old-host mqttctl account export | <%= config.bin %> <%= command.id %> -',
  ]

  static override args = {
    file: Args.string({ required: true, description: 'The file (account export), or - for stdin.' }),
  }

  static override flags = {
    format: Flags.string({ summary: 'What FILE is: mqttd (account export) or mosquitto (a password_file).', options: ['mqttd', 'mosquitto'], default: 'mqttd' }),
    replace: Flags.boolean({ summary: 'Delete the accounts the file does not name.' }),
    kick: Flags.boolean({ summary: 'Disconnect users whose hash changed or who were deleted.' }),
  }

  async run (): Promise<AccountImportResult> {
    const { flags } = this
    const accounts = await readImportFile(this.args.file, flags.format === 'mosquitto' ? parseMosquittoPasswords : parseAccountsFile)
    const params = { accounts, replace: flags.replace, kick: flags.kick }
    const channel = await this.admin()
    if (channel.live) checkFrameSize(params)
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)
    const res = await channel.request('account.import', params)
    this.log(`accounts: ${describeCounts(res)}${kickedTail(flags.kick, channel.live, res.kicked)}`)
    return res
  }
}
