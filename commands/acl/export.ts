/**
 * `mqttctl acl export`: every topic rule and IP rule, as the JSON document `acl import` reads
 * (src/control/transfer-format.ts).
 */
import { type AclDocument, aclFile } from '../../src/control/transfer-format.js'
import { BaseCommand } from '../../src/cli/base-command.js'

export default class AclExport extends BaseCommand<typeof AclExport> {
  static override summary = 'Write every topic rule and IP rule as JSON to stdout.'
  static override description = `The document is {format: "mqttd-acl", version: 1, exported_at, topic_rules: [{subject, user, topic, access, effect}], ip_rules: [{cidr, action, skip_auth}]}, each list in rule id order (the order acl rule list and acl ip list show). acl import reads it back.

Works with the broker stopped too (read from the data dir). --json prints the same document on one line.

Exit codes: 0 ok, 69 the data dir is held by another process.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> > acl.json',
  ]

  async run (): Promise<AclDocument> {
    const channel = await this.admin()
    const res = await channel.request('acl.export', {})
    const doc = aclFile(res.topic_rules, res.ip_rules)
    if (!this.jsonEnabled()) this.log(JSON.stringify(doc, null, 2))
    return doc
  }
}
