/**
 * What makes a user name, a topic rule's filter or an IP range acceptable to the access-control
 * methods, as plain problems (a sentence, or null when fine): the control methods turn them into
 * INVALID errors, imports name the entry of the file they belong to.
 */
import { validateTopicFilter } from '../protocol/topic.js'
import { hasForbiddenCharacters } from '../protocol/utf8.js'
import { parseCidr } from './cidr.js'

const MAX_NAME_BYTES = 65535

/** User names: what MQTT can carry, and no wildcard (a `%u` rule would otherwise widen). */
export function usernameProblem (username: string): string | null {
  if (username.length === 0) return 'the user name is empty'
  if (Buffer.byteLength(username) > MAX_NAME_BYTES) return 'the user name is longer than 65535 bytes'
  if (hasForbiddenCharacters(username)) return 'the user name holds control characters'
  if (username.includes('+') || username.includes('#')) return "the user name holds '+' or '#', which topic rules with %u cannot use"
  return null
}

/** A rule's filter: a valid topic filter once %u/%c are substituted, and no shared-subscription prefix. */
export function ruleFilterProblem (topic: string): string | null {
  if (topic.startsWith('$share/')) return 'a topic rule names the filter without $share/<group>/ (it applies to shared subscriptions too)'
  const sample = topic.replaceAll('%u', 'u').replaceAll('%c', 'c')
  const problem = validateTopicFilter(sample, 65535, 65535)
  if (problem !== null || hasForbiddenCharacters(topic)) return `'${topic}' is not a valid topic filter`
  return null
}

/** The normalised range (`10.0.0.0/8`), or the problem with it. */
export function normaliseCidr (cidr: string): { cidr: string } | { problem: string } {
  try {
    return { cidr: parseCidr(cidr.trim()).text }
  } catch (err) {
    return { problem: (err as Error).message }
  }
}
