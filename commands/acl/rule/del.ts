import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../../src/control/schema.js'
import { BaseCommand } from '../../../src/cli/base-command.js'
import { ExitCode } from '../../../src/cli/exit-codes.js'
import { describeRule, kickedTail, OFFLINE_KICK_NOTE, TOPIC_ACCESS_OPENED } from '../../../src/cli/auth-format.js'

export type AclRuleDelResult = Methods['acl.rule.del']['result']

export default class AclRuleDel extends BaseCommand<typeof AclRuleDel> {
  static override summary = 'Delete a topic rule by id.'
  static override description = `The id is the one "acl rule add" printed, or "acl rule list" shows. Applies at once: deleting an allow rule takes that access away (and deleting the last rule opens topic access to everybody); with --kick, live clients holding a subscription the remaining rules no longer grant are disconnected (MQTT 5: DISCONNECT 0x87).

Prints "deleted rule 3: allow readwrite alice/# for user alice". Deleting the last rule opens every topic to every client: a warning on stderr says so. With --json: {rule, changed, kicked, live, topic_access: open|rules, topic_access_changed}.

Exit codes: 0 deleted, 64 the id is not a number, 65 no rule with that id, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 3',
    '<%= config.bin %> <%= command.id %> 3 --kick --json',
  ]

  static override args = {
    // a string, parsed here: oclif's Args.integer fails with a plain Error (exit 1), not a usage error
    id: Args.string({ required: true, description: 'Rule id (a positive integer).' }),
  }

  static override flags = {
    kick: Flags.boolean({ summary: 'Disconnect live clients holding a subscription the rules no longer grant.' }),
  }

  async run (): Promise<AclRuleDelResult> {
    const { flags } = this
    const id = Number(this.args.id)
    if (!/^\d+$/.test(this.args.id) || !Number.isSafeInteger(id) || id < 1) this.fail(`the rule id must be a positive integer, not '${this.args.id}'`, ExitCode.Usage, 'USAGE')
    const channel = await this.admin()
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)
    const res = await channel.request('acl.rule.del', { id, kick: flags.kick })
    this.log(`deleted rule ${res.rule.id}: ${describeRule(res.rule)}${kickedTail(flags.kick, channel.live, res.kicked)}`)
    if (res.topic_access_changed) this.note(TOPIC_ACCESS_OPENED)
    return res
  }
}
