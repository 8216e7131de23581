/**
 * StateWriter: this node's changes of the cluster-wide state on their way to Redis. The
 * ReplicatedStore hands it each change; at the end of the tick they leave as STATE script calls
 * (cluster/state-script.ts: hash writes and their change-log entry in one atomic step, up to
 * OPS_PER_CALL changes each), all of one tick in one pipelined write.
 *
 * Changes are kept per key until sent, so a key changed twice in a tick (or many times while
 * Redis was away) is written once, with its last value. One round is in flight at a time, which
 * keeps the order of changes to one key; a round that fails (Redis unreachable) goes again, its
 * keys merged under any newer change, until Redis takes it. `settled()` resolves once every change
 * queued so far is in Redis: what a QoS 1/2 retained PUBLISH's acknowledgement and an `mqttctl
 * account` reply wait for (through ReplicatedStore.flush).
 *
 * A retained message's expiry goes to Redis in Redis time (local deadline plus the clock offset),
 * as forwarded messages do (cluster/wire.ts); the message is encoded when it leaves, never on the
 * publish path.
 */
import { waitAtMost } from './time-limit.js'
import type { SharedRecordKind } from '../auth/access-control.js'
import type { Logger } from '../log.js'
import type { Message } from '../protocol/message.js'
import { encodeMessage } from '../store/codec.js'
import { LOG_MAX_LENGTH } from './keys.js'
import type { RedisLink } from './redis.js'
import type { StateSink } from './replicated-store.js'
import { SHARED_HASHES, STATE, type SharedHash, type StateKeys } from './state-script.js'

const OPS_PER_CALL = 256
const RETRY_MS = 500

/** One change waiting for Redis. */
interface Change {
  readonly hash: SharedHash
  readonly key: string
  /** s: set, d: delete, c: create (a new rule), x: delete if expired there. */
  readonly op: 's' | 'd' | 'c' | 'x'
  readonly msg?: Message
  readonly json?: string
}

interface Round {
  readonly promise: Promise<void>
  readonly resolve: () => void
}

/** What the writer needs from the node. */
export interface StateWriterHost {
  readonly selfName: string
  readonly incarnation: number
  /** Redis time minus local time, ms. */
  readonly offsetMs: number
}

export class StateWriter implements StateSink {
  changeCount = 0
  private pending = new Map<string, Change>()
  private inFlight = new Map<string, Change>()
  /** The round that takes the pending changes, and the one in flight. */
  private next: Round | null = null
  private sending: Round | null = null
  private scheduled = false
  private closing = false
  private readonly keyList: string[]
  /** Called with each rule whose id another node took first (its creation was refused). */
  onRefused: (kind: SharedRecordKind, id: string) => void = () => {}

  constructor (private readonly link: RedisLink, keys: StateKeys, logKey: string, private readonly host: StateWriterHost, private readonly log: Logger) {
    this.keyList = [...SHARED_HASHES.map((h) => keys.of(h)), logKey]
  }

  retainedSet (msg: Message): void {
    this.queue({ hash: 'retained', key: msg.topic, op: 's', msg })
  }

  retainedDeleted (topic: string, ifExpired: boolean): void {
    this.queue({ hash: 'retained', key: topic, op: ifExpired ? 'x' : 'd' })
  }

  recordPut (kind: SharedRecordKind, id: string, json: string, created: boolean): void {
    this.queue({ hash: kind, key: id, op: created ? 'c' : 's', json })
  }

  recordDeleted (kind: SharedRecordKind, id: string): void {
    this.queue({ hash: kind, key: id, op: 'd' })
  }

  /** True while a change of `key` in `hash` made here is not in Redis yet (a remote value must not overwrite it). */
  holds (hash: SharedHash, key: string): boolean {
    const id = changeId(hash, key)
    return this.pending.has(id) || this.inFlight.has(id)
  }

  settled (): Promise<void> {
    if (this.next !== null) return this.next.promise
    if (this.sending !== null) return this.sending.promise
    return Promise.resolve()
  }

  /** Waits up to `timeoutMs` for what is queued, then gives up retrying (the node is leaving). */
  async close (timeoutMs: number): Promise<void> {
    await waitAtMost(this.settled(), timeoutMs)
    this.closing = true
  }

  private queue (change: Change): void {
    const id = changeId(change.hash, change.key)
    // a rule changed again before its creation left is still a creation
    if (change.op === 's' && this.pending.get(id)?.op === 'c') change = { ...change, op: 'c' }
    this.pending.set(id, change)
    this.changeCount++
    this.next ??= newRound()
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      if (this.sending === null && this.pending.size > 0) void this.send()
    })
  }

  private async send (): Promise<void> {
    while (this.pending.size > 0 && this.next !== null) {
      const round = this.next
      this.next = null
      this.sending = round
      this.inFlight = this.pending
      this.pending = new Map()
      const changes = [...this.inFlight.values()]
      try {
        const calls: Promise<void>[] = []
        for (let i = 0; i < changes.length; i += OPS_PER_CALL) calls.push(this.write(changes.slice(i, i + OPS_PER_CALL)))
        await Promise.all(calls)
        round.resolve()
      } catch (err) {
        if (this.closing) {
          round.resolve()
        } else {
          this.log.debug({ reason: err instanceof Error ? err.message : String(err) }, 'cluster: state write failed, retrying')
          for (const [id, change] of this.inFlight) if (!this.pending.has(id)) this.pending.set(id, change)
          this.next ??= newRound()
          void this.next.promise.then(round.resolve)
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref())
        }
      } finally {
        this.inFlight = new Map()
        this.sending = null
      }
    }
  }

  private async write (changes: readonly Change[]): Promise<void> {
    const offset = this.host.offsetMs
    const args: (string | Buffer)[] = [this.host.selfName, String(this.host.incarnation), String(LOG_MAX_LENGTH)]
    for (const c of changes) {
      args.push(`${SHARED_HASHES.indexOf(c.hash) + 1}${c.op}`, c.key)
      const msg = c.msg
      if (msg !== undefined) args.push(encodeMessage(msg.expiresAt === 0 || offset === 0 ? msg : { ...msg, expiresAt: msg.expiresAt + offset }))
      else args.push(c.json ?? '')
    }
    const reply = await this.link.script(STATE, this.keyList, args) as string[]
    for (let i = 1; i + 1 < reply.length; i += 2) {
      const hash = SHARED_HASHES[Number(reply[i]) - 1]
      if (hash !== undefined && hash !== 'retained') this.onRefused(hash, String(reply[i + 1]))
    }
  }
}

function changeId (hash: SharedHash, key: string): string {
  return `${hash}\u0000${key}`
}

function newRound (): Round {
  let settle = (): void => {}
  const promise = new Promise<void>((resolve) => { settle = resolve })
  return { promise, resolve: () => { settle() } }
}
