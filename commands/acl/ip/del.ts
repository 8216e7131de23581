import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../../src/control/schema.js'
import { BaseCommand } from '../../../src/cli/base-command.js'
import { kickedTail, OFFLINE_KICK_NOTE } from '../../../src/cli/auth-format.js'

export type AclIpDelResult = Methods['acl.ip.del']['result']

export default class AclIpDel extends BaseCommand<typeof AclIpDel> {
  static override summary = 'Delete the IP rule for an address range.'
  static override description = `Names the rule by its range, as given to "acl ip allow" or "acl ip deny" (any spelling of the same range: 10.1.2.3/8 is 10.0.0.0/8). Applies to new connections; with --kick, live connections the remaining rules would no longer admit are closed (a skip-auth client without credentials when allow_anonymous is off, one now inside a deny range; MQTT 5: DISCONNECT 0x87).

Prints "deleted rule 12: deny 10.0.0.0/8". With --json: {rule, changed, kicked, live}.

Exit codes: 0 deleted, 65 not a CIDR range, or no rule for it, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 10.0.0.0/8',
    '<%= config.bin %> <%= command.id %> 2001:db8::/32 --json',
  ]

  static override args = {
    cidr: Args.string({ required: true, description: 'Address range of the rule.' }),
  }

  static override flags = {
    kick: Flags.boolean({ summary: 'Disconnect live clients the remaining rules would not admit.' }),
  }

  async run (): Promise<AclIpDelResult> {
    const { flags } = this
    const channel = await this.admin()
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)
    const res = await channel.request('acl.ip.del', { cidr: this.args.cidr, kick: flags.kick })
    const skip = res.rule.skip_auth ? ' (skip auth)' : ''
    this.log(`deleted rule ${res.rule.id}: ${res.rule.action} ${res.rule.cidr}${skip}${kickedTail(flags.kick, channel.live, res.kicked)}`)
    return res
  }
}
