/**
 * `mqttctl acl import FILE`: topic and IP rules from an `acl export` file, checked whole in mqttctl
 * before the broker (or the data dir) is touched, then applied in one durable write.
 */
import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../src/control/schema.js'
import { parseAclFile } from '../../src/auth/transfer-format.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { kickedTail, OFFLINE_KICK_NOTE, TOPIC_ACCESS_CLOSED, TOPIC_ACCESS_OPENED } from '../../src/cli/auth-format.js'
import { checkFrameSize, describeCounts } from '../../src/cli/import-format.js'
import { readImportFile } from '../../src/cli/read-input.js'

export type AclImportResult = Methods['acl.import']['result']

export default class AclImport extends BaseCommand<typeof AclImport> {
  static override summary = 'Add topic rules and IP rules from a file (acl export).'
  static override description = `Reads the JSON document of acl export from FILE, or stdin with -. The whole file is checked first: the first bad rule (topic filter, user name, range, a range given twice) is named and nothing changes (exit 65).

By default the file's topic rules that do not exist yet are added (an identical rule is left as it is), and each IP range gets the file's action (a rule for the same range is updated); other rules stay. With --replace, rules the file does not hold are deleted too, so the broker ends up with exactly the file's rules. All of it is one durable write. With --kick, clients that lost their right are disconnected (as acl rule/ip with --kick). A warning says when topic access flips between open and deny by default.

Prints "topic rules: 2 added, 0 updated, 1 unchanged, 0 deleted" and the same for IP rules. With --json: {topic_rules: {added, updated, unchanged, deleted}, ip_rules: {…}, topic_access, topic_access_changed, changed, kicked, live}.

Exit codes: 0 done, 65 the file cannot be read or holds a bad rule, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> acl.json',
    '<%= config.bin %> <%= command.id %> acl.json --replace --kick',
  ]

  static override args = {
    file: Args.string({ required: true, description: 'The file (acl export), or - for stdin.' }),
  }

  static override flags = {
    replace: Flags.boolean({ summary: 'Delete the rules the file does not hold.' }),
    kick: Flags.boolean({ summary: 'Disconnect clients that the new rules leave without access.' }),
  }

  async run (): Promise<AclImportResult> {
    const { flags } = this
    const rules = await readImportFile(this.args.file, parseAclFile)
    const params = { ...rules, replace: flags.replace, kick: flags.kick }
    const channel = await this.admin()
    if (channel.live) checkFrameSize(params)
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)
    const res = await channel.request('acl.import', params)
    if (res.topic_access_changed) this.note(res.topic_access === 'rules' ? TOPIC_ACCESS_CLOSED : TOPIC_ACCESS_OPENED)
    this.log(`topic rules: ${describeCounts(res.topic_rules)}`)
    this.log(`IP rules: ${describeCounts(res.ip_rules)}${kickedTail(flags.kick, channel.live, res.kicked)}`)
    return res
  }
}
