/**
 * `mqttctl acl check USER TOPIC`: the topic rules' decision for one client and one topic, with the
 * rule behind it. Grep-like exit code (0 allow, 1 deny), also under --json, where the decision is
 * still printed. USER and --anonymous are alternatives; oclif cannot put an optional argument
 * before a required one, so both arguments are optional and the combination is checked here (64).
 */
import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../src/control/schema.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { ruleSubject } from '../../src/cli/auth-format.js'

export type AclCheckResult = Methods['acl.check']['result']

export default class AclCheck extends BaseCommand<typeof AclCheck> {
  static override summary = 'Would the topic rules let a client read or write a topic?'
  static override usage = [
    'acl check USER TOPIC --access read|write [--client-id C]',
    'acl check --anonymous TOPIC --access read|write [--client-id C]',
  ]

  static override description = `Asks the same decision the broker makes: for USER (or, with --anonymous, a client without a user name) and a topic name (no wildcards), with --client-id for rules using %c (default "mqttctl-check"). read is subscribing and receiving, write is publishing. Only topic rules are consulted: IP rules and passwords decide at connection time, and the account need not exist.

Prints one of:
  ALLOW by rule 3 (user alice: readwrite alice/#)
  DENY by rule 7 (every client: deny write %u/locked/# → alice/locked/#)
  DENY (no rule matches: deny by default)
  ALLOW (no topic rules: access is open)
  DENY ($SYS is written only by the broker)
With --json: {user, topic, access, client_id, decision, reason (rule, default, open, reserved), rule, effective_topic}.

Exit codes: 0 allow, 1 deny (also with --json), 64 neither or both of USER and --anonymous, 65 invalid topic name, 69 the data dir is held by another process.`

  static override examples = [
    "<%= config.bin %> <%= command.id %> alice 'alice/temp' --access write",
    "<%= config.bin %> <%= command.id %> bob 'alice/temp' --access read --json",
    "<%= config.bin %> <%= command.id %> alice 'devices/d1/cmd' --access read --client-id d1",
    "<%= config.bin %> <%= command.id %> --anonymous 'public/news' --access read",
  ]

  static override args = {
    user: Args.string({ description: 'User name (leave out with --anonymous).' }),
    topic: Args.string({ description: 'Topic name (no wildcards).' }),
  }

  static override flags = {
    access: Flags.string({ summary: 'read: subscribe and receive; write: publish.', options: ['read', 'write'], required: true }),
    anonymous: Flags.boolean({ summary: 'Check for a client without a user name (instead of USER).' }),
    'client-id': Flags.string({ summary: 'Client id, for rules using %c.', helpValue: 'C' }),
  }

  async run (): Promise<AclCheckResult> {
    const { flags, args } = this
    let user: string | null
    let topic: string | undefined
    if (flags.anonymous) {
      if (args.topic !== undefined) this.fail('--anonymous takes the place of USER: give only TOPIC', ExitCode.Usage, 'USAGE')
      user = null
      topic = args.user
    } else {
      user = args.user ?? null
      topic = args.topic
    }
    if (user === null && !flags.anonymous) this.fail('give USER and TOPIC, or --anonymous and TOPIC', ExitCode.Usage, 'USAGE')
    if (topic === undefined) this.fail('missing TOPIC: give USER and TOPIC, or --anonymous and TOPIC', ExitCode.Usage, 'USAGE')

    const channel = await this.admin()
    const res = await channel.request('acl.check', {
      user,
      topic,
      access: flags.access as 'read' | 'write',
      ...(flags['client-id'] === undefined ? {} : { client_id: flags['client-id'] }),
    })
    this.log(explain(res))
    if (res.decision === 'deny') process.exitCode = ExitCode.False
    return res
  }
}

/** The decision as one line (see the description). */
function explain (d: AclCheckResult): string {
  const verdict = d.decision === 'allow' ? 'ALLOW' : 'DENY'
  switch (d.reason) {
    case 'open': return `${verdict} (no topic rules: access is open)`
    case 'reserved': return `${verdict} ($SYS is written only by the broker)`
    case 'default': return `${verdict} (no rule matches: deny by default)`
    case 'rule': {
      const r = d.rule
      if (r === null) return verdict
      const who = ruleSubject(r)
      const effect = r.effect === 'deny' ? 'deny ' : ''
      const effective = d.effective_topic !== null && d.effective_topic !== r.topic ? ` → ${d.effective_topic}` : ''
      return `${verdict} by rule ${r.id} (${who}: ${effect}${r.access} ${r.topic}${effective})`
    }
  }
}
