/**
 * AccessControl: accounts, IP rules and topic rules, as the broker holds them in memory and the
 * Store keeps them (records `account`, `ip_rule`, `topic_rule`), and the decisions made from them.
 *
 * One instance lives in the broker (changes arrive over the control channel and apply at once;
 * on a cluster node, changes other nodes made arrive through `applyRecord`);
 * mqttctl makes another over the data dir of a stopped broker (src/control/offline-admin.ts). Every change is
 * written to the Store and awaited (`store.flush()`) before the method resolves, so a reply to
 * mqttctl means the change survives a crash.
 *
 * Hot path: `restricted` is false while no topic rule exists, and callers skip every topic check
 * then. Otherwise decisions for a session are cached in its AclCache (topic → allowed), which every
 * change invalidates at once by bumping `generation`.
 */
import { z } from 'zod'
import type { RecordKind, Store } from '../store/store.js'
import { addressToBigInt, type Cidr, cidrContains, parseCidr } from './cidr.js'

/** What an import did: entries added, changed in place, already there as given, and deleted (`replace`). */
export interface ImportCounts {
  added: number
  updated: number
  unchanged: number
  deleted: number
}
import { decide, type Decision, type Identity, type RuleAccess, type RuleSubject, type TopicRule } from './topic-rules.js'

export interface Account {
  readonly username: string
  readonly hash: string
  readonly createdAt: number
  readonly updatedAt: number
  lastLogin: number | null
}

export interface IpRule {
  readonly id: number
  readonly cidr: Cidr
  readonly action: 'allow' | 'deny'
  readonly skipAuth: boolean
  readonly createdAt: number
  /** Connections this rule decided since start-up (memory only). */
  hits: number
}

/** What the IP rules say about an address: the most specific rule wins, deny on a tie. */
export type IpDecision = { verdict: 'deny' | 'allow' | 'skip_auth'; rule: IpRule } | { verdict: 'none'; rule: null }

/** Cached topic decisions of one session (Session.acl). */
export class AclCache {
  generation = -1
  readonly read = new Map<string, boolean>()
  readonly write = new Map<string, boolean>()
}

/** Entries a cache may hold per direction before it starts over (wildcard subscribers see many topics). */
const CACHE_LIMIT = 2048

const accountSchema = z.object({
  username: z.string().min(1),
  hash: z.string().min(1),
  created_at: z.number(),
  updated_at: z.number(),
  last_login: z.number().nullable(),
}).strict()

const ipRuleSchema = z.object({
  id: z.number().int().positive(),
  cidr: z.string(),
  action: z.enum(['allow', 'deny']),
  skip_auth: z.boolean(),
  created_at: z.number(),
}).strict()

const topicRuleSchema = z.object({
  id: z.number().int().positive(),
  subject: z.enum(['user', 'pattern', 'anonymous']),
  user: z.string().nullable(),
  topic: z.string().min(1),
  access: z.enum(['read', 'write', 'readwrite']),
  effect: z.enum(['allow', 'deny']),
  created_at: z.number(),
}).strict()

/** A topic rule as given to addTopicRule (the id and time are the store's). */
export interface TopicRuleSpec {
  subject: RuleSubject
  user: string | null
  topic: string
  access: RuleAccess
  effect: 'allow' | 'deny'
}

/** Record ids sort as numbers when padded (the store orders ids as strings). */
const ruleId = (id: number): string => String(id).padStart(10, '0')

export class AccessControl {
  private readonly accounts = new Map<string, Account>()
  private ipRules: IpRule[] = []
  private topicRules: TopicRule[] = []
  private nextIpRuleId = 1
  private nextTopicRuleId = 1
  /** Bumped by every change; AclCaches older than it are emptied on next use. */
  generation = 0
  /** Called when an account's hash changes or the account is deleted (the login cache forgets it). */
  onAccountChange: ((username: string) => void) | null = null

  constructor (private readonly store: Store) {}

  /** Reads every account and rule from the Store (start-up). */
  async load (): Promise<void> {
    for (const { id, value } of await this.store.loadRecords('account')) {
      const a = accountOf(id, value, null)
      this.accounts.set(a.username, a)
    }
    for (const { id, value } of await this.store.loadRecords('ip_rule')) {
      const r = ipRuleOf(id, value, 0)
      this.ipRules.push(r)
      this.nextIpRuleId = Math.max(this.nextIpRuleId, r.id + 1)
    }
    for (const { id, value } of await this.store.loadRecords('topic_rule')) {
      const r = topicRuleOf(id, value)
      this.topicRules.push(r)
      this.nextTopicRuleId = Math.max(this.nextTopicRuleId, r.id + 1)
    }
    this.generation++
  }

  /**
   * Applies a record that another node of the cluster changed (`value` null: deleted) to memory
   * and, like every change here, to the Store. A new id moves the next id past it; an account
   * keeps the later of its two last logins (a login is noted by the node it happened on only).
   */
  applyRecord (kind: SharedRecordKind, id: string, value: unknown): void {
    if (kind === 'account') {
      const previous = this.accounts.get(id)
      if (value === null) {
        this.removeAccount(id)
        return
      }
      const account = accountOf(id, value, previous?.lastLogin ?? null)
      this.accounts.set(account.username, account)
      this.putAccount(account)
      this.generation++
      if (previous?.hash !== account.hash) this.onAccountChange?.(account.username)
      return
    }
    const n = Number(id)
    if (kind === 'ip_rule') {
      const previous = this.ipRules.find((r) => r.id === n)
      const rest = this.ipRules.filter((r) => r !== previous)
      if (value === null) this.store.deleteRecord(kind, id)
      else {
        const rule = ipRuleOf(id, value, previous?.hits ?? 0)
        rest.push(rule)
        rest.sort((a, b) => a.id - b.id)
        this.nextIpRuleId = Math.max(this.nextIpRuleId, rule.id + 1)
        this.store.putRecord(kind, id, value)
      }
      this.ipRules = rest
    } else {
      const rest = this.topicRules.filter((r) => r.id !== n)
      if (value === null) this.store.deleteRecord(kind, id)
      else {
        const rule = topicRuleOf(id, value)
        rest.push(rule)
        rest.sort((a, b) => a.id - b.id)
        this.nextTopicRuleId = Math.max(this.nextTopicRuleId, rule.id + 1)
        this.store.putRecord(kind, id, value)
      }
      this.topicRules = rest
    }
    this.generation++
  }

  // ---- accounts ----

  get accountCount (): number {
    return this.accounts.size
  }

  account (username: string): Account | undefined {
    return this.accounts.get(username)
  }

  listAccounts (): Account[] {
    return [...this.accounts.values()].sort((a, b) => a.username < b.username ? -1 : a.username > b.username ? 1 : 0)
  }

  /** Creates or replaces an account's hash; resolves once durable. */
  async setAccount (username: string, hash: string, now = Date.now()): Promise<{ created: boolean; changed: boolean }> {
    const result = this.writeAccount(username, hash, now)
    if (result.changed) await this.store.flush()
    return result
  }

  async deleteAccount (username: string): Promise<boolean> {
    if (!this.removeAccount(username)) return false
    await this.store.flush()
    return true
  }

  /**
   * Sets every account of `entries` and, with `replace`, deletes every other one, in one durable
   * write (the store commits the changes of one turn of the event loop as one batch). `touched`:
   * the users whose hash changed or who were deleted.
   */
  async importAccounts (entries: readonly { username: string; hash: string }[], replace: boolean, now = Date.now()): Promise<{ counts: ImportCounts; touched: Set<string> }> {
    const counts: ImportCounts = { added: 0, updated: 0, unchanged: 0, deleted: 0 }
    const touched = new Set<string>()
    const named = new Set(entries.map((e) => e.username))
    if (replace) {
      for (const username of [...this.accounts.keys()]) {
        if (named.has(username) || !this.removeAccount(username)) continue
        counts.deleted++
        touched.add(username)
      }
    }
    for (const { username, hash } of entries) {
      const { created, changed } = this.writeAccount(username, hash, now)
      if (!changed) counts.unchanged++
      else {
        if (created) counts.added++
        else counts.updated++
        touched.add(username)
      }
    }
    await this.store.flush()
    return { counts, touched }
  }

  /** Sets `username`'s hash to `hash` if it still is `expected`; resolves once durable, true when replaced. */
  async replaceHash (username: string, expected: string, hash: string, now = Date.now()): Promise<boolean> {
    if (this.accounts.get(username)?.hash !== expected) return false
    this.writeAccount(username, hash, now)
    await this.store.flush()
    return true
  }

  private writeAccount (username: string, hash: string, now: number): { created: boolean; changed: boolean } {
    const previous = this.accounts.get(username)
    if (previous?.hash === hash) return { created: false, changed: false }
    const account: Account = { username, hash, createdAt: previous?.createdAt ?? now, updatedAt: now, lastLogin: previous?.lastLogin ?? null }
    this.accounts.set(username, account)
    this.putAccount(account)
    this.generation++
    this.onAccountChange?.(username)
    return { created: previous === undefined, changed: true }
  }

  private removeAccount (username: string): boolean {
    if (!this.accounts.delete(username)) return false
    this.store.deleteRecord('account', username)
    this.generation++
    this.onAccountChange?.(username)
    return true
  }

  /** Notes a successful login (written with the next commit; nobody waits for it). */
  recordLogin (username: string, now = Date.now()): void {
    const account = this.accounts.get(username)
    if (account === undefined) return
    account.lastLogin = now
    this.putAccount(account)
  }

  private putAccount (a: Account): void {
    this.store.putRecord('account', a.username, { username: a.username, hash: a.hash, created_at: a.createdAt, updated_at: a.updatedAt, last_login: a.lastLogin })
  }

  // ---- IP rules ----

  listIpRules (): readonly IpRule[] {
    return this.ipRules
  }

  /** Adds the rule for `cidr`, or changes the one there is; resolves once durable. */
  async setIpRule (cidrText: string, action: 'allow' | 'deny', skipAuth: boolean, now = Date.now()): Promise<{ rule: IpRule; changed: boolean }> {
    const result = this.writeIpRule(cidrText, action, skipAuth, now)
    if (result.changed) await this.store.flush()
    return { rule: result.rule, changed: result.changed }
  }

  /** Removes the rule for `cidr`; undefined when there is none. */
  async deleteIpRule (cidrText: string): Promise<IpRule | undefined> {
    const cidr = parseCidr(cidrText)
    const rule = this.ipRules.find((r) => r.cidr.text === cidr.text)
    if (rule === undefined) return undefined
    this.removeIpRule(rule)
    await this.store.flush()
    return rule
  }

  private writeIpRule (cidrText: string, action: 'allow' | 'deny', skipAuth: boolean, now: number): { rule: IpRule; changed: boolean; created: boolean } {
    const cidr = parseCidr(cidrText)
    const existing = this.ipRules.find((r) => r.cidr.text === cidr.text)
    if (existing !== undefined && existing.action === action && existing.skipAuth === skipAuth) return { rule: existing, changed: false, created: false }
    const rule: IpRule = { id: existing?.id ?? this.nextIpRuleId++, cidr, action, skipAuth, createdAt: existing?.createdAt ?? now, hits: existing?.hits ?? 0 }
    this.ipRules = [...this.ipRules.filter((r) => r !== existing), rule].sort((a, b) => a.id - b.id)
    this.store.putRecord('ip_rule', ruleId(rule.id), { id: rule.id, cidr: cidr.text, action, skip_auth: skipAuth, created_at: rule.createdAt })
    this.generation++
    return { rule, changed: true, created: existing === undefined }
  }

  private removeIpRule (rule: IpRule): void {
    this.ipRules = this.ipRules.filter((r) => r !== rule)
    this.store.deleteRecord('ip_rule', ruleId(rule.id))
    this.generation++
  }

  /** The IP rules' verdict on a remote address (no rules or no match: 'none'). */
  checkIp (address: string): IpDecision {
    if (this.ipRules.length === 0) return { verdict: 'none', rule: null }
    const n = addressToBigInt(address)
    if (n === undefined) return { verdict: 'none', rule: null }
    let best: IpRule | null = null
    for (const rule of this.ipRules) {
      if (!cidrContains(rule.cidr, n)) continue
      if (best === null || rule.cidr.bits > best.cidr.bits || (rule.cidr.bits === best.cidr.bits && rule.action === 'deny')) best = rule
    }
    if (best === null) return { verdict: 'none', rule: null }
    return { verdict: best.action === 'deny' ? 'deny' : best.skipAuth ? 'skip_auth' : 'allow', rule: best }
  }

  // ---- topic rules ----

  /** False while no topic rule exists: topic access is open and callers skip the checks. */
  get restricted (): boolean {
    return this.topicRules.length > 0
  }

  listTopicRules (): readonly TopicRule[] {
    return this.topicRules
  }

  async addTopicRule (spec: TopicRuleSpec, now = Date.now()): Promise<{ rule: TopicRule; changed: boolean }> {
    const result = this.writeTopicRule(spec, now)
    if (result.changed) await this.store.flush()
    return result
  }

  async deleteTopicRule (id: number): Promise<TopicRule | undefined> {
    const rule = this.topicRules.find((r) => r.id === id)
    if (rule === undefined) return undefined
    this.removeTopicRule(rule)
    await this.store.flush()
    return rule
  }

  /**
   * Adds the topic rules of `topic` not there yet and sets the IP rules of `ip` (a range's action
   * changes in place); with `replace`, every other rule goes. `ip` null: the IP rules stay as they
   * are, `replace` or not. One durable write, as importAccounts.
   */
  async importRules (topic: readonly TopicRuleSpec[], ip: readonly { cidr: string; action: 'allow' | 'deny'; skipAuth: boolean }[] | null, replace: boolean, now = Date.now()): Promise<{ topic: ImportCounts; ip: ImportCounts }> {
    const topicCounts: ImportCounts = { added: 0, updated: 0, unchanged: 0, deleted: 0 }
    const ipCounts: ImportCounts = { added: 0, updated: 0, unchanged: 0, deleted: 0 }
    const keptTopic = new Set<TopicRule>()
    for (const spec of topic) {
      const { rule, changed } = this.writeTopicRule(spec, now)
      keptTopic.add(rule)
      if (changed) topicCounts.added++
      else topicCounts.unchanged++
    }
    const keptIp = new Set<string>()
    for (const r of ip ?? []) {
      const { rule, changed, created } = this.writeIpRule(r.cidr, r.action, r.skipAuth, now)
      keptIp.add(rule.cidr.text)
      if (!changed) ipCounts.unchanged++
      else if (created) ipCounts.added++
      else ipCounts.updated++
    }
    if (replace) {
      for (const rule of this.topicRules.filter((r) => !keptTopic.has(r))) {
        this.removeTopicRule(rule)
        topicCounts.deleted++
      }
      for (const rule of ip === null ? [] : this.ipRules.filter((r) => !keptIp.has(r.cidr.text))) {
        this.removeIpRule(rule)
        ipCounts.deleted++
      }
    }
    await this.store.flush()
    return { topic: topicCounts, ip: ipCounts }
  }

  private writeTopicRule (spec: TopicRuleSpec, now: number): { rule: TopicRule; changed: boolean } {
    const same = this.topicRules.find((r) => r.subject === spec.subject && r.user === spec.user && r.topic === spec.topic &&
      r.access === spec.access && r.effect === spec.effect)
    if (same !== undefined) return { rule: same, changed: false }
    const rule: TopicRule = { id: this.nextTopicRuleId++, ...spec, createdAt: now }
    this.topicRules = [...this.topicRules, rule]
    this.store.putRecord('topic_rule', ruleId(rule.id), {
      id: rule.id, subject: rule.subject, user: rule.user, topic: rule.topic, access: rule.access, effect: rule.effect, created_at: rule.createdAt,
    })
    this.generation++
    return { rule, changed: true }
  }

  private removeTopicRule (rule: TopicRule): void {
    this.topicRules = this.topicRules.filter((r) => r !== rule)
    this.store.deleteRecord('topic_rule', ruleId(rule.id))
    this.generation++
  }

  /** The full decision, with the rule behind it (`acl check`, SUBSCRIBE). */
  decide (who: Identity, topic: string, access: 'read' | 'write', target: 'topic' | 'filter'): Decision {
    return decide(this.topicRules, who, topic, access, target)
  }

  /**
   * May `who` receive (access 'read') or publish ('write') a message on topic name `topic`? Cached
   * in `cache` per topic. Writes under `$SYS` are refused even while access is open.
   */
  allows (who: Identity, cache: AclCache, topic: string, access: 'read' | 'write'): boolean {
    if (cache.generation !== this.generation) {
      cache.generation = this.generation
      cache.read.clear()
      cache.write.clear()
    }
    const map = access === 'read' ? cache.read : cache.write
    let allowed = map.get(topic)
    if (allowed === undefined) {
      allowed = decide(this.topicRules, who, topic, access, 'topic').allowed
      if (map.size >= CACHE_LIMIT) map.clear()
      map.set(topic, allowed)
    }
    return allowed
  }
}

/** The record kinds a cluster shares (settings stay per node). */
export type SharedRecordKind = Exclude<RecordKind, 'setting'>

/** An account record as the Store holds it; `lastLogin`, when later, replaces the record's. */
function accountOf (id: string, value: unknown, lastLogin: number | null): Account {
  const a = parse(accountSchema, 'account', id, value)
  const last = lastLogin === null || (a.last_login !== null && a.last_login > lastLogin) ? a.last_login : lastLogin
  return { username: a.username, hash: a.hash, createdAt: a.created_at, updatedAt: a.updated_at, lastLogin: last }
}

function ipRuleOf (id: string, value: unknown, hits: number): IpRule {
  const r = parse(ipRuleSchema, 'ip_rule', id, value)
  let cidr: Cidr
  try {
    cidr = parseCidr(r.cidr)
  } catch (err) {
    throw new Error(`stored ip_rule record '${id}' is invalid: ${(err as Error).message}`)
  }
  return { id: r.id, cidr, action: r.action, skipAuth: r.skip_auth, createdAt: r.created_at, hits }
}

function topicRuleOf (id: string, value: unknown): TopicRule {
  const r = parse(topicRuleSchema, 'topic_rule', id, value)
  return { id: r.id, subject: r.subject, user: r.user, topic: r.topic, access: r.access, effect: r.effect, createdAt: r.created_at }
}

function parse<T> (schema: z.ZodType<T>, kind: RecordKind, id: string, value: unknown): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  throw new Error(`stored ${kind} record '${id}' is invalid: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim())
}
