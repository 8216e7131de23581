/**
 * Topic names and topic filters (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7 and §4.8.2).
 *
 * Pure functions, no I/O and no broker state:
 * - validation of PUBLISH topic names and SUBSCRIBE topic filters, returning a
 *   `TopicErrorCode` (or null) so callers can map it to the right reason code;
 * - splitting of `$share/{ShareName}/{filter}` shared-subscription filters;
 * - `topicMatches`, a straightforward reference matcher for a single
 *   filter/topic pair. The broker's hot path uses the tries in
 *   `core/router`; this function is their specification and test oracle.
 */

/** Reasons a topic name, topic filter or shared-subscription filter is rejected. */
export const TopicError = {
  Empty: 'empty',
  Wildcard: 'wildcard',
  NullChar: 'null-char',
  TooLong: 'too-long',
  TooManyLevels: 'too-many-levels',
  BadWildcard: 'bad-wildcard',
  BadShare: 'bad-share',
} as const

/** One of the `TopicError` values. */
export type TopicErrorCode = (typeof TopicError)[keyof typeof TopicError]

/** The parts of a `$share/{ShareName}/{filter}` subscription. */
export interface SharedFilter {
  group: string;
  filter: string;
}

const SLASH = 0x2f
const PLUS = 0x2b
const HASH = 0x23
const DOLLAR = 0x24
const NUL = 0x00

const SHARE_PREFIX = '$share/'

/** True when the UTF-8 encoding of `s` is longer than `maxBytes`. */
function exceedsByteLength (s: string, maxBytes: number): boolean {
  // Every UTF-16 code unit encodes to between 1 and 3 UTF-8 bytes, so the
  // exact count is only needed when the string is in the ambiguous band.
  if (s.length > maxBytes) return true
  if (s.length * 3 <= maxBytes) return false
  return Buffer.byteLength(s, 'utf8') > maxBytes
}

/** Checks a PUBLISH topic name; returns null when it is valid. */
export function validateTopicName (
  topic: string,
  maxLength: number,
  maxLevels: number
): TopicErrorCode | null {
  if (topic.length === 0) return TopicError.Empty // [MQTT-4.7.3-1]
  if (exceedsByteLength(topic, maxLength)) return TopicError.TooLong
  let levels = 1
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i)
    if (c === SLASH) levels++
    else if (c === PLUS || c === HASH) return TopicError.Wildcard // [MQTT-3.3.2-2]
    else if (c === NUL) return TopicError.NullChar // [MQTT-4.7.3-2]
  }
  return levels > maxLevels ? TopicError.TooManyLevels : null
}

/** Checks a SUBSCRIBE/UNSUBSCRIBE topic filter (without `$share/`); returns null when it is valid. */
export function validateTopicFilter (
  filter: string,
  maxLength: number,
  maxLevels: number
): TopicErrorCode | null {
  if (filter.length === 0) return TopicError.Empty // [MQTT-4.7.3-1]
  if (exceedsByteLength(filter, maxLength)) return TopicError.TooLong
  const last = filter.length - 1
  let levels = 1
  for (let i = 0; i <= last; i++) {
    const c = filter.charCodeAt(i)
    if (c === SLASH) {
      levels++
    } else if (c === HASH) {
      // [MQTT-4.7.1-2] '#' is a whole level and the last character of the filter
      if (i !== last || (i > 0 && filter.charCodeAt(i - 1) !== SLASH)) return TopicError.BadWildcard
    } else if (c === PLUS) {
      // [MQTT-4.7.1-3] '+' occupies an entire level
      if ((i > 0 && filter.charCodeAt(i - 1) !== SLASH) || (i < last && filter.charCodeAt(i + 1) !== SLASH)) {
        return TopicError.BadWildcard
      }
    } else if (c === NUL) {
      return TopicError.NullChar // [MQTT-4.7.3-2]
    }
  }
  return levels > maxLevels ? TopicError.TooManyLevels : null
}

/**
 * Splits `$share/{ShareName}/{filter}`: null when `filter` is not a shared
 * subscription, 'invalid' when it is malformed. The returned filter part is
 * not validated here.
 */
export function parseSharedFilter (filter: string): SharedFilter | null | 'invalid' {
  if (!filter.startsWith(SHARE_PREFIX)) return null
  const groupEnd = filter.indexOf('/', SHARE_PREFIX.length)
  if (groupEnd === -1) return 'invalid' // no filter part after the ShareName
  if (groupEnd === SHARE_PREFIX.length) return 'invalid' // [MQTT-4.8.2-1] ShareName is at least one character
  const group = filter.slice(SHARE_PREFIX.length, groupEnd)
  if (group.includes('+') || group.includes('#')) return 'invalid' // [MQTT-4.8.2-2]
  const rest = filter.slice(groupEnd + 1)
  if (rest.length === 0) return 'invalid'
  return { group, filter: rest }
}

/** Reference matcher: true when the (valid) `filter` matches the (valid) topic name `topic`. */
export function topicMatches (filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  // [MQTT-4.7.2-1] a leading wildcard does not match topics beginning with '$'
  if (topic.charCodeAt(0) === DOLLAR && (f[0] === '+' || f[0] === '#')) return false
  for (let i = 0; i < f.length; i++) {
    const level = f[i]
    // [MQTT-4.7.1-2] '#' matches the parent level and any number of child levels
    if (level === '#') return true
    if (i >= t.length) return false
    if (level !== '+' && level !== t[i]) return false
  }
  return f.length === t.length
}
