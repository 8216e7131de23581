/**
 * Membership: this node's place in the cluster — joining under a unique name, heartbeats that
 * extend its lease on Redis time, and leaving at once on a clean stop (scripts in cluster/scripts.ts).
 *
 * Each heartbeat also returns every node's lease, so this node learns which peers are alive (a
 * lease that ran out is a node that is down) and its clock offset from Redis, without a second
 * round trip. A heartbeat that finds the lease lapsed (this process was paused, or Redis was away
 * longer than the lease) or the name held by a newer incarnation rejoins under a new incarnation.
 */
import { BrokerError } from '../protocol/errors.js'
import type { Logger } from '../log.js'
import type { ClusterKeys } from './keys.js'
import { LOG_MAX_LENGTH } from './keys.js'
import type { RedisLink, Reply } from './redis.js'
import { HEARTBEAT, JOIN, LEAVE } from './scripts.js'

/** What a node reports with each heartbeat. */
export interface NodeFigures {
  clients: number
  subscriptions: number
  /** PUBLISH packets received per second (from clients). */
  rateIn: number
  /** PUBLISH packets sent per second (to clients). */
  rateOut: number
  /** `host:port` clients may be sent to. */
  advertise: string
}

export interface MembershipOptions {
  name: string
  host: string
  pid: number
  version: string
  heartbeatMs: number
  leaseMs: number
  figures: () => NodeFigures
}

/** One node as `cluster status` shows it. */
export interface ClusterNode {
  name: string
  state: 'up' | 'down' | 'leaving'
  clients: number
  subscriptions: number
  messages_in_per_s: number
  messages_out_per_s: number
  pid: number
  host: string
  version: string
  incarnation: number
  advertise: string
  /** ISO time of its last heartbeat (Redis time). */
  last_heartbeat: string
  /** ISO time its lease runs out, or ran out (Redis time). */
  lease_until: string
  /** This node (the one answering). */
  self: boolean
}

export class Membership {
  /** This node's incarnation: a new one at every join, cluster-wide unique. */
  incarnation = 0
  /** The id of this incarnation's `join` entry in the change log (where this node starts reading it). */
  joinedLogId = '0-0'
  /** Redis time minus local time, in ms (from the last heartbeat's round trip). */
  offsetMs = 0
  /** Every node's lease deadline (Redis time, ms), as of the last heartbeat. */
  leases = new Map<string, number>()
  /** Called after each heartbeat with the leases and Redis time. */
  onLeases: (leases: ReadonlyMap<string, number>, now: number) => void = () => {}
  /** Called after this node had to join again (its lease had lapsed); the new incarnation is set. */
  onRejoined: () => Promise<void> = () => Promise.resolve()
  private timer: NodeJS.Timeout | null = null
  private beating = false
  private state: 'up' | 'leaving' = 'up'

  constructor (private readonly link: RedisLink, private readonly keys: ClusterKeys,
    private readonly options: MembershipOptions, private readonly log: Logger) {}

  /** Redis time now, in ms, as this node estimates it. */
  redisNow (): number {
    return Date.now() + this.offsetMs
  }

  /** Joins the cluster; rejects with BRK_ERR_NODE_NAME_TAKEN while a live node holds the name. */
  async join (): Promise<void> {
    const o = this.options
    const before = Date.now()
    const reply = await this.link.script(JOIN,
      [this.keys.nodes, this.keys.node(o.name), this.keys.incarnation, this.keys.routes(o.name), this.keys.log],
      [o.name, String(o.leaseMs), String(o.pid), o.host, o.version, o.figures().advertise, String(LOG_MAX_LENGTH), String(this.incarnation)]) as string[]
    this.setOffset(before, Number(reply[reply[0] === 'ok' ? 2 : 4]))
    if (reply[0] === 'taken') {
      const [, host, pid, heartbeat] = reply
      const seen = heartbeat === '' ? 'unknown' : `${Math.max(0, Math.round((Number(reply[4]) - Number(heartbeat)) / 1000))} s ago`
      throw new BrokerError('BRK_ERR_NODE_NAME_TAKEN',
        `node_name "${o.name}" is taken: a live node of this cluster has it (host ${host || '?'}, pid ${pid || '?'}, last heartbeat ${seen}); ` +
        'give this node another name (--node-name or node_name), or stop the other one')
    }
    this.incarnation = Number(reply[1])
    this.joinedLogId = String(reply[3])
    this.state = 'up'
  }

  /** Starts the heartbeats. */
  start (): void {
    this.timer = setInterval(() => { void this.beat() }, this.options.heartbeatMs)
    this.timer.unref()
  }

  /** One heartbeat now (also what the timer runs); never rejects. */
  async beat (): Promise<void> {
    if (this.beating) return
    this.beating = true
    try {
      const o = this.options
      const f = o.figures()
      const before = Date.now()
      const reply = await this.link.script(HEARTBEAT, [this.keys.nodes, this.keys.node(o.name)], [
        o.name, String(this.incarnation), String(o.leaseMs), this.state, String(f.clients), String(f.subscriptions),
        String(Math.round(f.rateIn)), String(Math.round(f.rateOut)), f.advertise,
      ]) as string[]
      const now = Number(reply[1])
      this.setOffset(before, now)
      if (reply[0] !== 'ok') {
        await this.rejoin(reply[0] === 'fenced' ? 'another incarnation holds the name' : 'its lease had run out')
        return
      }
      const leases = new Map<string, number>()
      for (let i = 2; i + 1 < reply.length; i += 2) leases.set(reply[i] as string, Number(reply[i + 1]))
      this.leases = leases
      this.onLeases(leases, now)
    } catch (err) {
      // Redis unreachable: the link logs it once; the next beat tries again.
      if (this.link.reachable) this.log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'cluster heartbeat failed')
    } finally {
      this.beating = false
    }
  }

  private async rejoin (why: string): Promise<void> {
    const old = this.incarnation
    try {
      await this.join()
    } catch (err) {
      this.log.error({ reason: err instanceof Error ? err.message : String(err) }, 'this node could not rejoin the cluster')
      return
    }
    this.log.warn({ node: this.options.name, old_incarnation: old, incarnation: this.incarnation },
      `this node rejoined the cluster under a new incarnation: ${why}`)
    await this.onRejoined()
  }

  /** Says in the node's hash that it is stopping (`cluster status` shows it `leaving`). */
  async markLeaving (): Promise<void> {
    this.state = 'leaving'
    try {
      await this.link.command(['HSET', this.keys.node(this.options.name), 'state', 'leaving'])
    } catch {
      // unreachable: the lease runs out instead
    }
  }

  /** Leaves the cluster at once (lease, hash and routes gone, announced in the log). */
  async leave (): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    const o = this.options
    try {
      await this.link.script(LEAVE, [this.keys.nodes, this.keys.node(o.name), this.keys.routes(o.name), this.keys.log],
        [o.name, String(this.incarnation), String(LOG_MAX_LENGTH)])
    } catch (err) {
      this.log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'could not leave the cluster cleanly: the other nodes will see this node down when its lease runs out')
    }
  }

  /** Every node known to Redis (live, leaving, or down with its lease run out), by name. */
  async status (): Promise<ClusterNode[]> {
    const all = await this.link.command(['ZRANGE', this.keys.nodes, '0', '-1', 'WITHSCORES']) as string[]
    const now = Number((await this.link.command(['TIME']) as string[])[0]) * 1000
    const names: string[] = []
    const leases: number[] = []
    for (let i = 0; i + 1 < all.length; i += 2) {
      names.push(all[i] as string)
      leases.push(Number(all[i + 1]))
    }
    const hashes = await Promise.all(names.map((n) => this.link.command(['HGETALL', this.keys.node(n)])))
    const out: ClusterNode[] = []
    names.forEach((name, i) => {
      const h = fields(hashes[i] ?? null)
      const lease = leases[i] as number
      const state = lease < now ? 'down' : h.state === 'leaving' ? 'leaving' : 'up'
      out.push({
        name,
        state,
        clients: Number(h.clients ?? 0),
        subscriptions: Number(h.subscriptions ?? 0),
        messages_in_per_s: Number(h.rate_in ?? 0),
        messages_out_per_s: Number(h.rate_out ?? 0),
        pid: Number(h.pid ?? 0),
        host: h.host ?? '',
        version: h.version ?? '',
        incarnation: Number(h.incarnation ?? 0),
        advertise: h.advertise ?? '',
        last_heartbeat: h.heartbeat === undefined ? '' : new Date(Number(h.heartbeat)).toISOString(),
        lease_until: new Date(lease).toISOString(),
        self: name === this.options.name,
      })
    })
    return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  private setOffset (before: number, redisNow: number): void {
    if (!Number.isFinite(redisNow)) return
    this.offsetMs = redisNow - Math.round((before + Date.now()) / 2)
  }
}

/** HGETALL's flat [field, value, ...] reply as an object. */
function fields (reply: Reply): Record<string, string> {
  const out: Record<string, string> = {}
  if (!Array.isArray(reply)) return out
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1])
  return out
}
