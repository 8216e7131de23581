/**
 * `mqttctl account del USER`: a destructive command. It first asks for the plan
 * (`dry_run`: does the account exist, how many live sessions it has), then confirms on a terminal,
 * requires --yes elsewhere, and deletes.
 */
import { Args, Flags } from '@oclif/core'
import { ControlErrorCode, type Methods } from '../../src/control/schema.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { confirmDestructive } from '../../src/cli/prompt.js'
import { OFFLINE_KICK_NOTE, sessions } from '../../src/cli/auth-format.js'

export type AccountDelResult = Methods['account.del']['result']

const liveSessions = (n: number): string => `${n} live session${n === 1 ? '' : 's'}`

export default class AccountDel extends BaseCommand<typeof AccountDel> {
  static override summary = 'Delete an account.'
  static override description = `First looks the account up (a dry run that also counts its live sessions), then, on a terminal, asks to confirm. Without a terminal (scripts, CI) or under --json, --yes is required: the command refuses with exit 64 otherwise. --dry-run only shows what would be deleted.

New connections with that user name are refused at once (CONNACK 0x86 Bad user name or password; MQTT 3: 4). Live connections stay unless --kick, which disconnects them (MQTT 5: DISCONNECT 0x87 Not authorized). Topic rules naming the user are kept.

Prints 'deleted "alice"; kicked 2 sessions' (or '; 2 live sessions kept'). With --json: {username, online, changed, kicked, live} (changed is false for --dry-run or when declined).

Exit codes: 0 deleted (or declined at the prompt, or --dry-run, or missing with --if-exists), 64 not confirmed (pass --yes), 67 no such account, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> alice',
    '<%= config.bin %> <%= command.id %> alice --dry-run',
    '<%= config.bin %> <%= command.id %> alice --kick --yes --json',
    '<%= config.bin %> <%= command.id %> old-sensor --if-exists --yes',
  ]

  static override args = {
    user: Args.string({ required: true, description: 'User name of the account.' }),
  }

  static override flags = {
    kick: Flags.boolean({ summary: "Also disconnect the user's live connections." }),
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation (required without a terminal and with --json).', env: 'MQTTCTL_YES' }),
    'dry-run': Flags.boolean({ summary: 'Only show what would be deleted.' }),
    'if-exists': Flags.boolean({ summary: 'A missing account is not an error (exit 0).' }),
  }

  async run (): Promise<AccountDelResult> {
    const { user } = this.args
    const { flags } = this
    const channel = await this.admin()
    // NO_SUCH_USER → 67, unless --if-exists (also when the account goes between plan and deletion)
    const missing = (err: unknown): AccountDelResult => {
      if (!flags['if-exists'] || (err as { code?: string }).code !== ControlErrorCode.NoSuchUser) throw err
      this.note(`no account "${user}": nothing to delete`)
      return { username: user, online: 0, changed: false, kicked: 0, live: channel.live }
    }
    let plan: AccountDelResult
    try {
      plan = await channel.request('account.del', { username: user, dry_run: true })
    } catch (err) {
      return missing(err)
    }
    const live = channel.live ? ` (${liveSessions(plan.online)})` : ''
    if (flags['dry-run']) {
      this.log(`would delete "${user}"${live}`)
      return plan
    }
    const kickNote = flags.kick && plan.online > 0 ? ` and disconnect ${liveSessions(plan.online)}` : ''
    const go = await confirmDestructive({
      yes: flags.yes,
      json: this.jsonEnabled(),
      question: `Delete account "${user}"${kickNote}?`,
      refusal: `refusing to delete account "${user}"${live}`,
    })
    if (!go) {
      this.note('nothing deleted')
      return plan
    }
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)
    let res: AccountDelResult
    try {
      res = await channel.request('account.del', { username: user, kick: flags.kick })
    } catch (err) {
      return missing(err)
    }
    let tail = ''
    if (channel.live && flags.kick) tail = `; kicked ${sessions(res.kicked)}`
    else if (channel.live && res.online > 0) tail = `; ${liveSessions(res.online)} kept (--kick disconnects them)`
    this.log(`deleted "${user}"${tail}`)
    return res
  }
}
