/**
 * The params of every control method and stream, as zod schemas: the control server validates each
 * request against its method's schema before dispatch (an invalid one is answered INVALID, naming
 * the field and why, and never reaches the handler), and the `params` types of `Methods` and
 * `Streams` (control/schema.ts) are inferred from these schemas, so the two cannot drift.
 *
 * Every object is strict: an unknown field is refused, as a typo would otherwise be ignored. What
 * is about meaning rather than shape (a topic filter's syntax, a user that exists, a CIDR) is
 * checked by the handler.
 */
import { z } from 'zod'
import { accountEntry, ipRuleEntry, topicRuleEntry } from './transfer-format.js'

/** Shortest period between two `sys.watch` snapshots (ms). */
export const SYS_WATCH_MIN_MS = 200
/** Longest period between two `sys.watch` snapshots (ms). */
export const SYS_WATCH_MAX_MS = 3_600_000

const none = z.object({}).strict()
const flag = z.boolean().optional()
const ruleSubject = z.enum(['user', 'pattern', 'anonymous'])
const ruleAccess = z.enum(['read', 'write', 'readwrite'])

/** What `mqttctl reset` clears (`settings`: values saved with `config set --persist`; `acl`: topic and IP rules). */
export const resetSelection = z.object({ settings: flag, sessions: flag, retained: flag, accounts: flag, acl: flag }).strict()

export const METHOD_PARAMS = {
  'node.status': none,
  'node.stop': none,
  'cluster.status': none,
  state: none,
  'client.list': z.object({ state: z.enum(['online', 'offline', 'all']).optional(), node: z.string().optional() }).strict(),
  'client.show': z.object({ client_id: z.string() }).strict(),
  'client.kick': z.object({ client_id: z.string(), discard_session: flag }).strict(),
  'subscription.list': z.object({ client_id: z.string().optional(), match: z.string().optional() }).strict(),
  'retained.list': z.object({ topic: z.string().optional() }).strict(),
  'retained.clear': z.object({ filter: z.string(), dry_run: flag }).strict(),
  'config.show': none,
  'config.set': z.object({ key: z.string(), value: z.string(), persist: flag }).strict(),
  'account.set': z.object({ username: z.string(), hash: z.string(), no_overwrite: flag, kick: flag }).strict(),
  'account.del': z.object({ username: z.string(), kick: flag, dry_run: flag }).strict(),
  'account.list': none,
  'account.verifier': z.object({ username: z.string() }).strict(),
  'acl.ip.set': z.object({ cidr: z.string(), action: z.enum(['allow', 'deny']), skip_auth: flag, kick: flag }).strict(),
  'acl.ip.del': z.object({ cidr: z.string(), kick: flag }).strict(),
  'acl.ip.list': none,
  'acl.rule.add': z.object({ subject: ruleSubject, user: z.string().optional(), topic: z.string(), access: ruleAccess, deny: flag, kick: flag }).strict(),
  'acl.rule.del': z.object({ id: z.number().int(), kick: flag }).strict(),
  'acl.rule.list': z.object({ user: z.string().optional() }).strict(),
  'account.export': none,
  'account.import': z.object({ accounts: z.array(accountEntry), replace: flag, kick: flag }).strict(),
  'acl.export': none,
  'acl.import': z.object({ topic_rules: z.array(topicRuleEntry), ip_rules: z.array(ipRuleEntry).optional(), replace: flag, kick: flag }).strict(),
  reset: resetSelection.extend({ dry_run: flag }).strict(),
  reload: none,
  'store.backup': z.object({ path: z.string(), force: flag }).strict(),
  'acl.check': z.object({ user: z.string().nullable(), topic: z.string(), access: z.enum(['read', 'write']), client_id: z.string().optional() }).strict(),
  'stream.cancel': z.object({ id: z.number().int() }).strict(),
}

export const STREAM_PARAMS = {
  'sys.watch': z.object({ interval_ms: z.number().int().min(SYS_WATCH_MIN_MS).max(SYS_WATCH_MAX_MS).optional() }).strict(),
  'trace.start': z.object({ clients: z.array(z.string()).optional(), topics: z.array(z.string()).optional(), payload: z.enum(['none', 'preview', 'full']).optional() }).strict(),
}

export type MethodParams = { [M in keyof typeof METHOD_PARAMS]: z.infer<(typeof METHOD_PARAMS)[M]> }
export type StreamParams = { [S in keyof typeof STREAM_PARAMS]: z.infer<(typeof STREAM_PARAMS)[S]> }

/** The params of a request, checked against `schema`: the value, or the INVALID message. */
export function checkParams<T> (schema: z.ZodType<T>, params: unknown): { ok: true; value: T } | { ok: false; message: string } {
  const result = schema.safeParse(params ?? {})
  if (result.success) return { ok: true, value: result.data }
  const issue = result.error.issues[0]
  return { ok: false, message: issue === undefined ? 'params: invalid' : describeIssue(issue) }
}

/** `params.topic: expected a string, got number`: the field's path and what is wrong with it. */
function describeIssue (issue: z.ZodIssue): string {
  const path = (keys: ReadonlyArray<string | number>): string =>
    ['params', ...keys].map((k, i) => typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`).join('')
  switch (issue.code) {
    case 'invalid_type':
      if (issue.received === 'undefined') return `${path(issue.path)}: required`
      return `${path(issue.path)}: expected ${article(issue.expected)}, got ${issue.received}`
    case 'unrecognized_keys':
      return `${path([...issue.path, issue.keys[0] ?? ''])}: unknown field`
    case 'invalid_enum_value':
      return `${path(issue.path)}: expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, got ${JSON.stringify(issue.received)}`
    case 'too_small':
      return `${path(issue.path)}: must be at least ${String(issue.minimum)}`
    case 'too_big':
      return `${path(issue.path)}: must be at most ${String(issue.maximum)}`
    default:
      return `${path(issue.path)}: ${issue.message.toLowerCase()}`
  }
}

function article (type: string): string {
  if (type === 'array') return 'a list'
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}
