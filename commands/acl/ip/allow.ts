import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../../src/control/schema.js'
import { BaseCommand } from '../../../src/cli/base-command.js'
import { kickedTail, OFFLINE_KICK_NOTE } from '../../../src/cli/auth-format.js'

export type AclIpAllowResult = Methods['acl.ip.set']['result']

export default class AclIpAllow extends BaseCommand<typeof AclIpAllow> {
  static override summary = 'Allow connections from an address range (IPv4 or IPv6 CIDR).'
  static override description = `Adds an IP rule, or changes the rule for the same range. Among the rules whose range holds a client's address, the most specific one (longest prefix) decides, and deny wins a tie. An allow rule still requires credentials, unless --skip-auth: clients from the range then connect without a user name even with allow_anonymous off (they are anonymous for the topic rules). --skip-auth is dangerous on any range you do not control entirely; a warning says so.

Idempotent: the same rule again changes nothing (changed: false). A bare address is a /32 (IPv4) or /128 (IPv6) range; the range is stored in normal form (host bits cleared).

Prints "rule 12: allow 10.0.0.0/8" (and "(skip auth)"; "unchanged" when it was already so). With --json: {rule: {id, cidr, action, skip_auth, hits, created_at}, changed, kicked, live}.

Exit codes: 0 done, 65 not a CIDR range, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 10.0.0.0/8',
    '<%= config.bin %> <%= command.id %> 2001:db8::/32 --json',
    '<%= config.bin %> <%= command.id %> 192.168.7.10 --skip-auth',
  ]

  static override args = {
    cidr: Args.string({ required: true, description: 'Address range, e.g. 10.0.0.0/8 or 2001:db8::/32 (a bare address is one host).' }),
  }

  static override flags = {
    'skip-auth': Flags.boolean({ summary: 'Admit clients from this range without credentials (dangerous).' }),
    kick: Flags.boolean({ summary: 'Disconnect live connections that this change leaves without access.' }),
  }

  async run (): Promise<AclIpAllowResult> {
    const { cidr } = this.args
    const { flags } = this
    const channel = await this.admin()
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)
    const res = await channel.request('acl.ip.set', { cidr, action: 'allow', skip_auth: flags['skip-auth'], kick: flags.kick })
    if (res.rule.skip_auth) this.note(`warning: --skip-auth admits every client from ${res.rule.cidr} without credentials (no user name or password needed)`)
    const skip = res.rule.skip_auth ? ' (skip auth)' : ''
    const unchanged = res.changed ? '' : ' (unchanged)'
    const kicked = kickedTail(flags.kick, channel.live, res.kicked)
    this.log(`rule ${res.rule.id}: allow ${res.rule.cidr}${skip}${unchanged}${kicked}`)
    return res
  }
}
