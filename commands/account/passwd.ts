/**
 * `mqttctl account passwd USER`: change the password of an existing account. Unlike `account set`
 * it never creates one: the account is looked up first (67 when missing), before any prompt.
 */
import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../src/control/schema.js'
import { hashPassword } from '../../src/auth/passwords.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { passwordFlags, resolvePassword } from '../../src/cli/password-input.js'
import { OFFLINE_KICK_NOTE, sessions } from '../../src/cli/auth-format.js'

export type AccountPasswdResult = Methods['account.set']['result']

export default class AccountPasswd extends BaseCommand<typeof AccountPasswd> {
  static override summary = "Change an existing account's password."
  static override description = `The password sources are those of "account set": --password, --password-stdin (or --password -), MQTTCTL_PASSWORD, or a hidden prompt asked twice on a terminal; none of them and no terminal → exit 64.

Live connections of the user stay connected (they authenticated with the old password) unless --kick, which disconnects them (MQTT 5: DISCONNECT 0x87 Not authorized).

Prints 'password for "alice" changed; 2 live sessions kept', or with --kick '…; 2 sessions disconnected'. With --json: {username, created, changed, kicked, live}.

Exit codes: 0 changed, 64 no password available, 65 invalid password, 67 no such account, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> alice',
    '<%= config.bin %> <%= command.id %> alice --password-stdin --kick < alice.pw',
    'MQTTCTL_PASSWORD=n3w <%= config.bin %> <%= command.id %> alice --json',
  ]

  static override args = {
    user: Args.string({ required: true, description: 'User name of an existing account.' }),
  }

  static override flags = {
    ...passwordFlags,
    kick: Flags.boolean({ summary: "Disconnect the user's live connections (they must log in with the new password)." }),
  }

  async run (): Promise<AccountPasswdResult> {
    const { user } = this.args
    const { flags } = this
    const channel = await this.admin()
    await channel.request('account.verifier', { username: user }) // NO_SUCH_USER → 67, before asking anything
    const { password } = await resolvePassword({ flags, json: this.jsonEnabled(), confirm: true, username: user })
    const hash = await hashPassword(password, channel.bcryptCost)
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)

    const res = await channel.request('account.set', { username: user, hash, kick: flags.kick })
    if (this.jsonEnabled()) return res
    let tail = ''
    if (channel.live && flags.kick) {
      tail = `; ${sessions(res.kicked)} disconnected`
    } else if (channel.live) {
      const list = await channel.request('account.list', {})
      const online = list.items.find((a) => a.username === user)?.online ?? 0
      tail = `; ${online} live session${online === 1 ? '' : 's'} kept${online > 0 ? ' (--kick disconnects them)' : ''}`
    }
    this.log(`password for "${user}" changed${tail}`)
    return res
  }
}
