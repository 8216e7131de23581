/**
 * Topic rules (Mosquitto's `topic`/`pattern` ACL lines, with explicit allow and deny) and the
 * decision they make for one client and one topic.
 *
 * A rule is for one user (`user`), for every client (`pattern`) or for clients without a user name
 * (`anonymous`); its filter may hold `%u` (user name) and `%c` (client id), substituted per client.
 * A substitution that would put a wildcard or nothing into the filter makes the rule not apply
 * (Mosquitto's rule too), so a client id `#` cannot widen `clients/%c/#`.
 *
 * Decision, once at least one rule exists (deny by default):
 * 1. writing under `$SYS` is refused whatever the rules say (the broker alone publishes there);
 * 2. among the rules that apply to the client and the access (read, write), a deny rule that
 *    matches wins; else an allow rule that matches allows; else nothing does (`default`).
 * "Matches" depends on what is checked: a topic name (PUBLISH, and every delivery to a subscriber)
 * matches a rule whose filter matches it; a subscription's filter matches a rule whose filter covers
 * every topic the subscription can receive (`filterCovers`). A deny rule covering only part of a
 * subscription leaves the subscription granted, and that part filtered out at each delivery.
 * `$SYS/...` only matches rules that name `$SYS` (a leading wildcard never matches `$` topics
 * [MQTT-4.7.2-1]), so `#` for everybody still does not open `$SYS`.
 */
import { topicMatches } from '../protocol/topic.js'

export type RuleSubject = 'user' | 'pattern' | 'anonymous'
export type RuleAccess = 'read' | 'write' | 'readwrite'

export interface TopicRule {
  readonly id: number
  readonly subject: RuleSubject
  /** The user of a `user` rule. */
  readonly user: string | null
  readonly topic: string
  readonly access: RuleAccess
  readonly effect: 'allow' | 'deny'
  /** ms since the epoch. */
  readonly createdAt: number
}

/** Who asks: an authenticated user name (undefined: anonymous) and the client id. */
export interface Identity {
  readonly username: string | undefined
  readonly clientId: string
}

export type Decision =
  | { allowed: boolean; reason: 'rule'; rule: TopicRule; effectiveTopic: string }
  | { allowed: boolean; reason: 'default' | 'open' | 'reserved'; rule: null; effectiveTopic: null }

/** What a rule's filter is tested against. */
export type Target = 'topic' | 'filter'

const SYS = '$SYS'

/** True when `topic` (name or filter) lies under `$SYS`. */
export function isSysTopic (topic: string): boolean {
  return topic === SYS || topic.startsWith(`${SYS}/`)
}

/** The rule's filter for `who`, or null when the rule does not apply to them. */
export function effectiveFilter (rule: TopicRule, who: Identity): string | null {
  switch (rule.subject) {
    case 'user':
      if (who.username !== rule.user) return null
      break
    case 'anonymous':
      if (who.username !== undefined) return null
      break
    case 'pattern':
      break
  }
  if (!rule.topic.includes('%')) return rule.topic
  let out = rule.topic
  if (out.includes('%u')) {
    if (who.username === undefined || !safeSubstitute(who.username)) return null
    out = out.replaceAll('%u', who.username)
  }
  if (out.includes('%c')) {
    if (!safeSubstitute(who.clientId)) return null
    out = out.replaceAll('%c', who.clientId)
  }
  return out
}

function safeSubstitute (value: string): boolean {
  return value.length > 0 && !value.includes('+') && !value.includes('#')
}

function grants (rule: TopicRule, access: 'read' | 'write'): boolean {
  return rule.access === 'readwrite' || rule.access === access
}

/**
 * The decision of `rules` for `who` doing `access` on `topic` (a topic name, or a subscription's
 * filter when `target` is 'filter').
 */
export function decide (rules: readonly TopicRule[], who: Identity, topic: string, access: 'read' | 'write', target: Target): Decision {
  if (access === 'write' && isSysTopic(topic)) return { allowed: false, reason: 'reserved', rule: null, effectiveTopic: null }
  if (rules.length === 0) return { allowed: true, reason: 'open', rule: null, effectiveTopic: null }
  let allow: { rule: TopicRule; filter: string } | null = null
  for (const rule of rules) {
    if (!grants(rule, access)) continue
    const filter = effectiveFilter(rule, who)
    if (filter === null) continue
    const matches = target === 'topic' ? topicMatches(filter, topic) : filterCovers(filter, topic)
    if (!matches) continue
    if (rule.effect === 'deny') return { allowed: false, reason: 'rule', rule, effectiveTopic: filter }
    allow ??= { rule, filter }
  }
  if (allow !== null) return { allowed: true, reason: 'rule', rule: allow.rule, effectiveTopic: allow.filter }
  return { allowed: false, reason: 'default', rule: null, effectiveTopic: null }
}

/**
 * True when every topic that filter `inner` matches is also matched by filter `outer` (both valid
 * filters). `a/#` covers `a/+/b`, `a` and `a/#`; `a/+` does not cover `a/#`; `#` does not cover
 * `$SYS/#` (a leading wildcard matches no `$` topic), but covers `+/x`.
 */
export function filterCovers (outer: string, inner: string): boolean {
  const o = outer.split('/')
  const i = inner.split('/')
  const innerDollar = i[0].startsWith('$')
  for (let k = 0; k < o.length; k++) {
    const level = o[k]
    if (level === '#') return !(k === 0 && innerDollar)
    if (k >= i.length) return false
    const mine = i[k]
    if (level === '+') {
      if (mine === '#') return false
      if (k === 0 && innerDollar) return false
      continue
    }
    if (mine !== level) return false // a wildcard in `inner` where `outer` names one level
  }
  return o.length === i.length
}
