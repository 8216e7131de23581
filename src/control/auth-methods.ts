/**
 * The `account.*` and `acl.*` control methods, written once over an AccessControl and used twice:
 * by the running broker (control/handlers/auth.ts, with a LiveView of its connections) and by
 * mqttctl on the data dir of a stopped broker (control/offline-admin.ts, no LiveView). Each method validates
 * its input (ControlError INVALID / NOT_FOUND / NO_SUCH_USER), changes the AccessControl (durable
 * before it resolves) and, with `kick` on a live broker, closes the connections that lost their
 * right: those of a deleted or re-keyed user, those from a newly denied address, those holding a
 * subscription the topic rules no longer grant. The export and import methods (admin-transfer.ts)
 * are merged in and share the MethodKit.
 */
import { ControlError } from './server.js'
import { type AccountSummary, type AuthChange, ControlErrorCode, type IpRuleSummary, type Methods, type TopicAccessChange, type TopicRuleSummary } from './schema.js'
import { validateTopicName } from '../protocol/topic.js'
import type { AccessControl, IpRule } from '../auth/access-control.js'
import { TRANSFER_METHODS, type TransferMethodName, transferMethods } from './auth-transfer.js'
import { normaliseCidr, ruleFilterProblem, usernameProblem } from '../auth/entry-checks.js'
import { hashProblem, hashType } from '../auth/passwords.js'
import type { Identity, TopicRule } from '../auth/topic-rules.js'

/** A connected client as the kick rules see it. */
export interface LiveClient extends Identity {
  readonly address: string
  /** Its session's subscriptions, as topic filters (share prefix removed). */
  readonly filters: readonly string[]
}

/** What a running broker offers the methods. */
export interface LiveView {
  /** Closes (DISCONNECT 0x87 in v5) every connection `select` picks; returns how many. */
  kick (select: (client: LiveClient) => boolean, why: string): number
  /** Connected clients per user name. */
  onlineByUser (): Map<string, number>
  /** The broker's `allow_anonymous`, as it is now. */
  allowAnonymous (): boolean
}

export type AuthMethodName =
  | 'account.set' | 'account.del' | 'account.list' | 'account.verifier'
  | 'acl.ip.set' | 'acl.ip.del' | 'acl.ip.list'
  | 'acl.rule.add' | 'acl.rule.del' | 'acl.rule.list' | 'acl.check'
  | TransferMethodName

export const AUTH_METHODS: readonly AuthMethodName[] = [
  'account.set', 'account.del', 'account.list', 'account.verifier',
  'acl.ip.set', 'acl.ip.del', 'acl.ip.list',
  'acl.rule.add', 'acl.rule.del', 'acl.rule.list', 'acl.check',
  ...TRANSFER_METHODS,
]

export type AuthMethods = { [M in AuthMethodName]: (params: Methods[M]['params']) => Promise<Methods[M]['result']> }

/** What the methods share: results, the topic-access flip, `kick`, and who lost their right after a change. */
export interface MethodKit {
  change (changed: boolean, kicked?: number): AuthChange
  /** Topic access now, and whether the change just made flipped it (open ⇄ deny by default). */
  topicAccess (wasRestricted: boolean): TopicAccessChange
  kick (enabled: boolean | undefined, select: (client: LiveClient) => boolean, why: string): number
  /** Holds a subscription the topic rules no longer grant. */
  lostSubscription (client: LiveClient): boolean
  /** Would not be let in now, as it came (anonymous ones only by allow_anonymous or skip-auth). */
  lostAdmission (client: LiveClient): boolean
}

function methodKit (access: AccessControl, live: LiveView | null): MethodKit {
  return {
    change: (changed, kicked = 0) => ({ changed, kicked, live: live !== null }),
    topicAccess: (wasRestricted) => ({ topic_access: access.restricted ? 'rules' : 'open', topic_access_changed: access.restricted !== wasRestricted }),
    kick: (enabled, select, why) => enabled === true && live !== null ? live.kick(select, why) : 0,
    lostSubscription: (client) => access.restricted && client.filters.some((f) => !access.decide(client, f, 'read', 'filter').allowed),
    lostAdmission (client) {
      const verdict = access.checkIp(client.address).verdict
      if (verdict === 'deny') return true
      return client.username === undefined && verdict !== 'skip_auth' && live?.allowAnonymous() === false
    },
  }
}

export function authMethods (access: AccessControl, live: LiveView | null): AuthMethods {
  const kit = methodKit(access, live)
  const { change, topicAccess, kick, lostSubscription, lostAdmission } = kit

  return {
    ...transferMethods(access, kit),
    'account.set': async ({ username, hash, no_overwrite: noOverwrite, kick: doKick }) => {
      checkUsername(username)
      const problem = hashProblem(hash)
      if (problem !== null) throw invalid(problem)
      if (noOverwrite === true && access.account(username) !== undefined) {
        throw new ControlError(ControlErrorCode.Conflict, `account '${username}' already exists`)
      }
      const { created, changed } = await access.setAccount(username, hash)
      // a new account also ends connections that gave this name while names were not checked
      const kicked = changed ? kick(doKick, (c) => c.username === username, created ? 'account created' : 'password changed') : 0
      return { ...change(changed, kicked), username, created }
    },

    'account.del': async ({ username, kick: doKick, dry_run: dryRun }) => {
      if (access.account(username) === undefined) throw noSuchUser(username)
      const online = live?.onlineByUser().get(username) ?? 0
      if (dryRun === true) return { ...change(false), username, online }
      await access.deleteAccount(username)
      const kicked = kick(doKick, (c) => c.username === username, 'account deleted')
      return { ...change(true, kicked), username, online }
    },

    'account.list': async () => {
      const online = live?.onlineByUser() ?? new Map<string, number>()
      const items: AccountSummary[] = access.listAccounts().map((a) => ({
        username: a.username,
        created_at: iso(a.createdAt),
        updated_at: iso(a.updatedAt),
        last_login: a.lastLogin === null ? null : iso(a.lastLogin),
        online: online.get(a.username) ?? 0,
        hash_type: hashType(a.hash) ?? 'unknown',
      }))
      return { items, total: items.length }
    },

    'account.verifier': async ({ username }) => {
      const account = access.account(username)
      if (account === undefined) throw noSuchUser(username)
      return { username, hash: account.hash }
    },

    'acl.ip.set': async ({ cidr, action, skip_auth: skipAuth = false, kick: doKick }) => {
      if (skipAuth && action !== 'allow') throw invalid('--skip-auth only goes with allow')
      const { rule, changed } = await access.setIpRule(checkCidr(cidr), action, skipAuth)
      const kicked = changed ? kick(doKick, lostAdmission, `IP rule for ${rule.cidr.text} changed`) : 0
      return { ...change(changed, kicked), rule: ipRuleSummary(rule) }
    },

    'acl.ip.del': async ({ cidr, kick: doKick }) => {
      const rule = await access.deleteIpRule(checkCidr(cidr))
      if (rule === undefined) throw new ControlError(ControlErrorCode.NotFound, `no IP rule for ${cidr}`)
      const kicked = kick(doKick, lostAdmission, `IP rule for ${rule.cidr.text} deleted`)
      return { ...change(true, kicked), rule: ipRuleSummary(rule) }
    },

    'acl.ip.list': async () => {
      const items = access.listIpRules().map(ipRuleSummary)
      return { items, total: items.length }
    },

    'acl.rule.add': async ({ subject, user, topic, access: level, deny, kick: doKick }) => {
      if (subject === 'user') {
        if (user === undefined) throw invalid('a user rule needs a user name')
        checkUsername(user)
      } else if (user !== undefined) {
        throw invalid(`a ${subject} rule is for no particular user`)
      }
      checkRuleFilter(topic)
      const wasRestricted = access.restricted
      const { rule, changed } = await access.addTopicRule({ subject, user: user ?? null, topic, access: level, effect: deny === true ? 'deny' : 'allow' })
      const kicked = changed ? kick(doKick, lostSubscription, `topic rule ${rule.id} added`) : 0
      return { ...change(changed, kicked), ...topicAccess(wasRestricted), rule: topicRuleSummary(rule) }
    },

    'acl.rule.del': async ({ id, kick: doKick }) => {
      const wasRestricted = access.restricted
      const rule = await access.deleteTopicRule(id)
      if (rule === undefined) throw new ControlError(ControlErrorCode.NotFound, `no topic rule ${id}`)
      const kicked = kick(doKick, lostSubscription, `topic rule ${id} deleted`)
      return { ...change(true, kicked), ...topicAccess(wasRestricted), rule: topicRuleSummary(rule) }
    },

    'acl.rule.list': async ({ user }) => {
      // with --user: the rules that can apply to that user (theirs and the patterns)
      const rules = access.listTopicRules().filter((r) => user === undefined || r.subject === 'pattern' || r.user === user)
      const items = rules.map(topicRuleSummary)
      return { items, total: items.length }
    },

    'acl.check': async ({ user, topic, access: level, client_id: clientId = 'mqttctl-check' }) => {
      if (validateTopicName(topic, 65535, 65535) !== null) throw invalid(`'${topic}' is not a valid topic name (no wildcards)`)
      const d = access.decide({ username: user ?? undefined, clientId }, topic, level, 'topic')
      return {
        user,
        topic,
        access: level,
        client_id: clientId,
        decision: d.allowed ? 'allow' : 'deny',
        reason: d.reason,
        rule: d.rule === null ? null : topicRuleSummary(d.rule),
        effective_topic: d.effectiveTopic,
      }
    },
  }
}

export function topicRuleSummary (r: TopicRule): TopicRuleSummary {
  return { id: r.id, subject: r.subject, user: r.user, topic: r.topic, access: r.access, effect: r.effect, created_at: iso(r.createdAt) }
}

export function ipRuleSummary (r: IpRule): IpRuleSummary {
  return { id: r.id, cidr: r.cidr.text, action: r.action, skip_auth: r.skipAuth, created_at: iso(r.createdAt), hits: r.hits }
}

function iso (ms: number): string {
  return new Date(ms).toISOString()
}

function invalid (message: string): ControlError {
  return new ControlError(ControlErrorCode.Invalid, message)
}

function noSuchUser (username: string): ControlError {
  return new ControlError(ControlErrorCode.NoSuchUser, `no account '${username}'`)
}

function checkUsername (username: string): void {
  const problem = usernameProblem(username)
  if (problem !== null) throw invalid(problem)
}

function checkCidr (cidr: string): string {
  const result = normaliseCidr(cidr)
  if ('problem' in result) throw invalid(result.problem)
  return result.cidr
}

function checkRuleFilter (topic: string): void {
  const problem = ruleFilterProblem(topic)
  if (problem !== null) throw invalid(problem)
}
