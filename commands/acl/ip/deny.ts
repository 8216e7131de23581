import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../../src/control/schema.js'
import { BaseCommand } from '../../../src/cli/base-command.js'
import { kickedTail, OFFLINE_KICK_NOTE } from '../../../src/cli/auth-format.js'

export type AclIpDenyResult = Methods['acl.ip.set']['result']

export default class AclIpDeny extends BaseCommand<typeof AclIpDeny> {
  static override summary = 'Refuse connections from an address range (IPv4 or IPv6 CIDR).'
  static override description = `Adds an IP rule, or changes the rule for the same range. A client whose address falls in the range is refused even with correct credentials (CONNACK 0x87 Not authorized; MQTT 3: 5), unless a more specific allow rule covers it (the longest prefix decides; deny wins a tie). With --kick, live connections from the range are closed as well (MQTT 5: DISCONNECT 0x87).

Idempotent: the same rule again changes nothing (changed: false). A bare address is a /32 (IPv4) or /128 (IPv6) range.

Prints "rule 12: deny 10.0.0.0/8" ("unchanged" when it was already so; "; N sessions disconnected" with --kick). With --json: {rule: {id, cidr, action, skip_auth, hits, created_at}, changed, kicked, live}.

Exit codes: 0 done, 65 not a CIDR range, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 10.0.0.0/8',
    '<%= config.bin %> <%= command.id %> 203.0.113.7 --kick',
    '<%= config.bin %> <%= command.id %> ::/0 --json',
  ]

  static override args = {
    cidr: Args.string({ required: true, description: 'Address range, e.g. 10.0.0.0/8 or 2001:db8::/32 (a bare address is one host).' }),
  }

  static override flags = {
    kick: Flags.boolean({ summary: 'Also disconnect live connections from the range.' }),
  }

  async run (): Promise<AclIpDenyResult> {
    const { cidr } = this.args
    const { flags } = this
    const channel = await this.admin()
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)
    const res = await channel.request('acl.ip.set', { cidr, action: 'deny', kick: flags.kick })
    const unchanged = res.changed ? '' : ' (unchanged)'
    const kicked = kickedTail(flags.kick, channel.live, res.kicked)
    this.log(`rule ${res.rule.id}: deny ${res.rule.cidr}${unchanged}${kicked}`)
    return res
  }
}
