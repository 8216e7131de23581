/**
 * RouteMirror: this node's routes as the other nodes see them, and the SUBACK barrier.
 *
 * The router reports each distinct filter (`$share/<group>/<filter>` for shared ones) that gains its
 * first local subscriber or loses its last (ClusterPort.routeAdded/routeRemoved). At the end of the
 * tick the changes go out in one script call (ROUTES: the node's routes hash and one `route` entry
 * in the change log, refused when another incarnation holds the name), retried while Redis is away.
 *
 * A SUBACK that added a filter waits for its tick's entry to be applied by every live node: the
 * entry carries `b`, every node that applies it answers `applied` (up to its last read id) into
 * this node's inbox, and the barrier resolves once each live node that joined before the entry has
 * answered, or after two heartbeats at most (a slow node or Redis never holds a SUBACK longer).
 */
import type { ClusterConfig } from '../config/types.js'
import type { Logger } from '../log.js'
import type { ClusterKeys } from './keys.js'
import { LOG_MAX_LENGTH } from './keys.js'
import type { RedisLink } from './redis.js'
import { ROUTES } from './scripts.js'
import { compareIds } from './streams.js'

const RETRY_MS = 500

/** A barrier whose route entry is in the log: its id, and what to call once every node applied it. */
interface Written {
  readonly id: string
  readonly resolve: () => void
  readonly deadline: number
}

/** What the mirror needs of the cluster around it. */
export interface RouteMirrorHost {
  readonly selfName: string
  readonly incarnation: number
  readonly closing: boolean
  /** The live nodes other than this one. */
  peers (): Iterable<string>
}

export class RouteMirror {
  /** Route keys added / removed since the last write. */
  private readonly added = new Set<string>()
  private readonly removed = new Set<string>()
  private writing: Promise<void> = Promise.resolve()
  /** SUBACKs waiting for the routes of the current tick. */
  private tickBarrier: { promise: Promise<void>; resolve: () => void } | null = null
  /** The last barrier written and not yet confirmed (a SUBACK for a filter it carries waits for it too). */
  private sentBarrier: Promise<void> | null = null
  private warnedAt = 0
  private readonly written: Written[] = []
  /** The log id each peer has applied up to (from its answers), and the id of its join. */
  private readonly applied = new Map<string, string>()
  private readonly joinedAt = new Map<string, string>()

  constructor (private readonly host: RouteMirrorHost, private readonly link: RedisLink, private readonly keys: ClusterKeys,
    private readonly config: ClusterConfig, private readonly log: Logger) {}

  /** True when changes wait for the end of the tick. */
  get pending (): boolean {
    return this.added.size > 0 || this.removed.size > 0
  }

  added1 (key: string): void {
    if (!this.removed.delete(key)) this.added.add(key)
  }

  removed1 (key: string): void {
    if (!this.added.delete(key)) this.removed.add(key)
  }

  /** Every local route again (after a rejoin, whose join emptied the routes hash). */
  rewriteAll (keys: Iterable<string>): void {
    this.removed.clear()
    for (const key of keys) this.added.add(key)
  }

  /** What a SUBACK (or a CONNACK resuming a moved session) waits for; null when nothing is pending. */
  settled (): Promise<void> | null {
    if (this.added.size > 0) {
      this.tickBarrier ??= this.newBarrier()
      return this.tickBarrier.promise
    }
    return this.tickBarrier?.promise ?? this.sentBarrier
  }

  private newBarrier (): { promise: Promise<void>; resolve: () => void } {
    let settle = (): void => {}
    const promise = new Promise<void>((resolve) => { settle = resolve })
    const waitMs = this.config.heartbeat * 2000
    const timer = setTimeout(() => {
      if (Date.now() - this.warnedAt > 10_000) {
        this.warnedAt = Date.now()
        this.log.warn({ waited_ms: waitMs }, 'cluster: new routes were not confirmed by every node in time (Redis or a node is slow); SUBACK sent anyway')
      }
      settle()
    }, waitMs)
    timer.unref()
    void promise.then(() => {
      clearTimeout(timer)
      if (this.sentBarrier === promise) this.sentBarrier = null
    })
    return { promise, resolve: () => { settle() } }
  }

  /** Writes the tick's changes (hash and log entry in one script); retried while Redis is away. */
  write (): void {
    const added = [...this.added]
    const removed = [...this.removed]
    this.added.clear()
    this.removed.clear()
    const barrier = this.tickBarrier
    this.tickBarrier = null
    if (barrier !== null) this.sentBarrier = barrier.promise
    const name = this.host.selfName
    this.writing = this.writing.then(async () => {
      for (;;) {
        try {
          const id = await this.link.script(ROUTES, [this.keys.routes(name), this.keys.node(name), this.keys.log], [
            name, String(this.host.incarnation), String(LOG_MAX_LENGTH), added.join('\u0000'), removed.join('\u0000'), barrier === null ? '0' : '1',
          ])
          if (barrier !== null) {
            if (id === null) barrier.resolve() // fenced: the rejoin writes every route again
            else this.written.push({ id: String(id), resolve: barrier.resolve, deadline: Date.now() + this.config.lease * 1000 })
            this.check()
          }
          return
        } catch (err) {
          if (this.host.closing) {
            barrier?.resolve()
            return
          }
          this.log.debug({ reason: err instanceof Error ? err.message : String(err) }, 'cluster: route write failed, retrying')
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
        }
      }
    })
  }

  /** Node `name` joined with its `join` entry at `id` (later barriers wait for it, earlier ones do not). */
  joined (name: string, id: string): void {
    this.joinedAt.set(name, id)
  }

  /** Node `name` answered that it applied the log up to `id`. */
  appliedBy (name: string, id: string): void {
    const prev = this.applied.get(name)
    if (prev === undefined || compareIds(id, prev) > 0) this.applied.set(name, id)
    this.check()
  }

  /** Node `name` left or is down: no barrier waits for it. */
  forget (name: string): void {
    this.applied.delete(name)
    this.joinedAt.delete(name)
    this.check()
  }

  /** Resolves every barrier that each live peer (that joined before it) has applied, or whose time ran out. */
  check (): void {
    if (this.written.length === 0) return
    const now = Date.now()
    for (let i = 0; i < this.written.length;) {
      const b = this.written[i] as Written
      if (b.deadline > now && this.waitsForSomeone(b)) {
        i++
        continue
      }
      this.written.splice(i, 1)
      b.resolve()
    }
  }

  private waitsForSomeone (b: Written): boolean {
    for (const name of this.host.peers()) {
      const joined = this.joinedAt.get(name)
      if (joined !== undefined && compareIds(joined, b.id) > 0) continue
      const upTo = this.applied.get(name)
      if (upTo === undefined || compareIds(upTo, b.id) < 0) return true
    }
    return false
  }

  /** Waits for the write in progress; every waiting SUBACK goes (this node leaves). */
  async close (): Promise<void> {
    await this.writing
    for (const b of this.written.splice(0)) b.resolve()
    this.tickBarrier?.resolve()
  }
}
