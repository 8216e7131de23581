/**
 * `mqttctl acl rule add`: one topic rule (Mosquitto's `topic`/`pattern` lines, with an explicit
 * effect). Exactly one subject flag says who it is for; oclif's `exactlyOne` enforces it (64).
 */
import { Flags } from '@oclif/core'
import type { Methods, RuleAccess, RuleSubject } from '../../../src/control/schema.js'
import { BaseCommand } from '../../../src/cli/base-command.js'
import { describeRule, kickedTail, OFFLINE_KICK_NOTE, TOPIC_ACCESS_CLOSED } from '../../../src/cli/auth-format.js'

export type AclRuleAddResult = Methods['acl.rule.add']['result']

const SUBJECTS = ['user', 'pattern', 'anonymous']

/** `allow readwrite alice/# for user alice` */
export default class AclRuleAdd extends BaseCommand<typeof AclRuleAdd> {
  static override summary = 'Add a topic rule: who may read (subscribe, receive) or write (publish) which topics.'
  static override description = `A rule is for one user (--user), for every client (--pattern), or for clients without a user name (--anonymous); give exactly one. --topic is a topic filter (+ and # allowed) in which %u stands for the client's user name and %c for its client id, substituted per client: --pattern --topic 'users/%u/#' gives each user their own subtree. A rule whose %u or %c would take a value holding + or #, or an empty one (or %u for an anonymous client), does not apply.

How rules decide: while no rule exists at all, topic access is open. Once one exists, access is denied by default: a client may only do what an allow rule grants it, and a matching --deny rule overrides every allow. read covers subscribing and every delivery (retained messages included); write covers publishing. $SYS topics are matched only by rules that name $SYS (# does not reach them), and only the broker writes there.

Idempotent: an identical rule is not added twice (changed: false). Applies at once; with --kick, live clients holding a subscription the rules no longer grant are disconnected (MQTT 5: DISCONNECT 0x87). Subscriptions are otherwise filtered at each delivery.

Prints "rule 3 added: allow readwrite alice/# for user alice" ("rule 3 already exists: …" when unchanged). The first rule turns every other client to deny by default: a warning on stderr says so. With --json: {rule: {id, subject, user, topic, access, effect, created_at}, changed, kicked, live, topic_access: open|rules, topic_access_changed}.

Exit codes: 0 done, 64 not exactly one of --user, --pattern, --anonymous, 65 invalid filter or user name, 69 the data dir is held by another process.`

  static override examples = [
    "<%= config.bin %> <%= command.id %> --user alice --topic 'alice/#' --access readwrite",
    "<%= config.bin %> <%= command.id %> --pattern --topic 'users/%u/#' --access readwrite",
    "<%= config.bin %> <%= command.id %> --pattern --topic 'devices/%c/cmd' --access read",
    "<%= config.bin %> <%= command.id %> --anonymous --topic 'public/#' --access read",
    "<%= config.bin %> <%= command.id %> --user bob --topic 'alice/secret/#' --access read --deny --kick --json",
  ]

  static override flags = {
    user: Flags.string({ summary: 'The rule is for this user.', helpValue: 'USER', exactlyOne: SUBJECTS }),
    pattern: Flags.boolean({ summary: 'The rule is for every client (use %u and %c in --topic).', exactlyOne: SUBJECTS }),
    anonymous: Flags.boolean({ summary: 'The rule is for clients connected without a user name.', exactlyOne: SUBJECTS }),
    topic: Flags.string({ summary: 'Topic filter; %u: user name, %c: client id.', helpValue: 'FILTER', required: true }),
    access: Flags.string({ summary: 'read: subscribe and receive; write: publish; readwrite: both.', options: ['read', 'write', 'readwrite'], required: true }),
    deny: Flags.boolean({ summary: 'A deny rule: refuses what it matches, whatever allow rules say.' }),
    kick: Flags.boolean({ summary: 'Disconnect live clients holding a subscription the rules no longer grant.' }),
  }

  async run (): Promise<AclRuleAddResult> {
    const { flags } = this
    const subject: RuleSubject = flags.user !== undefined ? 'user' : flags.pattern === true ? 'pattern' : 'anonymous'
    const channel = await this.admin()
    if (flags.kick && !channel.live) this.note(OFFLINE_KICK_NOTE)
    const res = await channel.request('acl.rule.add', {
      subject,
      ...(flags.user === undefined ? {} : { user: flags.user }),
      topic: flags.topic,
      access: flags.access as RuleAccess,
      deny: flags.deny,
      kick: flags.kick,
    })
    this.log(`rule ${res.rule.id} ${res.changed ? 'added' : 'already exists'}: ${describeRule(res.rule)}${kickedTail(flags.kick, channel.live, res.kicked)}`)
    if (res.topic_access_changed) this.note(TOPIC_ACCESS_CLOSED)
    return res
  }
}
