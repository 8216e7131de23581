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

export const OFFLINE_KICK_NOTE = '--kick: no broker is running, so there are no live sessions to disconnect'
