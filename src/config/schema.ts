/**
 * Validation of a configuration document (the parsed YAML/JSON file) into a `Config`.
 *
 * Every key is optional in the document; `defaults.ts` fills the gaps. Objects are strict, so a
 * misspelt key is an error, reported with the nearest allowed key at that level (optimal string
 * alignment distance, i.e. Levenshtein plus transpositions). Every problem becomes one `ConfigIssue`
 * named by its dotted path (`listeners[1].port`) and all of them are thrown together as one
 * `ConfigError`. Limit: the check for two listeners on one host:port runs only once every listener
 * is valid on its own. The schema is declared key by key against `Config` (see `configShape`), so
 * a key added to or removed from `types.ts` fails to compile until it is handled here.
 */

import { z } from 'zod'

import {
  DEFAULT_LISTENER_HOST,
  DEFAULT_LISTENER_PORTS,
  DEFAULT_WS_PATH,
  CLUSTER_DEFAULTS,
  DEFAULTS,
  defaultListeners,
  defaultNodeName,
} from './defaults.js'
import { ConfigError, type ConfigIssue } from './errors.js'
import { defaultAllowAnonymous } from './exposure.js'
import type { Config, ListenerConfig, ListenerType } from './types.js'

/** Ceiling of the v5 Maximum Packet Size property (also the largest Remaining Length). */
const MQTT_MAX_PACKET_SIZE = 268_435_455
/** Two-byte integers on the wire (keep alive, receive maximum, topic alias maximum, ports). */
const UINT16_MAX = 65_535
/** Longest `sys_interval`: one day, in seconds (a longer period is no longer a monitoring feed). */
const SYS_INTERVAL_MAX = 86_400
/** Longest login back-off and verification cache life: one day, in seconds. */
const AUTH_SECONDS_MAX = 86_400
/** Smallest useful limit: a v5 CONNECT with a one-letter client id and nothing else is 16 bytes. */
const MIN_PACKET_SIZE = 20

const LISTENER_TYPES = ['mqtt', 'mqtts', 'ws', 'wss'] as const satisfies readonly ListenerType[]
const TLS_LISTENERS: ReadonlySet<ListenerType> = new Set(['mqtts', 'wss'])
const WS_LISTENERS: ReadonlySet<ListenerType> = new Set(['ws', 'wss'])
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly Config['log_level'][]
const STORE_KINDS = ['embedded', 'memory'] as const satisfies readonly Config['store'][]

/** Answers every issue a schema raises with `message` ("is required" when the value is absent). */
function says (message: string): { errorMap: z.ZodErrorMap } {
  return {
    errorMap: (issue) => ({
      message: issue.code === 'invalid_type' && issue.received === 'undefined' ? 'is required' : message,
    }),
  }
}

function integer (min: number, max: number = Number.MAX_SAFE_INTEGER): z.ZodNumber {
  const message =
    max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer between ${min} and ${max}`
  return z.number(says(message)).int(message).min(min, message).max(max, message)
}

function boolean (): z.ZodBoolean {
  return z.boolean(says('must be true or false'))
}

function text (): z.ZodString {
  return z.string(says('must be a non-empty string')).min(1, 'must be a non-empty string')
}

const listenerShape = {
  type: z.enum(LISTENER_TYPES, says(`must be one of ${LISTENER_TYPES.join(', ')}`)),
  host: text().optional(),
  port: integer(0, UINT16_MAX).optional(),
  path: z.string(says("must be a string starting with '/'")).startsWith('/', "must start with '/'").optional(),
  cert: text().optional(),
  key: text().optional(),
  ca: text().optional(),
  require_certificate: boolean().optional(),
  use_identity_as_username: boolean().optional(),
}

type ListenerInput = z.output<z.ZodObject<typeof listenerShape>>

/**
 * Keys whose meaning depends on the listener type. Checked on the raw entry, before its keys are
 * validated one by one, so that these problems are reported in the same run as bad values.
 */
function checkListenerKeys (raw: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw
  const l = raw as Record<string, unknown>
  const type = LISTENER_TYPES.find((t) => t === l.type)
  if (type === undefined) return raw
  if (TLS_LISTENERS.has(type)) {
    for (const key of ['cert', 'key'] as const) {
      if (l[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `is required on ${type} listeners` })
    }
    if (l.use_identity_as_username === true && l.require_certificate !== true) {
      ctx.addIssue({ code: 'custom', path: ['use_identity_as_username'], message: 'needs require_certificate: true (the user name comes from a verified certificate)' })
    }
  } else {
    for (const key of ['cert', 'key', 'ca', 'require_certificate', 'use_identity_as_username'] as const) {
      if (l[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'only allowed on mqtts and wss listeners' })
    }
  }
  if (l.path !== undefined && !WS_LISTENERS.has(type)) {
    ctx.addIssue({ code: 'custom', path: ['path'], message: 'only allowed on ws and wss listeners' })
  }
  return raw
}

function completeListener (l: ListenerInput): ListenerConfig {
  return {
    type: l.type,
    host: l.host ?? DEFAULT_LISTENER_HOST,
    port: l.port ?? DEFAULT_LISTENER_PORTS[l.type],
    path: l.path ?? DEFAULT_WS_PATH,
    ...(l.cert === undefined ? {} : { cert: l.cert }),
    ...(l.key === undefined ? {} : { key: l.key }),
    ...(l.ca === undefined ? {} : { ca: l.ca }),
    require_certificate: l.require_certificate ?? false,
    use_identity_as_username: l.use_identity_as_username ?? false,
  }
}

/** Two listeners on one explicit host:port would fail at bind time; say so now, naming both. */
function checkDistinctBinds (listeners: readonly ListenerConfig[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>()
  listeners.forEach((l, i) => {
    if (l.port === 0) return
    const bind = `${l.host}:${l.port}`
    const first = seen.get(bind)
    if (first === undefined) seen.set(bind, i)
    else ctx.addIssue({ code: 'custom', path: [i, 'port'], message: `${bind} is already used by listeners[${first}]` })
  })
}

const listenerSchema = z
  .preprocess(checkListenerKeys, z.object(listenerShape, says('must be a mapping')).strict())
  .transform(completeListener)

const redirectShape = {
  server_reference: text(),
  permanent: boolean().default(false),
}

const redirectSchema = z.object(redirectShape, says('must be a mapping')).strict()

const clusterShape = {
  redis: z.string(says('must be a redis:// or rediss:// URL')).refine(isRedisUrl, 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0'),
  prefix: z.string(says('must be a string of letters, digits, and . _ - :')).regex(/^[\w.:-]{1,64}$/, 'must be 1 to 64 letters, digits, and . _ - :').default(CLUSTER_DEFAULTS.prefix),
  heartbeat: integer(1, 60).default(CLUSTER_DEFAULTS.heartbeat),
  lease: integer(2, 600).default(CLUSTER_DEFAULTS.lease),
  advertise: z.string(says('must be host:port')).regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/, 'must be host:port, e.g. mqtt1.example.com:1883').optional(),
}

const clusterSchema = z.object(clusterShape, says('must be a mapping')).strict()
  .refine((c) => c.lease > c.heartbeat, { path: ['lease'], message: 'must be longer than cluster.heartbeat' })

function isRedisUrl (value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== ''
  } catch {
    return false
  }
}

/** One validator per `Config` key; `satisfies` keeps the key set and each output type in step with `Config`. */
const configShape = {
  node_name: text().default(defaultNodeName),
  data_dir: text().default(DEFAULTS.data_dir),
  listeners: z
    .array(listenerSchema, says('must be a list of listeners'))
    .min(1, 'must contain at least one listener')
    .superRefine(checkDistinctBinds)
    .optional()
    .transform((ls) => ls ?? defaultListeners()),
  // Absent: decided by the listeners in parseConfig (exposure.ts); the placeholder is never kept.
  allow_anonymous: boolean().default(false),
  bcrypt_cost: integer(10, 31).default(DEFAULTS.bcrypt_cost),
  allow_client_id_takeover_across_users: boolean().default(DEFAULTS.allow_client_id_takeover_across_users),
  auth_backoff_failures: integer(0).default(DEFAULTS.auth_backoff_failures),
  auth_backoff_max: integer(1, AUTH_SECONDS_MAX).default(DEFAULTS.auth_backoff_max),
  auth_max_pending: integer(1).default(DEFAULTS.auth_max_pending),
  auth_cache_size: integer(0).default(DEFAULTS.auth_cache_size),
  auth_cache_ttl: integer(1, AUTH_SECONDS_MAX).default(DEFAULTS.auth_cache_ttl),
  max_packet_size: integer(MIN_PACKET_SIZE, MQTT_MAX_PACKET_SIZE).default(DEFAULTS.max_packet_size),
  max_connect_packet_size: integer(MIN_PACKET_SIZE, MQTT_MAX_PACKET_SIZE).default(DEFAULTS.max_connect_packet_size),
  max_outgoing_bytes: integer(MIN_PACKET_SIZE).default(DEFAULTS.max_outgoing_bytes),
  max_keepalive: integer(0, UINT16_MAX).default(DEFAULTS.max_keepalive),
  max_inflight: integer(1, UINT16_MAX).default(DEFAULTS.max_inflight),
  max_inflight_bytes: integer(0).default(DEFAULTS.max_inflight_bytes),
  max_queued_messages: integer(0).default(DEFAULTS.max_queued_messages),
  max_queued_bytes: integer(0).default(DEFAULTS.max_queued_bytes),
  max_connections: integer(0).default(DEFAULTS.max_connections),
  max_topic_length: integer(1, UINT16_MAX).default(DEFAULTS.max_topic_length),
  max_topic_levels: integer(1).default(DEFAULTS.max_topic_levels),
  max_subscriptions_per_client: integer(0).default(DEFAULTS.max_subscriptions_per_client),
  topic_alias_maximum: integer(0, UINT16_MAX).default(DEFAULTS.topic_alias_maximum),
  connect_timeout: z
    .number(says('must be a number of seconds greater than 0'))
    .positive('must be a number of seconds greater than 0')
    .finite('must be a number of seconds greater than 0')
    .default(DEFAULTS.connect_timeout),
  write_timeout: integer(0).default(DEFAULTS.write_timeout),
  direct_messaging: boolean().default(DEFAULTS.direct_messaging),
  sys_interval: integer(0, SYS_INTERVAL_MAX).default(DEFAULTS.sys_interval),
  redirect: redirectSchema.nullish().transform((r) => r ?? undefined),
  cluster: clusterSchema.nullish().transform((c) => c ?? undefined),
  store: z.enum(STORE_KINDS, says(`must be one of ${STORE_KINDS.join(', ')}`)).default(DEFAULTS.store),
  log_level: z.enum(LOG_LEVELS, says(`must be one of ${LOG_LEVELS.join(', ')}`)).default(DEFAULTS.log_level),
} satisfies { [K in keyof Config]-?: z.ZodType<Config[K], z.ZodTypeDef, unknown> }

const configSchema = z.object(configShape, says('must be a mapping of configuration keys')).strict()

/** Validates a parsed config document (all keys optional) into a complete `Config`; throws `ConfigError`. */
export function parseConfig (input: unknown, file?: string): Config {
  const result = configSchema.safeParse(input)
  if (result.success) {
    const explicit = typeof input === 'object' && input !== null && (input as Record<string, unknown>).allow_anonymous !== undefined
    return explicit ? result.data : { ...result.data, allow_anonymous: defaultAllowAnonymous(result.data.listeners) }
  }
  throw new ConfigError(result.error.issues.flatMap(toConfigIssues), file === undefined ? {} : { file })
}

function toConfigIssues (issue: z.ZodIssue): ConfigIssue[] {
  if (issue.code !== 'unrecognized_keys') return [{ path: formatPath(issue.path), message: issue.message }]
  const allowed = allowedKeysAt(issue.path)
  return issue.keys.map((key) => {
    const suggestion = closest(key, allowed)
    return {
      path: formatPath([...issue.path, key]),
      message: suggestion === undefined ? 'unknown key' : `unknown key (did you mean ${suggestion}?)`,
    }
  })
}

/** The keys a strict object accepts, found by where it sits in the document. */
function allowedKeysAt (path: readonly (string | number)[]): readonly string[] {
  if (path[0] === 'listeners') return Object.keys(listenerShape)
  if (path[0] === 'redirect') return Object.keys(redirectShape)
  if (path[0] === 'cluster') return Object.keys(clusterShape)
  return Object.keys(configShape)
}

/** `['listeners', 1, 'port']` → `listeners[1].port`. */
function formatPath (path: readonly (string | number)[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out === '' ? part : `.${part}`
  }
  return out
}

/** The candidate nearest to `word`, if near enough to be a plausible typo (about one edit per 3 letters). */
function closest (word: string, candidates: readonly string[]): string | undefined {
  const target = word.toLowerCase()
  let best: string | undefined
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1
  for (const candidate of candidates) {
    const d = editDistance(target, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
function editDistance (a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0))
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = d
    }
  }
  return rows[a.length]![b.length]!
}
