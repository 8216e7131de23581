/**
 * SharedState: retained messages, accounts, topic rules and IP rules, the same on every node of
 * the cluster (docs/cluster.md, "Cluster-wide state"). Redis holds them (cluster/state-script.ts);
 * every node keeps a full copy in memory and in its own store, and serves from that copy only.
 *
 * - Join (a step of Cluster.join, after the log position is noted): when Redis holds the state
 *   (`P:state` is set), it replaces what this node's store had (HSCAN of every hash, in chunks,
 *   the hashes read side by side); the engine's restore then loads it into memory. On the first
 *   node ever (no `P:state`), this node's store seeds Redis instead. After a rejoin (the log tail
 *   skips the meantime) Redis's state replaces memory and store again, or, when Redis lost its
 *   data (no `P:state` any more), this node seeds it again.
 * - Local changes: the ReplicatedStore hands them to the StateWriter (per tick, atomic with their
 *   change-log entry).
 * - Changes of other nodes: each `state` entry of the change log names the keys it changed; they
 *   are read from their hashes (one HMGET per hash for every entry that arrived meanwhile, on the
 *   shared connection, so in order with this node's own writes) and applied to memory
 *   (engine.retained, engine.access) and to the store. What is read is the key's value now, so
 *   entries may be merged and read late: the copy ends as Redis has it. A key with a change of this
 *   node's own still on its way is left alone: that change lands after and is announced in turn.
 *   Keys announced before the engine has restored its state wait for `ready()`.
 */
import { EventEmitter } from 'node:events'
import type { SharedRecordKind } from '../auth/access-control.js'
import type { Engine } from '../core/engine.js'
import type { Logger } from '../log.js'
import { type Message, isExpired } from '../protocol/message.js'
import { decodeMessage } from '../store/codec.js'
import type { Cluster } from './cluster.js'
import { splitKeys } from './streams.js'
import type { Reply } from './redis.js'
import type { ReplicatedStore } from './replicated-store.js'
import { LOG_FIELD, SHARED_HASHES, STATE_LOG_KIND, type SharedHash, StateKeys } from './state-script.js'
import { StateWriter } from './state-writer.js'

const SCAN_COUNT = 1000
const RECORD_KINDS = SHARED_HASHES.filter((h): h is SharedRecordKind => h !== 'retained')
const READ_CHUNK = 1000
const CLOSE_WAIT_MS = 2000

/** How this node's state came to be at its join. */
export interface JoinFigures {
  /** 'seeded': this node's store became the cluster's state; 'loaded': Redis's replaced it. */
  how: 'seeded' | 'loaded'
  retained: number
  records: number
  ms: number
}

/** The keys one applied change-log entry changed, per hash (the `applied` event). */
export type AppliedChanges = ReadonlyMap<SharedHash, readonly string[]>

export class SharedState {
  readonly keys: StateKeys
  readonly writer: StateWriter
  /** Emits `applied` (AppliedChanges) after each change of another node is applied here. */
  readonly events = new EventEmitter()
  joinFigures: JoinFigures | null = null
  private restored = false
  /** Keys that entries of other nodes changed and that are not applied yet, per hash. */
  private readonly changed = new Map<SharedHash, Set<string>>()
  private draining = false

  constructor (private readonly cluster: Cluster, private readonly engine: Engine, private readonly store: ReplicatedStore, private readonly log: Logger) {
    this.keys = new StateKeys(cluster.keys.prefix)
    this.writer = new StateWriter(cluster.link, this.keys, cluster.keys.log, cluster, log)
    cluster.onLog(STATE_LOG_KIND, (fields) => { this.received(fields) })
    cluster.onJoin((again) => this.sync(again))
    this.writer.onRefused = (kind, id) => { this.renumber(kind, id) }
  }

  /** The engine has restored its state: changes of other nodes apply from now on (those that waited first). */
  ready (): void {
    this.restored = true
    this.drain()
  }

  /** Leaving: waits a little for this node's changes to reach Redis, then stops replicating. */
  async close (): Promise<void> {
    await this.writer.close(CLOSE_WAIT_MS)
    this.store.attach(null)
  }

  // --- join ----------------------------------------------------------------------------------

  private async sync (again: boolean): Promise<void> {
    const started = Date.now()
    const seed = await this.cluster.link.command(['SET', this.keys.seeded, `${this.cluster.selfName} ${new Date().toISOString()}`, 'NX']) === 'OK'
    const counts = seed ? await this.seed() : again ? await this.resync() : await this.load()
    this.joinFigures = { how: seed ? 'seeded' : 'loaded', ...counts, ms: Date.now() - started }
    this.log.info({ ...this.joinFigures }, seed
      ? 'cluster: Redis held no cluster state; seeded it from this node\'s store'
      : 'cluster: took the cluster\'s retained messages, accounts and rules from Redis')
  }

  /** The first node: everything of its store goes to Redis, as changes of its own. */
  private async seed (): Promise<{ retained: number; records: number }> {
    const inner = this.store.inner
    const messages: Message[] = []
    for await (const msg of inner.loadRetained()) messages.push(msg)
    const records = await Promise.all(RECORD_KINDS.map((kind) => inner.loadRecords(kind)))
    this.store.attach(this.writer)
    this.store.forgetShared()
    for (const msg of messages) this.store.setRetained(msg)
    let count = 0
    RECORD_KINDS.forEach((kind, i) => {
      for (const { id, value } of records[i] ?? []) {
        this.store.putRecord(kind, id, value)
        count++
      }
    })
    await this.store.flush()
    return { retained: messages.length, records: count }
  }

  /** Any later node: Redis's state replaces its store's. */
  private async load (): Promise<{ retained: number; records: number }> {
    const [retained, ...records] = await Promise.all(SHARED_HASHES.map((h) => this.scan(this.keys.of(h))))
    const inner = this.store.inner
    const now = Date.now()
    const topics = new Map<string, Message>()
    for (const [topic, value] of retained ?? []) {
      try {
        const msg = this.toLocal(decodeMessage(value))
        if (!isExpired(msg, now)) topics.set(topic, msg)
      } catch (err) {
        this.log.error({ topic, reason: err instanceof Error ? err.message : String(err) }, 'cluster: a retained message in Redis does not decode; skipped')
      }
    }
    const stale: string[] = []
    for await (const msg of inner.loadRetained()) if (!topics.has(msg.topic)) stale.push(msg.topic)
    const kinds = RECORD_KINDS
    const local = await Promise.all(kinds.map((kind) => inner.loadRecords(kind)))
    let recordCount = 0
    this.store.locally(() => {
      for (const topic of stale) this.store.deleteRetained(topic)
      for (const msg of topics.values()) this.store.setRetained(msg)
      kinds.forEach((kind, i) => {
        const shared = new Map((records[i] ?? []).map(([id, v]) => [id, JSON.parse(v.toString()) as unknown]))
        for (const { id } of local[i] ?? []) if (!shared.has(id)) this.store.deleteRecord(kind, id)
        for (const [id, value] of shared) {
          this.store.putRecord(kind, id, value)
          recordCount++
        }
      })
    })
    await inner.flush()
    this.store.attach(this.writer)
    return { retained: topics.size, records: recordCount }
  }

  /**
   * After a rejoin (the log entries of the meantime are skipped): Redis's state replaces this
   * node's, in memory and in its store, but for the keys with a change of this node's own on its way.
   */
  private async resync (): Promise<{ retained: number; records: number }> {
    const [retained, ...records] = await Promise.all(SHARED_HASHES.map((h) => this.scan(this.keys.of(h))))
    const local = await Promise.all(RECORD_KINDS.map((kind) => this.store.inner.loadRecords(kind)))
    const now = Date.now()
    let recordCount = 0
    this.store.locally(() => {
      const topics = new Set<string>()
      for (const [topic, value] of retained ?? []) {
        topics.add(topic)
        if (!this.writer.holds('retained', topic)) this.applySafely('retained', topic, value, now)
      }
      for (const [topic] of [...this.engine.retained.entries()]) {
        if (!topic.startsWith('$SYS/') && !topics.has(topic) && !this.writer.holds('retained', topic)) this.engine.retained.delete(topic)
      }
      RECORD_KINDS.forEach((kind, i) => {
        const ids = new Set<string>()
        for (const [id, value] of records[i] ?? []) {
          ids.add(id)
          recordCount++
          if (!this.writer.holds(kind, id)) this.applySafely(kind, id, value, now)
        }
        for (const { id } of local[i] ?? []) if (!ids.has(id) && !this.writer.holds(kind, id)) this.applySafely(kind, id, null, now)
      })
    })
    return { retained: retained?.length ?? 0, records: recordCount }
  }

  /** Every field of hash `key` (HSCAN in chunks), values as bytes. */
  private async scan (key: string): Promise<Array<[string, Buffer]>> {
    const out: Array<[string, Buffer]> = []
    let cursor = '0'
    do {
      const reply = await this.cluster.link.binaryCommand(['HSCAN', key, cursor, 'COUNT', String(SCAN_COUNT)]) as [Buffer, Buffer[]]
      cursor = reply[0].toString()
      const flat = reply[1]
      for (let i = 0; i + 1 < flat.length; i += 2) out.push([(flat[i] as Buffer).toString(), flat[i + 1] as Buffer])
    } while (cursor !== '0')
    return out
  }

  // --- changes of other nodes ----------------------------------------------------------------

  private received (fields: Readonly<Record<string, string>>): void {
    for (const hash of SHARED_HASHES) {
      const keys = splitKeys(fields[LOG_FIELD[hash]])
      if (keys.length === 0) continue
      let set = this.changed.get(hash)
      if (set === undefined) this.changed.set(hash, set = new Set())
      for (const key of keys) set.add(key)
    }
    if (this.restored) this.drain()
  }

  /** Applies the keys changed so far (one read per hash for every entry that arrived meanwhile), one batch at a time. */
  private drain (): void {
    if (this.draining || this.changed.size === 0) return
    this.draining = true
    const batch = new Map(this.changed)
    this.changed.clear()
    void this.apply(batch).catch((err: unknown) => {
      this.log.error({ reason: err instanceof Error ? err.message : String(err) }, 'cluster: changes of the shared state could not be read')
    }).finally(() => {
      this.draining = false
      this.drain()
    })
  }

  private async apply (batch: ReadonlyMap<SharedHash, ReadonlySet<string>>): Promise<void> {
    const reads: Array<[SharedHash, string[]]> = []
    for (const [hash, keys] of batch) {
      const list = [...keys]
      for (let i = 0; i < list.length; i += READ_CHUNK) reads.push([hash, list.slice(i, i + READ_CHUNK)])
    }
    const replies = await Promise.all(reads.map(([hash, keys]) => this.cluster.link.binaryCommand(['HMGET', this.keys.of(hash), ...keys])))
    const now = Date.now()
    const applied = new Map<SharedHash, string[]>()
    this.store.locally(() => {
      reads.forEach(([hash, keys], i) => {
        const values = replies[i] as Reply[]
        let done = applied.get(hash)
        if (done === undefined) applied.set(hash, done = [])
        keys.forEach((key, j) => {
          if (this.writer.holds(hash, key)) return
          const value = values[j]
          if (this.applySafely(hash, key, Buffer.isBuffer(value) ? value : null, now)) done.push(key)
        })
      })
    })
    this.events.emit('applied', applied)
  }

  /**
   * Another node added a rule under the id this node gave its new rule, first: that rule takes the
   * id here too, and this node's rule is added again, under the next free id.
   */
  private renumber (kind: SharedRecordKind, id: string): void {
    const access = this.engine.access
    const n = Number(id)
    const topicRule = kind === 'topic_rule' ? access.listTopicRules().find((r) => r.id === n) : undefined
    const ipRule = kind === 'ip_rule' ? access.listIpRules().find((r) => r.id === n) : undefined
    void (async () => {
      const value = await this.cluster.link.binaryCommand(['HGET', this.keys.of(kind), id])
      this.store.locally(() => { this.applyRecord(kind, id, Buffer.isBuffer(value) ? value : null) })
      const again = topicRule !== undefined
        ? (await access.addTopicRule({ subject: topicRule.subject, user: topicRule.user, topic: topicRule.topic, access: topicRule.access, effect: topicRule.effect })).rule.id
        : ipRule !== undefined ? (await access.setIpRule(ipRule.cidr.text, ipRule.action, ipRule.skipAuth)).rule.id : null
      this.log.warn({ kind, id: n, now: again }, 'cluster: another node added a rule under the same id at the same time; this node\'s rule was added again under a new id')
    })().catch((err: unknown) => {
      this.log.error({ kind, id: n, reason: err instanceof Error ? err.message : String(err) }, 'cluster: a rule whose id another node took could not be added again')
    })
  }

  /** Applies Redis's `value` of `key` in `hash` (null: none), or logs why it cannot; true when applied. */
  private applySafely (hash: SharedHash, key: string, value: Buffer | null, now: number): boolean {
    try {
      if (hash === 'retained') this.applyRetained(key, value, now)
      else this.applyRecord(hash, key, value)
      return true
    } catch (err) {
      this.log.error({ hash, key, reason: err instanceof Error ? err.message : String(err) }, 'cluster: a change of the shared state could not be applied')
      return false
    }
  }

  private applyRetained (topic: string, value: Buffer | null, now: number): void {
    const msg = value === null ? null : this.toLocal(decodeMessage(value))
    if (msg === null || isExpired(msg, now)) this.engine.retained.delete(topic)
    else this.engine.retained.set(msg)
  }

  private applyRecord (kind: SharedRecordKind, id: string, value: Buffer | null): void {
    const record = value === null ? null : JSON.parse(value.toString()) as unknown
    this.engine.access.applyRecord(kind, id, record)
  }

  /** `msg` as Redis holds it (expiry in Redis time) with its expiry in local time. */
  private toLocal (msg: Message): Message {
    const offset = this.cluster.offsetMs
    return msg.expiresAt === 0 || offset === 0 ? msg : { ...msg, expiresAt: msg.expiresAt - offset }
  }
}
