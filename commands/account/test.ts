/**
 * `mqttctl account test USER`: would the broker accept this password? mqttctl fetches the stored
 * bcrypt hash (`account.verifier`) and compares here (bcryptjs), so the password never crosses the
 * control socket. The answer is grep-like: exit 0 ok, 1 denied, also under --json.
 */
import { Args } from '@oclif/core'
import { verifyPasswordSync } from '../../src/auth/passwords.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { passwordFlags, resolvePassword } from '../../src/cli/password-input.js'

export interface AccountTestResult {
  username: string
  ok: boolean
}

export default class AccountTest extends BaseCommand<typeof AccountTest> {
  static override summary = "Check a password against an account's stored hash."
  static override description = `The password sources are those of "account set" (--password, --password-stdin or --password -, MQTTCTL_PASSWORD, a terminal prompt), except that the prompt asks only once.

mqttctl fetches the account's bcrypt hash and compares locally: the password is not sent to the broker. Nothing is changed (last login included).

Prints "ok" or "denied". With --json: {username, ok}.

Exit codes: 0 ok, 1 denied, 64 no password available, 65 a password no account can have (empty, or over 72 bytes), 67 no such account, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> alice',
    "printf '%s' \"$PW\" | <%= config.bin %> <%= command.id %> alice --password-stdin && echo accepted",
    'MQTTCTL_PASSWORD=s3cret <%= config.bin %> <%= command.id %> alice --json',
  ]

  static override args = {
    user: Args.string({ required: true, description: 'User name of the account.' }),
  }

  static override flags = {
    ...passwordFlags,
  }

  async run (): Promise<AccountTestResult> {
    const { user } = this.args
    const channel = await this.admin()
    const { hash } = await channel.request('account.verifier', { username: user }) // NO_SUCH_USER → 67, before asking
    await channel.close() // the data dir of a stopped broker is not held during a prompt
    const { password } = await resolvePassword({ flags: this.flags, json: this.jsonEnabled(), confirm: false, username: user })
    const ok = verifyPasswordSync(password, hash)
    this.log(ok ? 'ok' : 'denied')
    if (!ok) process.exitCode = ExitCode.False
    return { username: user, ok }
  }
}
