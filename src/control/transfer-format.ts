/**
 * The files of `mqttctl account export/import` and `mqttctl acl export/import`: one JSON document
 * each, `{format, version, exported_at, …}`, holding accounts with their stored hashes (never a
 * password), or topic rules and IP rules in id order. The same checks run on the file in mqttctl
 * (so a bad file changes nothing and names its entry) and on the entries in the broker.
 */
import { z } from 'zod'
import type { AccountEntry, IpRuleEntry, TopicRuleEntry } from './schema.js'
import { normaliseCidr, ruleFilterProblem, usernameProblem } from '../auth/entry-checks.js'
import { hashProblem } from '../auth/passwords.js'

export const ACCOUNTS_FORMAT = 'mqttd-accounts'
export const ACL_FORMAT = 'mqttd-acl'
export const TRANSFER_VERSION = 1

export interface AccountsDocument {
  format: typeof ACCOUNTS_FORMAT
  version: typeof TRANSFER_VERSION
  exported_at: string
  accounts: AccountEntry[]
}

export interface AclDocument {
  format: typeof ACL_FORMAT
  version: typeof TRANSFER_VERSION
  exported_at: string
  topic_rules: TopicRuleEntry[]
  ip_rules: IpRuleEntry[]
}

/** An entry (or the document) that cannot be imported; the message names it and says why. */
export class EntryError extends Error {
  override readonly name = 'EntryError'
}

export const accountEntry = z.object({ username: z.string(), hash: z.string() }).strict()
export const topicRuleEntry = z.object({
  subject: z.enum(['user', 'pattern', 'anonymous']),
  user: z.string().nullable(),
  topic: z.string(),
  access: z.enum(['read', 'write', 'readwrite']),
  effect: z.enum(['allow', 'deny']),
}).strict()
export const ipRuleEntry = z.object({ cidr: z.string(), action: z.enum(['allow', 'deny']), skip_auth: z.boolean() }).strict()

const accountsDocument = z.object({
  format: z.literal(ACCOUNTS_FORMAT),
  version: z.literal(TRANSFER_VERSION),
  exported_at: z.string().optional(),
  accounts: z.array(accountEntry),
}).strict()

const aclDocument = z.object({
  format: z.literal(ACL_FORMAT),
  version: z.literal(TRANSFER_VERSION),
  exported_at: z.string().optional(),
  topic_rules: z.array(topicRuleEntry),
  ip_rules: z.array(ipRuleEntry),
}).strict()

export function accountsFile (accounts: AccountEntry[], now = new Date()): AccountsDocument {
  return { format: ACCOUNTS_FORMAT, version: TRANSFER_VERSION, exported_at: now.toISOString(), accounts }
}

export function aclFile (topicRules: TopicRuleEntry[], ipRules: IpRuleEntry[], now = new Date()): AclDocument {
  return { format: ACL_FORMAT, version: TRANSFER_VERSION, exported_at: now.toISOString(), topic_rules: topicRules, ip_rules: ipRules }
}

/** The accounts of an `account export` file, every one checked; throws EntryError. */
export function parseAccountsFile (text: string): AccountEntry[] {
  const doc = parseDocument(text, accountsDocument, ACCOUNTS_FORMAT)
  return checkAccountEntries(doc.accounts)
}

/** The rules of an `acl export` file, every one checked and normalised; throws EntryError. */
export function parseAclFile (text: string): { topic_rules: TopicRuleEntry[]; ip_rules: IpRuleEntry[] } {
  const doc = parseDocument(text, aclDocument, ACL_FORMAT)
  return checkRuleEntries(doc.topic_rules, doc.ip_rules)
}

/** Each account valid, no user name twice. */
export function checkAccountEntries (entries: readonly AccountEntry[]): AccountEntry[] {
  const seen = new Set<string>()
  entries.forEach((e, i) => {
    const where = `accounts[${i}] (user ${JSON.stringify(e.username)})`
    const problem = usernameProblem(e.username) ?? hashProblem(e.hash)
    if (problem !== null) throw new EntryError(`${where}: ${problem}`)
    if (seen.has(e.username)) throw new EntryError(`${where}: the user appears twice`)
    seen.add(e.username)
  })
  return [...entries]
}

/** Each rule valid; IP ranges normalised, none twice. */
export function checkRuleEntries (topicRules: readonly TopicRuleEntry[], ipRules: readonly IpRuleEntry[]): { topic_rules: TopicRuleEntry[]; ip_rules: IpRuleEntry[] } {
  topicRules.forEach((r, i) => {
    const problem = topicRuleProblem(r)
    if (problem !== null) throw new EntryError(`topic_rules[${i}] (${r.effect} ${r.access} ${JSON.stringify(r.topic)}): ${problem}`)
  })
  const seen = new Set<string>()
  const ip = ipRules.map((r, i) => {
    const where = `ip_rules[${i}] (${JSON.stringify(r.cidr)})`
    const result = normaliseCidr(r.cidr)
    if ('problem' in result) throw new EntryError(`${where}: ${result.problem}`)
    if (r.skip_auth && r.action !== 'allow') throw new EntryError(`${where}: skip_auth only goes with allow`)
    if (seen.has(result.cidr)) throw new EntryError(`${where}: the range ${result.cidr} appears twice`)
    seen.add(result.cidr)
    return { ...r, cidr: result.cidr }
  })
  return { topic_rules: [...topicRules], ip_rules: ip }
}

function topicRuleProblem (r: TopicRuleEntry): string | null {
  if (r.subject === 'user') {
    if (r.user === null) return 'a user rule needs a user name'
    const problem = usernameProblem(r.user)
    if (problem !== null) return problem
  } else if (r.user !== null) {
    return `a ${r.subject} rule is for no particular user (user must be null)`
  }
  return ruleFilterProblem(r.topic)
}

function parseDocument<T> (text: string, schema: z.ZodType<T>, format: string): T {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new EntryError(`not JSON: ${(err as Error).message}`)
  }
  const found = (json as { format?: unknown } | null)?.format
  if (found !== format) throw new EntryError(`not an ${format} file (its format is ${JSON.stringify(found ?? null)})`)
  const result = schema.safeParse(json)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = (issue?.path ?? []).map((p) => typeof p === 'number' ? `[${p}]` : `.${p}`).join('').replace(/^\./, '')
  throw new EntryError(`${path === '' ? 'the document' : path}: ${issue?.message ?? 'invalid'}`)
}
