/**
 * `mqttctl acl import FILE`: topic and IP rules from an `acl export` file, or topic rules from a
 * Mosquitto acl_file (`--format mosquitto`), checked whole in mqttctl before the broker (or the
 * data dir) is touched, then applied in one durable write.
 */
import { Args, Flags } from '@oclif/core'
import type { IpRuleEntry, Methods, TopicRuleEntry } from '../../src/control/schema.js'
import { parseMosquittoAcl } from '../../src/control/mosquitto-files.js'
import { parseAclFile } from '../../src/control/transfer-format.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { kickedTail, OFFLINE_KICK_NOTE, TOPIC_ACCESS_CLOSED, TOPIC_ACCESS_OPENED } from '../../src/cli/auth-format.js'
import { checkFrameSize, describeCounts } from '../../src/cli/import-format.js'
import { readImportFile } from '../../src/cli/read-input.js'

export type AclImportResult = Methods['acl.import']['result']

export default class AclImport extends BaseCommand<typeof AclImport> {
  static override summary = 'Add topic rules and IP rules from a file (acl export), or topic rules from a Mosquitto acl_file.'
  static override description = `Reads the JSON document of acl export from FILE, or stdin with -. The whole file is checked first: the first bad rule (topic filter, user name, range, a range given twice) is named and nothing changes (exit 65).

By default the file's topic rules that do not exist yet are added (an identical rule is left as it is), and each IP range gets the file's action (a rule for the same range is updated); other rules stay. With --replace, rules the file does not hold are deleted too, so the broker ends up with exactly the file's rules. All of it is one durable write. With --kick, clients that lost their right are disconnected (as acl rule/ip with --kick). A warning says when topic access flips between open and deny by default.

--format mosquitto reads a Mosquitto acl_file: topic [read|write|readwrite|deny] TOPIC lines (for anonymous clients before any user line, then for the user of the last user NAME line), pattern lines (every client, %u and %c substituted), # comments. deny becomes a deny rule for readwrite. A line that would not mean the same here is refused, naming it (exit 65), so nothing is widened: an unknown keyword or access type, an invalid filter, %u or %c in a topic line (literal in Mosquitto), a file without any rule (Mosquitto denies everything with it; here no rule means open). A grant to write under $SYS is imported with a warning: no client writes there. IP rules are left as they are, --replace or not.

Prints "topic rules: 2 added, 0 updated, 1 unchanged, 0 deleted" and the same for IP rules. With --json: {topic_rules: {added, updated, unchanged, deleted}, ip_rules: {…}, topic_access, topic_access_changed, changed, kicked, live}.

Exit codes: 0 done, 65 the file cannot be read or holds a bad rule, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> acl.json',
    '<%= config.bin %> <%= command.id %> acl.json --replace --kick',
    '<%= config.bin %> <%= command.id %> --format mosquitto /etc/mosquitto/acl --replace',
  ]

  static override args = {
    file: Args.string({ required: true, description: 'The file (acl export), or - for stdin.' }),
  }

  static override flags = {
    format: Flags.string({ summary: 'What FILE is: mqttd (acl export) or mosquitto (an acl_file: topic rules only).', options: ['mqttd', 'mosquitto'], default: 'mqttd' }),
    replace: Flags.boolean({ summary: 'Delete the rules the file does not hold.' }),
    kick: Flags.boolean({ summary: 'Disconnect clients that the new rules leave without access.' }),
  }

  async run (): Promise<AclImportResult> {
    const { flags } = this
    const rules = await readImportFile(this.args.file, flags.format === 'mosquitto' ? mosquittoRules : mqttdRules)
    for (const warning of rules.warnings) this.note(`warning: ${warning}`)
    const params = { topic_rules: rules.topic_rules, ip_rules: rules.ip_rules, replace: flags.replace, kick: flags.kick }
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

/** A Mosquitto acl_file as an import: its topic rules, no IP rules (those stay as they are). */
function mosquittoRules (text: string): { topic_rules: TopicRuleEntry[]; ip_rules?: IpRuleEntry[]; warnings: string[] } {
  const { rules, warnings } = parseMosquittoAcl(text)
  return { topic_rules: rules, warnings }
}

function mqttdRules (text: string): { topic_rules: TopicRuleEntry[]; ip_rules?: IpRuleEntry[]; warnings: string[] } {
  return { ...parseAclFile(text), warnings: [] }
}
