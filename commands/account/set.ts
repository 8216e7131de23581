/**
 * `mqttctl account set USER`: create an account or replace its password (an upsert).
 * The password is hashed here with bcrypt at the broker's `bcrypt_cost` (advertised in its hello;
 * offline: the config's), so only the hash crosses the control socket. `--hash` takes
 * a hash made elsewhere. The password is resolved before the broker is contacted, so a prompt never
 * holds the data dir of a stopped broker.
 */
import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../src/control/schema.js'
import { costOf, hashPassword, isBcryptHash } from '../../src/auth/passwords.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { passwordFlags, resolvePassword } from '../../src/cli/password-input.js'
import { kickedTail, OFFLINE_KICK_NOTE } from '../../src/cli/auth-format.js'

export type AccountSetResult = Methods['account.set']['result']

export default class AccountSet extends BaseCommand<typeof AccountSet> {
  static override summary = 'Create an account, or set its password.'
  static override description = `The password comes from, in this order: --password (warned about: it lands in the shell history and ps), --password-stdin (or --password -: all of stdin, minus one trailing newline), the MQTTCTL_PASSWORD variable, or a hidden prompt asked twice on a terminal. Without any of them and no terminal, the command exits 64. A password is 1 to 72 bytes of UTF-8 (bcrypt reads no further); every byte counts, spaces and NUL included.

mqttctl hashes it with bcrypt at the broker's bcrypt_cost: the password itself never reaches the broker. --hash stores a bcrypt hash made elsewhere ($2a$, $2b$ or $2y$) instead.

Applies at once to new connections; with --kick, the user's live connections are closed when the password changed (they must log in again). With no broker running, the data dir is changed directly and the account exists at the next start.

Prints 'account "alice" created', 'updated' or 'unchanged' (the same --hash again). With --json: {username, created, changed, kicked, live}.

Exit codes: 0 done (also unchanged), 64 no password available, or conflicting flags, 65 invalid user name, password or hash, or the account exists and --no-overwrite was given, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> alice',
    "printf '%s' \"$ALICE_PASSWORD\" | <%= config.bin %> <%= command.id %> alice --password-stdin",
    '<%= config.bin %> <%= command.id %> alice --password-stdin --kick < alice.pw',
    "<%= config.bin %> <%= command.id %> bob --hash '$2b$12$…' --no-overwrite --json",
    'MQTTCTL_PASSWORD=s3cret <%= config.bin %> <%= command.id %> sensor-17 --data-dir /var/lib/mqttd',
  ]

  static override args = {
    user: Args.string({ required: true, description: 'User name (what clients send in CONNECT).' }),
  }

  static override flags = {
    ...passwordFlags,
    hash: Flags.string({
      summary: 'Store this bcrypt hash instead of hashing a password.',
      helpValue: 'BCRYPT',
      exclusive: ['password', 'password-stdin'],
    }),
    'no-overwrite': Flags.boolean({ summary: 'Fail (exit 65) when the account already exists, instead of replacing its password.' }),
    kick: Flags.boolean({ summary: "When the password changed, disconnect the user's live connections." }),
  }

  async run (): Promise<AccountSetResult> {
    const { user } = this.args
    const { flags } = this
    const given = flags.hash
    if (given !== undefined && !isBcryptHash(given)) {
      this.fail('--hash is not a bcrypt hash ($2a$, $2b$ or $2y$, cost, 53 characters of salt and hash)', ExitCode.DataError, 'INVALID')
    }
    const password = given === undefined ? (await resolvePassword({ flags, json: this.jsonEnabled(), confirm: true, username: user })).password : undefined

    const channel = await this.admin()
    let hash: string
    if (password === undefined) {
      hash = given as string
      if (costOf(hash) < channel.bcryptCost) this.note(`warning: the hash has cost ${costOf(hash)}, below the broker's bcrypt_cost ${channel.bcryptCost}`)
    } else {
      hash = await hashPassword(password, channel.bcryptCost)
    }
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)

    const res = await channel.request('account.set', { username: user, hash, no_overwrite: flags['no-overwrite'], kick: flags.kick })
    const what = res.created ? 'created' : res.changed ? 'updated' : 'unchanged'
    const kicked = res.changed ? kickedTail(flags.kick, channel.live, res.kicked) : ''
    this.log(`account "${user}" ${what}${kicked}`)
    return res
  }
}
