/**
 * Phrases the `account` and `acl` commands share: who a topic rule is for, a rule in one line,
 * session counts, and what `--kick` did (or could not do, with no broker running).
 */
import type { TopicRuleSummary } from '../control/schema.js'

/** `user alice`, `every client`, `anonymous clients`. */
export function ruleSubject (r: TopicRuleSummary): string {
  return r.subject === 'user' ? `user ${r.user ?? ''}` : r.subject === 'pattern' ? 'every client' : 'anonymous clients'
}

/** `allow readwrite alice/# for user alice`. */
export function describeRule (r: TopicRuleSummary): string {
  return `${r.effect} ${r.access} ${r.topic} for ${ruleSubject(r)}`
}

/** `1 session`, `3 sessions`. */
export function sessions (n: number): string {
  return `${n} session${n === 1 ? '' : 's'}`
}

/** The `; N sessions disconnected` tail of a change made with --kick on a live broker, else ''. */
export function kickedTail (kick: boolean, live: boolean, kicked: number): string {
  return kick && live ? `; ${sessions(kicked)} disconnected` : ''
}

/** Said when the first topic rule is added: access flips from open to deny by default. */
export const TOPIC_ACCESS_CLOSED = 'warning: this is the first topic rule, so topic access is now deny by default: every client may only do what an allow rule grants it'
/** Said when the last topic rule is deleted. */
export const TOPIC_ACCESS_OPENED = 'warning: that was the last topic rule, so topic access is now open: every client may publish and subscribe to every topic (but $SYS)'
/** The line under a non-empty `acl rule list`. */
export const TOPIC_ACCESS_RULES = 'topic access: deny by default, a client may only do what an allow rule above grants it (a deny rule overrides every allow)'

export const OFFLINE_KICK_NOTE = '--kick: no broker is running, so there are no live sessions to disconnect'
