/**
 * EmbeddedStore: the crash-safe Store backend in the data dir (`<data_dir>/store/`, a LevelDB
 * database through `classic-level`; bench/store/bench.mjs has the figures behind the choice).
 *
 * Writes (retained, sessions, queue entries) are synchronous for the engine: each goes into the
 * pending commit, a map from key to value (or to a delete) in which the last write of a key wins.
 * The pending commit is written as one LevelDB batch with `sync: true` at setImmediate, that is
 * once per turn of the event loop (group commit): one fsync for every change of that turn. Only one
 * commit is in flight at a time, so commits land in order, and whatever is written while one is on
 * disk goes into the next, which grows with the load. `flush()` resolves when the commit holding
 * every change made so far is durable, at once when there is none. After a failed commit (a full
 * disk) every `flush()` rejects at once with BRK_ERR_STORE_UNAVAILABLE and `error` says why, until
 * a retry (every second) has written everything kept since: the store heals when space returns.
 *
 * Queues (SessionQueue, synchronous): entries get increasing sequence numbers (keys.ts) and are
 * written through; `shift()` deletes the key. A queue pushed and shifted within one turn, as for a
 * connected session, writes nothing at all (a put cancelled by a delete of the same commit). Each
 * queue keeps at most `queueWindow` of its oldest entries decoded in memory; entries past the
 * window live only in the store (or in a commit not yet written) and `shift()` reads them back one
 * at a time with a synchronous point read, so an offline session's backlog does not sit in RAM.
 *
 * Inflight records and inbound QoS 2 packet ids (keys.ts `i…`, `p…`) go through the same group
 * commit, so a queue shift and the putInflight of the same entry land in one atomic batch; their
 * keys are also indexed in memory (to delete a session's records and to skip deletes of ids never
 * stored), and `loadSessions()` reads the records into each SessionRecord.
 *
 * `open()` reads the whole store once (every key and value; retained messages and sessions are
 * decoded) so damage is found at start-up, not in the middle of routing: it rejects with a
 * StoreError naming the directory and the way out, and deletes nothing (LevelDB's own recovery at
 * open still moves its log into a table, as at every open). The same
 * pass indexes the queues (first and last sequence number, count per client id): queues are
 * therefore loaded eagerly as an index, their entries lazily as they are shifted.
 */
import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import type { Message } from '../protocol/message.js'
import { CODEC_VERSION, CodecError, decodeDelivery, decodeInflight, decodeMessage, decodeRecord, decodeSession, decodeWill, encodeWill, encodeDelivery, encodeInflight, encodeMessage, encodeSession, INCOMING_QOS2_VALUE } from './codec.js'
import { StoreError } from './errors.js'
import { COMMIT_KEY, CommitJournal, decodeCommitNumber, droppedOnReplay, encodeCommitNumber, holdLogs, forgetCommitted, readCommitted, readDamage, recordDamage, releaseLogs } from './wal-guard.js'
import { memoryEntryBytes } from './memory.js'
import { FORMAT_KEY, FORMAT_VERSION, METADATA_PREFIX, INCOMING_QOS2_RANGE, RECORD_RANGE, recordKey, recordRange, WILL_RANGE, willKey, incomingQos2Key, INFLIGHT_RANGE, inflightKey, parsePacketKey, parseQueueKey, QUEUE_RANGE, queueKey, queuePrefix, RETAINED_RANGE, retainedKey, SESSION_RANGE, sessionKey } from './keys.js'
import type { InflightRecord, QueuedDelivery, RecordKind, SessionQueue, SessionRecord, SessionSource, Store, StoredRecord, StoredWill } from './store.js'

export interface EmbeddedStoreOptions {
  /** Entries of each queue kept decoded in memory (the oldest ones). Default 64. */
  queueWindow?: number
}

export const DEFAULT_QUEUE_WINDOW = 64

/** How a user repairs a damaged store in place (LevelDB's RepairDB), for error messages. */
export function repairCommand (storeDir: string): string {
  return `mqttctl store repair --data-dir '${dirname(storeDir)}' (with the broker stopped)`
}

/** How long after a failed commit it is written again (ms). */
const RETRY_MS = 1000

/** Changes put into a LevelDB batch per turn of the event loop when a commit is filled. */
const FILL_SLICE = 4096

/** The LevelDB files that hold data: a directory with any of them but no CURRENT is damaged. */
const DATA_FILE = /^(\d+\.(log|ldb|sst)|MANIFEST-\d+)$/

/** A change: the bytes to write, a function that encodes them when the commit is written, or null to delete. */
type StoreValue = Buffer | (() => Buffer) | null

/** One group commit: the changes of one or more event-loop turns, written as one atomic batch. */
class Commit {
  /** key → value to write (or what encodes it, at write time), or null to delete it; the last write of a key wins. */
  readonly ops = new Map<string, StoreValue>()
  /** Keys this commit creates (queue entries, never reused): deleting one cancels both writes. */
  readonly fresh = new Set<string>()
  private done: Promise<void> | undefined
  private resolve: (() => void) | undefined
  private reject: ((err: unknown) => void) | undefined

  /** Resolves when this commit is durable. */
  wait (): Promise<void> {
    this.done ??= new Promise<void>((resolve, reject) => { this.resolve = resolve; this.reject = reject })
    return this.done
  }

  settle (err?: unknown): void {
    if (err === undefined) this.resolve?.()
    else this.reject?.(err)
  }
}

export class EmbeddedStore implements Store {
  readonly kind = 'embedded'
  /** The database directory: `<data_dir>/store`. */
  readonly dir: string
  private readonly queueWindow: number
  private db: ClassicLevel<string, Buffer> | null = null
  private pending = new Commit()
  private writing: Commit | null = null
  /** Changes of a commit that failed: still read back by queues, never written. */
  private stranded = new Map<string, StoreValue>()
  private scheduled = false
  private failure: StoreError | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private readonly queues = new Map<string, EmbeddedQueue>()
  /** Above every queue sequence number used so far, so a key is never written twice. */
  private nextSeq = 0
  /** The inflight records there are (or will be once committed): client id → packet id → order. */
  private readonly inflight = new Map<string, Map<number, number>>()
  /** Above every inflight order used so far. */
  private nextOrder = 0
  /** The inbound QoS 2 packet ids there are: client id → ids. */
  private readonly incoming = new Map<string, Set<number>>()
  private committed = 0
  private changes = 0
  /** Number of the last group commit (stored with it, and in COMMITTED once durable: wal-guard.ts). */
  private commitNumber = 0
  /** Number of the last commit known durable (what COMMITTED holds). */
  private durableNumber = 0
  private journal: CommitJournal | null = null

  constructor (dataDir: string, options: EmbeddedStoreOptions = {}) {
    this.dir = join(dataDir, 'store')
    this.queueWindow = Math.max(0, options.queueWindow ?? DEFAULT_QUEUE_WINDOW)
  }

  /** LevelDB's repair of a damaged store, in place (the broker must not have it open). */
  static async repair (dataDir: string): Promise<void> {
    const dir = join(dataDir, 'store')
    await ClassicLevel.repair(dir)
    await forgetCommitted(dir)
  }

  async open (): Promise<void> {
    if (this.db !== null) return
    await this.refuseHeadless()
    const damage = await readDamage(this.dir)
    if (damage !== null) throw StoreError.lost(this.dir, damage, repairCommand(this.dir))
    await holdLogs(this.dir).catch((err: unknown) => { throw StoreError.unavailable(this.dir, `its write-ahead logs cannot be kept aside while it opens (${(err as Error).message})`, err) })
    const db = new ClassicLevel<string, Buffer>(this.dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' })
    try {
      await db.open({ createIfMissing: true })
    } catch (err) {
      await releaseLogs(this.dir).catch(() => {}) // nothing was replayed
      throw this.translate(err, 'it cannot be opened')
    }
    try {
      await this.checkReplay(db)
      await this.scan(db)
    } catch (err) {
      await db.close().catch(() => {})
      this.queues.clear()
      this.inflight.clear()
      this.incoming.clear()
      throw err instanceof StoreError ? err : this.translate(err, 'it cannot be read')
    }
    this.db = db
    this.failure = null
  }

  async close (): Promise<void> {
    if (this.db === null) return
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    this.retryTimer = null
    while (this.failure === null && (this.pending.ops.size > 0 || this.writing !== null)) await this.flush().catch(() => {})
    const db = this.db
    this.db = null
    this.journal?.close()
    this.journal = null
    this.queues.clear()
    this.inflight.clear()
    this.incoming.clear()
    this.pending = new Commit()
    this.stranded.clear()
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    this.retryTimer = null
    await db.close()
  }

  async * loadRetained (): AsyncIterable<Message> {
    await this.flush()
    try {
      for await (const [key, value] of entries(this.database(), RETAINED_RANGE)) yield this.decode(key, () => decodeMessage(value))
    } catch (err) {
      throw this.translate(err, 'its retained messages cannot be read')
    }
  }

  setRetained (msg: Message): void {
    this.write(retainedKey(msg.topic), encodeMessage(msg))
  }

  deleteRetained (topic: string): void {
    this.write(retainedKey(topic), null)
  }

  async * loadSessions (): AsyncIterable<SessionRecord> {
    await this.flush()
    try {
      const db = this.database()
      const inflight = new Map<string, Array<{ record: InflightRecord; order: number }>>()
      for await (const [key, value] of entries(db, INFLIGHT_RANGE)) {
        const parsed = this.decode(key, () => parsePacketKeyOrThrow('i', key))
        const item = this.decode(key, () => decodeInflight(value, parsed.packetId))
        const list = inflight.get(parsed.clientId)
        if (list === undefined) inflight.set(parsed.clientId, [item])
        else list.push(item)
      }
      const incoming = new Map<string, number[]>()
      for await (const [key] of entries(db, INCOMING_QOS2_RANGE)) {
        const parsed = this.decode(key, () => parsePacketKeyOrThrow('p', key))
        const list = incoming.get(parsed.clientId)
        if (list === undefined) incoming.set(parsed.clientId, [parsed.packetId])
        else list.push(parsed.packetId)
      }
      for await (const [key, value] of entries(db, SESSION_RANGE)) {
        const record = this.decode(key, () => decodeSession(value))
        const items = inflight.get(record.clientId)
        if (items !== undefined) record.inflight = items.sort((a, b) => a.order - b.order).map((i) => i.record)
        const ids = incoming.get(record.clientId)
        if (ids !== undefined) record.incomingQos2 = ids
        yield record
      }
    } catch (err) {
      throw this.translate(err, 'its sessions cannot be read')
    }
  }

  /** A live session is encoded when its commit is written: once per commit, however often saved. */
  saveSession (source: SessionSource): void {
    this.write(sessionKey(source.clientId), 'toRecord' in source ? () => encodeSession(source.toRecord()) : encodeSession(source))
  }

  deleteSession (clientId: string): void {
    this.write(sessionKey(clientId), null)
    const q = this.queues.get(clientId)
    if (q !== undefined) {
      q.clear()
      q.detach()
      this.queues.delete(clientId)
    }
    const inflight = this.inflight.get(clientId)
    if (inflight !== undefined) {
      for (const packetId of inflight.keys()) this.write(inflightKey(clientId, packetId), null)
      this.inflight.delete(clientId)
    }
    const incoming = this.incoming.get(clientId)
    if (incoming !== undefined) {
      for (const packetId of incoming) this.write(incomingQos2Key(clientId, packetId), null)
      this.incoming.delete(clientId)
    }
  }

  putInflight (clientId: string, record: InflightRecord): void {
    this.database()
    let orders = this.inflight.get(clientId)
    if (orders === undefined) {
      orders = new Map()
      this.inflight.set(clientId, orders)
    }
    let order = orders.get(record.packetId)
    const fresh = order === undefined
    if (order === undefined) {
      order = this.nextOrder++
      orders.set(record.packetId, order)
    }
    // fresh: the key does not exist now, so a delete in the same commit cancels the put (a PUBACK
    // within the turn writes nothing)
    this.write(inflightKey(clientId, record.packetId), encodeInflight(record, order), fresh)
  }

  deleteInflight (clientId: string, packetId: number): void {
    const orders = this.inflight.get(clientId)
    if (orders === undefined || !orders.delete(packetId)) return
    if (orders.size === 0) this.inflight.delete(clientId)
    this.write(inflightKey(clientId, packetId), null)
  }

  putIncomingQos2 (clientId: string, packetId: number): void {
    this.database()
    let ids = this.incoming.get(clientId)
    if (ids === undefined) {
      ids = new Set()
      this.incoming.set(clientId, ids)
    }
    if (ids.has(packetId)) return
    ids.add(packetId)
    this.write(incomingQos2Key(clientId, packetId), INCOMING_QOS2_VALUE, true)
  }

  deleteIncomingQos2 (clientId: string, packetId: number): void {
    const ids = this.incoming.get(clientId)
    if (ids === undefined || !ids.delete(packetId)) return
    if (ids.size === 0) this.incoming.delete(clientId)
    this.write(incomingQos2Key(clientId, packetId), null)
  }

  queue (clientId: string): SessionQueue {
    this.database()
    let q = this.queues.get(clientId)
    if (q === undefined) {
      q = new EmbeddedQueue(this, queuePrefix(clientId), this.queueWindow, this.nextSeq, this.nextSeq, 0, 0)
      this.queues.set(clientId, q)
    }
    return q
  }

  async loadWills (): Promise<StoredWill[]> {
    await this.flush()
    const out: StoredWill[] = []
    try {
      for await (const [key, value] of entries(this.database(), WILL_RANGE)) out.push(this.decode(key, () => decodeWill(key.slice(1), value)))
    } catch (err) {
      throw this.translate(err, 'its delayed wills cannot be read')
    }
    return out
  }

  putWill (will: StoredWill): void {
    this.write(willKey(will.clientId), encodeWill(will))
  }

  deleteWill (clientId: string): void {
    this.write(willKey(clientId), null)
  }

  async loadRecords (kind: RecordKind): Promise<StoredRecord[]> {
    await this.flush()
    const out: StoredRecord[] = []
    const prefix = recordKey(kind, '').length
    try {
      for await (const [key, value] of entries(this.database(), recordRange(kind))) {
        out.push({ id: key.slice(prefix), value: this.decode(key, () => decodeRecord(value)) })
      }
    } catch (err) {
      throw this.translate(err, `its ${kind} records cannot be read`)
    }
    return out
  }

  /**
   * Every key and value, in key order, as of one instant: the changes made so far are made durable
   * first, then one LevelDB iterator reads from its implicit snapshot, so commits that land
   * meanwhile are not seen (a backup holds what a crash at that instant would leave: whole group
   * commits only). Store metadata (`m…`: layout version, commit number) is left out.
   */
  async * snapshot (): AsyncGenerator<[string, Buffer]> {
    await this.flush()
    try {
      for await (const entry of entries(this.database(), {})) if (!entry[0].startsWith(METADATA_PREFIX)) yield entry
    } catch (err) {
      throw this.translate(err, 'it cannot be read')
    }
  }

  putRecord (kind: RecordKind, id: string, value: unknown): void {
    this.write(recordKey(kind, id), Buffer.from(JSON.stringify(value)))
  }

  deleteRecord (kind: RecordKind, id: string): void {
    this.write(recordKey(kind, id), null)
  }

  flush (): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure)
    if (this.pending.ops.size > 0) return this.pending.wait()
    if (this.writing !== null) return this.writing.wait()
    return Promise.resolve()
  }

  /** Durable commits written since this object was created (each is one group of changes). */
  get commits (): number {
    return this.committed
  }

  get changeCount (): number {
    return this.changes
  }

  get error (): string | null {
    return this.failure === null ? null : this.failure.message
  }

  // ---- for EmbeddedQueue ----

  /** Records a change for the next group commit. `fresh`: a key never written before (queue entry). */
  write (key: string, value: StoreValue, fresh = false): void {
    this.database()
    this.changes++
    const c = this.pending
    if (value === null && c.fresh.has(key)) {
      c.ops.delete(key)
      c.fresh.delete(key)
      return
    }
    if (fresh && !c.ops.has(key)) c.fresh.add(key)
    else c.fresh.delete(key)
    c.ops.set(key, value)
    if (!this.scheduled && this.writing === null && this.failure === null) {
      this.scheduled = true
      setImmediate(() => {
        this.scheduled = false
        this.commit()
      })
    }
  }

  /** A queue used sequence numbers up to `next` - 1. */
  claimSeq (next: number): void {
    if (next > this.nextSeq) this.nextSeq = next
  }

  /** Reads a queue entry back (with its stored size): from a commit not yet durable, or from disk. */
  readQueued (key: string): { entry: QueuedDelivery; size: number } | undefined {
    let value = this.pending.ops.get(key)
    if (value === undefined && this.writing !== null) value = this.writing.ops.get(key)
    if (value === undefined) value = this.stranded.get(key)
    if (value === undefined) {
      try {
        value = this.database().getSync(key)
      } catch (err) {
        throw this.translate(err, `queue entry ${JSON.stringify(key)} cannot be read`)
      }
    }
    if (value === undefined || value === null) return undefined
    const bytes = typeof value === 'function' ? value() : value
    return { entry: this.decode(key, () => decodeDelivery(bytes)), size: bytes.length }
  }

  // ---- internals ----

  private database (): ClassicLevel<string, Buffer> {
    if (this.db === null) throw StoreError.unavailable(this.dir, 'the store is not open')
    return this.db
  }

  private commit (): void {
    if (this.writing !== null || this.db === null || this.failure !== null) return
    const c = this.pending
    this.pending = new Commit()
    if (c.ops.size === 0) { // everything was cancelled: nothing to make durable
      c.settle()
      return
    }
    this.writing = c
    const db = this.db
    const number = ++this.commitNumber
    let batch: ReturnType<typeof db.batch> | undefined
    const ops = c.ops.entries()
    // filling a LevelDB batch costs about 1 µs per change: a big commit is filled in slices, one per
    // turn of the event loop, so that it never holds up the loop for more than a few milliseconds
    const fill = (): void => {
      try {
        batch ??= db.batch().put(COMMIT_KEY, encodeCommitNumber(number))
        let n = 0
        for (let op = ops.next(); op.done !== true; op = ops.next()) {
          const [key, value] = op.value
          if (value === null) batch.del(key)
          else batch.put(key, typeof value === 'function' ? value() : value)
          if (++n === FILL_SLICE) {
            setImmediate(fill)
            return
          }
        }
      } catch (err) {
        this.failed(c, err)
        return
      }
      batch.write({ sync: true }).then(() => {
        this.writing = null
        this.committed++
        this.durableNumber = number
        this.journal?.record(number)
        c.settle()
        this.commit() // what was written meanwhile, at once
      }, (err: unknown) => this.failed(c, err))
    }
    fill()
  }

  /**
   * A commit failed (a full disk, an I/O error): its changes and those waiting are kept (`stranded`,
   * still read back by queues), every flush() rejects at once while the store cannot write (the
   * acks that wait for it say so), and the whole lot is written again every RETRY_MS until it goes
   * through: the store heals by itself when space comes back.
   */
  private failed (c: Commit, err: unknown): void {
    this.writing = null
    this.failure = this.translate(err, 'a commit failed')
    for (const [key, value] of c.ops) this.stranded.set(key, value)
    for (const [key, value] of this.pending.ops) this.stranded.set(key, value)
    c.settle(this.failure)
    this.pending.settle(this.failure)
    this.pending = new Commit()
    this.retryTimer ??= setTimeout(() => { this.retry() }, RETRY_MS).unref()
  }

  /**
   * Writes what a failed commit left, with what came since, as one commit again, after reopening
   * the database: a write that failed half way (ENOSPC) leaves the end of LevelDB's log unreadable,
   * and records appended after it would be lost at the next open with it. Reopening replays the
   * log up to the failed write (dropping only what was never acknowledged) and starts a new one.
   */
  private retry (): void {
    this.retryTimer = null
    const db = this.db
    if (db === null || this.writing !== null) return
    void (async () => {
      await db.close()
      await db.open()
      const inDatabase = decodeCommitNumber(await db.get(COMMIT_KEY))
      if (inDatabase < this.durableNumber) {
        const record = await recordDamage(this.dir, `the last ${this.durableNumber - inDatabase} durable group commit(s) were lost while recovering from a failed write`)
        throw StoreError.lost(this.dir, record, repairCommand(this.dir))
      }
    })().then(() => {
      const ops = this.pending.ops
      for (const [key, value] of this.stranded) if (!ops.has(key)) ops.set(key, value)
      this.stranded.clear()
      this.failure = null
      this.commit()
    }, (err: unknown) => {
      this.failure = this.translate(err, 'it cannot be written after a failed commit')
      if (!(err instanceof StoreError && err.code === 'BRK_ERR_STORE_CORRUPT')) this.retryTimer = setTimeout(() => { this.retry() }, RETRY_MS).unref()
    })
  }

  /**
   * After LevelDB replayed its logs: did it drop damaged bytes, or does the database miss commits
   * that were durable (a log cut short)? Then the damage is recorded and the open refused
   * (wal-guard.ts); else the held logs go and the commit journal starts from the database's number.
   */
  private async checkReplay (db: ClassicLevel<string, Buffer>): Promise<void> {
    const dropped = await droppedOnReplay(this.dir)
    const inDatabase = decodeCommitNumber(await db.get(COMMIT_KEY))
    const durable = await readCommitted(this.dir)
    const missing = durable !== null && inDatabase < durable ? durable - inDatabase : 0
    if (dropped.length > 0 || missing > 0) {
      const detail = [
        ...(dropped.length > 0 ? [`LevelDB dropped damaged parts of its write-ahead log while replaying it: ${dropped.join(', ')}`] : []),
        ...(missing > 0 ? [`the last ${missing} group commit(s) written durably are missing (commit ${inDatabase} of ${durable}): its write-ahead log was cut short`] : []),
      ].join('; ')
      const record = await recordDamage(this.dir, detail)
      throw StoreError.lost(this.dir, record, repairCommand(this.dir))
    }
    await releaseLogs(this.dir)
    this.commitNumber = this.durableNumber = inDatabase
    this.journal = new CommitJournal(this.dir)
    this.journal.record(inDatabase)
  }

  /** LevelDB creates an empty database where CURRENT is missing: refuse when data files are there. */
  private async refuseHeadless (): Promise<void> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw StoreError.unavailable(this.dir, `its directory cannot be read (${(err as Error).message})`, err)
    }
    if (!names.includes('CURRENT') && names.some((n) => DATA_FILE.test(n))) {
      throw StoreError.corrupt(this.dir, 'its CURRENT file is missing, so LevelDB cannot find its data', repairCommand(this.dir))
    }
  }

  /** The start-up pass: format check, every value read, queues indexed. */
  private async scan (db: ClassicLevel<string, Buffer>): Promise<void> {
    const format = await db.get(FORMAT_KEY)
    if (format !== undefined && format.toString() !== FORMAT_VERSION) {
      throw StoreError.unavailable(this.dir, `it has layout version ${format.toString()}, and this version of the broker reads version ${FORMAT_VERSION}`)
    }
    let current: { clientId: string; first: number; last: number; count: number; bytes: number } | undefined
    const endQueue = (): void => {
      if (current === undefined) return
      const { clientId, first, last, count, bytes } = current
      this.queues.set(clientId, new EmbeddedQueue(this, queuePrefix(clientId), this.queueWindow, first, last + 1, count, bytes))
      this.claimSeq(last + 1)
    }
    for await (const [key, value] of entries(db, {})) {
      if (key >= RECORD_RANGE.gte && key < RECORD_RANGE.lt) {
        this.decode(key, () => decodeRecord(value))
      } else if (key >= WILL_RANGE.gte && key < WILL_RANGE.lt) {
        this.decode(key, () => decodeWill(key.slice(1), value))
      } else if (key >= RETAINED_RANGE.gte && key < RETAINED_RANGE.lt) {
        this.decode(key, () => decodeMessage(value))
      } else if (key >= SESSION_RANGE.gte && key < SESSION_RANGE.lt) {
        this.decode(key, () => decodeSession(value))
      } else if (key >= QUEUE_RANGE.gte && key < QUEUE_RANGE.lt) {
        const parsed = parseQueueKey(key)
        if (parsed === undefined || value.length < 2 || value[0] !== CODEC_VERSION) {
          throw StoreError.corrupt(this.dir, `the queue entry ${JSON.stringify(key)} is damaged`, repairCommand(this.dir))
        }
        if (current?.clientId !== parsed.clientId) {
          endQueue()
          current = { clientId: parsed.clientId, first: parsed.seq, last: parsed.seq, count: 0, bytes: 0 }
        }
        current.last = parsed.seq
        current.count++
        current.bytes += value.length
      } else if (key >= INFLIGHT_RANGE.gte && key < INFLIGHT_RANGE.lt) {
        const parsed = this.decode(key, () => parsePacketKeyOrThrow('i', key))
        const { order } = this.decode(key, () => decodeInflight(value, parsed.packetId))
        let orders = this.inflight.get(parsed.clientId)
        if (orders === undefined) {
          orders = new Map()
          this.inflight.set(parsed.clientId, orders)
        }
        orders.set(parsed.packetId, order)
        if (order >= this.nextOrder) this.nextOrder = order + 1
      } else if (key >= INCOMING_QOS2_RANGE.gte && key < INCOMING_QOS2_RANGE.lt) {
        const parsed = this.decode(key, () => parsePacketKeyOrThrow('p', key))
        this.decode(key, () => { if (value.length !== 1 || value[0] !== CODEC_VERSION) throw new CodecError('bad inbound QoS 2 record') })
        let ids = this.incoming.get(parsed.clientId)
        if (ids === undefined) {
          ids = new Set()
          this.incoming.set(parsed.clientId, ids)
        }
        ids.add(parsed.packetId)
      }
    }
    endQueue()
    if (format === undefined) await db.put(FORMAT_KEY, Buffer.from(FORMAT_VERSION), { sync: true })
  }

  private decode<T> (key: string, fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      if (err instanceof CodecError) {
        throw StoreError.corrupt(this.dir, `the value of ${JSON.stringify(key)} does not decode (${err.message})`, repairCommand(this.dir), err)
      }
      throw err
    }
  }

  /** A LevelDB error as a StoreError: corruption and damaged files are CORRUPT, the rest UNAVAILABLE. */
  private translate (err: unknown, what: string): StoreError {
    if (err instanceof StoreError) return err
    const codes: string[] = []
    const messages: string[] = []
    for (let e: unknown = err; e instanceof Error && codes.length < 4; e = e.cause) {
      codes.push(String((e as { code?: unknown }).code ?? ''))
      messages.push(e.message)
    }
    const detail = messages.at(-1) ?? String(err)
    if (codes.includes('LEVEL_LOCKED')) {
      return StoreError.locked(this.dir, `${what}: it is locked by another process (a broker running on this data_dir, or mqttctl changing it)`, err)
    }
    if (codes.includes('LEVEL_CORRUPTION') ||
        (codes.includes('LEVEL_IO_ERROR') && !/Permission denied|Read-only file system|No space left|Too many open files/i.test(detail))) {
      return StoreError.corrupt(this.dir, `${what} (LevelDB: ${detail})`, repairCommand(this.dir), err)
    }
    return StoreError.unavailable(this.dir, `${what} (${detail})`, err)
  }
}

function parsePacketKeyOrThrow (letter: 'i' | 'p', key: string): { clientId: string; packetId: number } {
  const parsed = parsePacketKey(letter, key)
  if (parsed === undefined) throw new CodecError('not a valid key')
  return parsed
}

/** The entries of a key range, read in large slices (several times faster than one by one). */
async function * entries (db: ClassicLevel<string, Buffer>, range: { gte?: string; lt?: string }): AsyncGenerator<[string, Buffer]> {
  const it = db.iterator({ ...range, highWaterMarkBytes: 4 << 20 })
  try {
    for (let slice = await it.nextv(10_000); slice.length > 0; slice = await it.nextv(10_000)) yield * slice
  } finally {
    await it.close()
  }
}

/**
 * A session's queue: entries at sequence numbers below `tail`; the oldest (up to `windowSize`) are
 * held decoded in `window`, the others are in the store from `diskNext` on. The window is always a
 * prefix of the queue: an entry is appended to it only while nothing is waiting on disk.
 */
class EmbeddedQueue implements SessionQueue {
  /** The oldest entries, decoded, each with its stored size. */
  private window: ({ seq: number; entry: QueuedDelivery; size: number } | undefined)[] = []
  private head = 0
  /** Detached from the store (its session was deleted): a plain in-memory FIFO from then on. */
  private detached = false

  constructor (
    private readonly store: EmbeddedStore,
    private readonly prefix: string,
    private readonly windowSize: number,
    /** First sequence number that may hold an entry not in the window. */
    private diskNext: number,
    /** Next sequence number to use. */
    private tail: number,
    /** Entries in the queue (window and disk); after a LevelDB repair the sequence may have holes. */
    private count: number,
    /** Stored bytes of those entries. */
    private size: number
  ) {}

  get length (): number {
    return this.count
  }

  get bytes (): number {
    return this.size
  }

  push (entry: QueuedDelivery): void {
    if (this.detached) {
      const size = memoryEntryBytes(entry)
      this.window.push({ seq: -1, entry, size })
      this.count++
      this.size += size
      return
    }
    const seq = this.tail++
    this.store.claimSeq(this.tail)
    const value = encodeDelivery(entry)
    this.store.write(queueKey(this.prefix, seq), value, true)
    const held = this.window.length - this.head
    if (held === this.count && (held < this.windowSize)) {
      this.window.push({ seq, entry, size: value.length })
      this.diskNext = this.tail
    }
    this.count++
    this.size += value.length
  }

  shift (): QueuedDelivery | undefined {
    if (this.count === 0) return undefined
    let seq: number
    let entry: QueuedDelivery | undefined
    let size = 0
    if (this.head < this.window.length) {
      const item = this.window[this.head] as { seq: number; entry: QueuedDelivery; size: number }
      this.window[this.head++] = undefined
      if (this.head === this.window.length) {
        this.window = []
        this.head = 0
      } else if (this.head > 1024 && this.head * 2 > this.window.length) {
        this.window = this.window.slice(this.head)
        this.head = 0
      }
      seq = item.seq
      entry = item.entry
      size = item.size
    } else {
      let read: { entry: QueuedDelivery; size: number } | undefined
      for (seq = this.diskNext; seq < this.tail; seq++) {
        read = this.store.readQueued(queueKey(this.prefix, seq))
        if (read !== undefined) break
      }
      if (read === undefined) { // the count was off (a repaired store): the queue is empty
        this.count = 0
        this.size = 0
        this.diskNext = this.tail
        return undefined
      }
      entry = read.entry
      size = read.size
      this.diskNext = seq + 1
    }
    if (seq >= 0) this.store.write(queueKey(this.prefix, seq), null)
    this.count--
    this.size = this.count === 0 ? 0 : this.size - size
    if (this.count === 0) this.diskNext = this.tail
    return entry
  }

  clear (): void {
    if (!this.detached) {
      for (let i = this.head; i < this.window.length; i++) this.store.write(queueKey(this.prefix, (this.window[i] as { seq: number }).seq), null)
      if (this.count > this.window.length - this.head) {
        for (let seq = this.diskNext; seq < this.tail; seq++) this.store.write(queueKey(this.prefix, seq), null)
      }
    }
    this.window = []
    this.head = 0
    this.count = 0
    this.size = 0
    this.diskNext = this.tail
  }

  detach (): void {
    this.detached = true
  }
}
