/**
 * Trace selectors: which clients and topics a trace session follows, checked once when the
 * session starts (the hot path then only looks them up).
 *
 * - Client ids are matched exactly (a Set lookup per packet).
 * - Topic filters use MQTT wildcard rules (`+`, `#`, and the `$` rule [MQTT-4.7.2-1]); the tracer
 *   keeps every session's filters in one TopicTree, so the cost per PUBLISH is one trie walk
 *   whatever the number of sessions and filters. A `$share/...` filter is refused: a trace follows
 *   published topics, and a share group names no topic.
 */
import { PAYLOAD_MODES, type PayloadMode } from './events.js'
import { parseSharedFilter, validateTopicFilter } from '../protocol/topic.js'

/** Longest filter (bytes) and most levels a trace filter may have (as the protocol allows). */
const MAX_FILTER_BYTES = 65535
const MAX_FILTER_LEVELS = 65535

/** A trace session's selectors, validated. */
export interface TraceSelectors {
  clients: string[]
  topics: string[]
  payload: PayloadMode
}

/** Why some trace parameters are unusable. */
export class TraceSpecError extends Error {
  override readonly name = 'TraceSpecError'
}

/**
 * Validates the parameters of a trace (as `trace.start` receives them, so of unknown shape):
 * `clients` and `topics` are lists of strings (at least one entry over both), `payload` one of
 * none | preview | full (default preview). Duplicates are removed. Throws TraceSpecError.
 */
export function parseTraceSelectors (params: { clients?: unknown; topics?: unknown; payload?: unknown }): TraceSelectors {
  const clients = stringList(params.clients, 'clients')
  for (const id of clients) {
    if (id.length === 0) throw new TraceSpecError('clients: a client id cannot be empty')
  }
  const topics = stringList(params.topics, 'topics')
  for (const filter of topics) {
    const error = topicFilterError(filter)
    if (error !== null) throw new TraceSpecError(`topics: invalid topic filter '${filter}' (${error})`)
  }
  if (clients.length === 0 && topics.length === 0) {
    throw new TraceSpecError('a trace needs at least one client id or topic filter')
  }
  const payload = params.payload ?? 'preview'
  if (typeof payload !== 'string' || !(PAYLOAD_MODES as readonly string[]).includes(payload)) {
    throw new TraceSpecError(`payload: must be one of ${PAYLOAD_MODES.join(', ')}, not ${JSON.stringify(payload)}`)
  }
  return { clients: [...new Set(clients)], topics: [...new Set(topics)], payload: payload as PayloadMode }
}

/** Why `filter` cannot select a trace's topics, or null when it can. */
export function topicFilterError (filter: string): string | null {
  const shared = parseSharedFilter(filter)
  if (shared !== null) return 'a shared subscription filter selects no topic; trace its topic filter instead'
  return validateTopicFilter(filter, MAX_FILTER_BYTES, MAX_FILTER_LEVELS)
}

function stringList (value: unknown, name: string): string[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new TraceSpecError(`${name}: must be a list of strings`)
  }
  return value as string[]
}
