/**
 * Cluster: this broker as one node of a cluster on Redis (docs/cluster.md). It implements the
 * engine's ClusterPort and assembles the parts:
 *
 * - membership (cluster/membership.ts): join under a unique name, heartbeats, leave;
 * - routes (cluster/route-mirror.ts): this node's distinct filters, written per tick and announced
 *   in the change log, and the SUBACK barrier; here, the log tail that applies the other nodes'
 *   entries to the router's remote trie (and hands other kinds to onLog handlers);
 * - outboxes (cluster/outbox.ts): messages for other nodes, batched per tick into their inboxes;
 * - the inbox: batches from other nodes, read with XREADGROUP on a connection of its own, routed to
 *   local sessions, acknowledged (XACK, XDEL) once the local hand-off is durable; requests and
 *   answers (cluster/requests.ts), and entries for onInbox handlers;
 * - client ids (cluster/client-registry.ts): one session per client id cluster-wide.
 *
 * Nothing here runs on the publish path but the router's hand-off to an outbox (no Redis read).
 */
import { hostname } from 'node:os'
import type { ClusterConfig } from '../config/types.js'
import type { ClusterPort } from '../core/cluster-port.js'
import type { Engine } from '../core/engine.js'
import type { Logger } from '../log.js'
import { BrokerError } from '../protocol/errors.js'
import { redactUrl } from '../config/redact.js'
import { ClusterKeys, INBOX_GROUP, LOG_MAX_LENGTH } from './keys.js'
import { Membership, type NodeFigures, type ClusterNode } from './membership.js'
import { Outbox, type OutboxHost } from './outbox.js'
import { type RedisConnection, RedisLink, type Reply, isErrorReply } from './redis.js'
import { decodeBatch } from './wire.js'
import { type RequestHandler, Requests } from './requests.js'
import { waitAtMost } from './time-limit.js'
import { splitKeys, streamEntries } from './streams.js'
import { RouteMirror, type RouteMirrorHost } from './route-mirror.js'
import { ClientRegistry } from './client-registry.js'
import type { ClientClaim } from '../core/cluster-port.js'
import { ClusterTotalsCache } from './totals.js'

const READ_BLOCK_MS = 1000
const READ_COUNT = 256
const READ_RETRY_MS = 500

/** What the broker gives the cluster. */
export interface ClusterOptions {
  nodeName: string
  version: string
  /** Figures for the heartbeat (clients, subscriptions, rates, advertised address). */
  figures: () => NodeFigures
}

/** Applies a change-log entry of another node (`Cluster.onLog`): its fields as text, and its id. */
export type LogHandler = (fields: Readonly<Record<string, string>>, id: string) => void

/** Takes an inbox entry of another kind (`Cluster.onInbox`): its text fields, its `d` field as bytes. */
export type InboxHandler = (fields: Readonly<Record<string, string>>, data: Buffer | undefined) => void

/** Cross-node figures for `$SYS` and `state`, counted since start. */
export interface ClusterCounters {
  /** Messages handed to other nodes (one per node a message went to). */
  forwarded: number
  /** Messages received from other nodes. */
  received: number
  /** Messages for other nodes dropped: QoS 0 while Redis was away or slow, or for a node that left. */
  dropped: number
  /** Batches received twice (a resend after a lost reply) and dropped. */
  duplicates: number
}

export class Cluster implements ClusterPort, OutboxHost, RouteMirrorHost {
  readonly keys: ClusterKeys
  readonly link: RedisLink
  readonly membership: Membership
  readonly counters: ClusterCounters = { forwarded: 0, received: 0, dropped: 0, duplicates: 0 }
  /** Which node holds which client id (one session per id cluster-wide). */
  readonly clients: ClientRegistry
  /** Cluster totals for `state`, `sys` and `$SYS` (cluster/totals.ts). */
  readonly totals = new ClusterTotalsCache(this)
  changeCount = 0
  closing = false
  /** The promise flush() last made, and the outboxes' batch numbers it covers. */
  private flushing: Promise<void> | null = null
  private flushingKey = -1
  private readonly outboxes = new Map<string, Outbox>()
  /** This node's routes as the others see them, and the SUBACK barrier (cluster/route-mirror.ts). */
  private readonly routes: RouteMirror
  private scheduled = false
  /** Per sender `name/incarnation`: the highest batch sequence received (duplicates are dropped). */
  private readonly received = new Map<string, number>()
  private readonly logHandlers = new Map<string, LogHandler>()
  private readonly inboxHandlers = new Map<string, InboxHandler>()
  private readonly joinSteps: Array<(again: boolean) => Promise<void>> = []
  private readonly requests: Requests
  /** Where the log tail reads next; `logEpoch` changes when a rejoin moves it. */
  private logCursor = '0-0'
  private logEpoch = 0
  private logReader: RedisConnection | null = null
  private inboxReader: RedisConnection | null = null
  private readers: Promise<void>[] = []

  constructor (private readonly engine: Engine, private readonly config: ClusterConfig, private readonly options: ClusterOptions,
    private readonly log: Logger) {
    this.keys = new ClusterKeys(config.prefix)
    this.link = new RedisLink(config.redis, log)
    const membership = this.membership = new Membership(this.link, this.keys, {
      name: options.nodeName,
      host: hostname(),
      pid: process.pid,
      version: options.version,
      heartbeatMs: config.heartbeat * 1000,
      leaseMs: config.lease * 1000,
      figures: options.figures,
    }, log)
    this.requests = new Requests({
      selfName: options.nodeName,
      get incarnation () { return membership.incarnation },
      isPeer: (name) => this.outboxes.has(name),
      sendToInbox: (node, fields) => this.append(this.keys.inbox(node), fields),
    })
    this.clients = new ClientRegistry(this, engine, this.link, this.keys, log)
    this.routes = new RouteMirror(this, this.link, this.keys, config, log)
    this.membership.onLeases = (leases, now) => { this.leasesChanged(leases, now) }
    this.membership.onRejoined = () => this.rejoined()
  }

  get selfName (): string {
    return this.options.nodeName
  }

  get incarnation (): number {
    return this.membership.incarnation
  }

  get offsetMs (): number {
    return this.membership.offsetMs
  }

  /**
   * Connects to Redis, checks that it keeps every key, joins, and attaches to the engine (before
   * the engine restores its sessions: their routes are mirrored like any other).
   */
  async join (): Promise<void> {
    const where = redactUrl(this.config.redis)
    try {
      await this.link.connect()
    } catch (err) {
      await this.link.close()
      throw new BrokerError('BRK_ERR_CLUSTER_UNAVAILABLE', `cluster: Redis at ${where} cannot be reached: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
    try {
      await this.joinOn(where)
    } catch (err) {
      this.engine.cluster = null
      this.closing = true
      await Promise.all([this.logReader?.close(), this.inboxReader?.close(), this.link.close()])
      throw err
    }
  }

  private async joinOn (where: string): Promise<void> {
    const policy = await this.evictionPolicy()
    if (policy !== 'noeviction') {
      throw new BrokerError('BRK_ERR_CLUSTER_CONFIG', `cluster: Redis at ${where} has maxmemory-policy ${policy}, which may evict keys (routes, ` +
        'queued messages) without a word; set "maxmemory-policy noeviction" in redis.conf (or CONFIG SET maxmemory-policy noeviction)')
    }
    await this.membership.join()
    this.engine.cluster = this
    // From its own join entry on: what came before is in the routes hashes read now (read twice is harmless).
    this.logCursor = this.membership.joinedLogId
    await this.loadPeers()
    for (const step of this.joinSteps) await step(false)
    await this.ensureInboxGroup()
    this.logReader = await this.link.blocking()
    this.inboxReader = await this.link.blocking()
    this.readers = [this.tailLog(this.logReader), this.readInbox(this.inboxReader)]
    this.membership.start()
    this.log.info({ node: this.selfName, incarnation: this.incarnation, redis: where, peers: [...this.outboxes.keys()] }, 'joined the cluster')
  }

  private async evictionPolicy (): Promise<string> {
    const info = String(await this.link.command(['INFO', 'memory']))
    return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown'
  }

  /** Every live node's routes, read once at join (the log tail applies later changes). */
  private async loadPeers (): Promise<void> {
    const all = await this.link.command(['ZRANGE', this.keys.nodes, '0', '-1', 'WITHSCORES']) as string[]
    const now = this.membership.redisNow()
    const names: string[] = []
    for (let i = 0; i + 1 < all.length; i += 2) {
      const name = all[i] as string
      if (name !== this.selfName && Number(all[i + 1]) > now) names.push(name)
    }
    const hashes = await Promise.all(names.map((n) => Promise.all([
      this.link.command(['HGET', this.keys.node(n), 'incarnation']),
      this.link.command(['HKEYS', this.keys.routes(n)]),
    ])))
    names.forEach((name, i) => {
      const [incarnation, routes] = hashes[i] as [Reply, Reply]
      const node = this.peer(name, Number(incarnation ?? 0))
      for (const key of (routes ?? []) as string[]) this.engine.router.addRemoteRoute(key, node)
    })
  }

  private async ensureInboxGroup (): Promise<void> {
    try {
      await this.link.command(['XGROUP', 'CREATE', this.keys.inbox(this.selfName), INBOX_GROUP, '$', 'MKSTREAM'])
    } catch (err) {
      if (!(isErrorReply(err) && String((err as Error).message).startsWith('BUSYGROUP'))) throw err
    }
  }

  /** The outbox of peer `name` (a new one when its incarnation changed). */
  private peer (name: string, incarnation: number): Outbox {
    const known = this.outboxes.get(name)
    if (known !== undefined && known.incarnation === incarnation) return known
    if (known !== undefined) this.dropPeer(name)
    const box = new Outbox(name, incarnation, this.keys.inbox(name), this)
    this.outboxes.set(name, box)
    this.engine.router.addRemoteNode(box)
    return box
  }

  private dropPeer (name: string): void {
    const box = this.outboxes.get(name)
    if (box === undefined) return
    this.outboxes.delete(name)
    this.requests.nodeGone(name)
    this.engine.router.removeRemoteNode(name)
    box.discard()
    this.routes.forget(name)
  }

  // --- ClusterPort -------------------------------------------------------------------------

  routeAdded (key: string): void {
    this.routes.added1(key)
    this.schedule()
  }

  routeRemoved (key: string): void {
    this.routes.removed1(key)
    this.schedule()
  }

  claimClient (clientId: string, username: string | undefined, cleanStart: boolean): Promise<ClientClaim> {
    return this.clients.claim(clientId, username, cleanStart)
  }

  releaseClient (clientId: string): void {
    if (!this.closing) this.clients.release(clientId)
  }

  /** After the engine restored its stored sessions: those another node took meanwhile are forgotten. */
  reconcileSessions (): Promise<void> {
    return this.clients.reconcile()
  }

  routesSettled (): Promise<void> | null {
    return this.routes.settled()
  }

  /**
   * One promise serves every caller until a new batch opens in some outbox (every QoS 1/2 publish
   * of a tick asks, and most land in the same batches): no promise per message.
   */
  flush (): Promise<void> {
    let key = 0
    for (const box of this.outboxes.values()) key += box.batchSeq
    if (this.flushing !== null && key === this.flushingKey) return this.flushing
    const waits: Promise<void>[] = []
    for (const box of this.outboxes.values()) waits.push(box.settled())
    const flushing = Promise.all(waits).then(noop)
    this.flushing = flushing
    this.flushingKey = key
    void flushing.then(() => { if (this.flushing === flushing) this.flushing = null })
    return flushing
  }

  // --- OutboxHost ----------------------------------------------------------------------------

  schedule (): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => { this.tick() })
  }

  append (stream: string, fields: (string | Buffer)[]): Promise<unknown> {
    return this.link.command(['XADD', stream, '*', ...fields])
  }

  async backlog (stream: string): Promise<number> {
    return Number(await this.link.command(['XLEN', stream]))
  }

  /** As for a connection (`max_outgoing_bytes`), and at least 64 MiB: a node carries many clients' traffic. */
  get maxUnsentBytes (): number {
    return Math.max(this.engine.config.max_outgoing_bytes, 64 * 1024 * 1024)
  }

  durableChange (): void {
    this.changeCount++
  }

  dropped (messages: number): void {
    this.counters.dropped += messages
  }

  /** End of a tick: the route changes and every outbox's batches leave together. */
  private tick (): void {
    this.scheduled = false
    if (this.routes.pending) this.routes.write()
    for (const box of this.outboxes.values()) box.flush()
  }

  // --- the change log ------------------------------------------------------------------------

  private async tailLog (reader: RedisConnection): Promise<void> {
    while (!this.closing) {
      const epoch = this.logEpoch
      let reply: Reply
      try {
        reply = await reader.command(['XREAD', 'COUNT', String(READ_COUNT), 'BLOCK', String(READ_BLOCK_MS), 'STREAMS', this.keys.log, this.logCursor])
      } catch (err) {
        if (this.closing) return
        await this.pauseAfter(err, 'log')
        continue
      }
      if (epoch !== this.logEpoch) continue // a rejoin moved the cursor meanwhile
      let last = this.logCursor
      const entries = streamEntries(reply)
      const answer = new Set<string>()
      for (const [id, f] of entries) {
        last = id
        if (f.n === this.selfName) continue
        this.applyLogEntry(id, f)
        if (f.b === '1' && f.n !== undefined) answer.add(f.n)
      }
      this.logCursor = last
      for (const origin of answer) {
        void this.append(this.keys.inbox(origin), ['k', 'applied', 'n', this.selfName, 'u', last]).catch(() => undefined)
      }
      if (entries.length > 0) this.routes.check()
    }
  }

  private applyLogEntry (id: string, f: Record<string, string>): void {
    const name = f.n ?? ''
    const incarnation = Number(f.i ?? 0)
    switch (f.k) {
      case 'join':
        for (const sender of [...this.received.keys()]) if (sender.startsWith(`${name}/`)) this.received.delete(sender)
        this.dropPeer(name)
        this.peer(name, incarnation)
        this.routes.joined(name, id)
        break
      case 'leave':
        if (this.outboxes.get(name)?.incarnation === incarnation) this.dropPeer(name)
        break
      case 'route': {
        const node = this.outboxes.get(name)
        if (node === undefined || node.incarnation !== incarnation) break
        for (const key of splitKeys(f.a)) this.engine.router.addRemoteRoute(key, node)
        for (const key of splitKeys(f.r)) this.engine.router.removeRemoteRoute(key, node)
        break
      }
      default: {
        const handler = f.k === undefined ? undefined : this.logHandlers.get(f.k)
        if (handler === undefined) break
        try {
          handler(f, id)
        } catch (err) {
          this.log.error({ kind: f.k, from: name, reason: err instanceof Error ? err.message : String(err) }, 'cluster: a change-log entry could not be applied')
        }
      }
    }
  }

  // --- the inbox -----------------------------------------------------------------------------

  private async readInbox (reader: RedisConnection): Promise<void> {
    const stream = this.keys.inbox(this.selfName)
    // Entries read by an earlier incarnation of this node but never acknowledged come first.
    let cursor = '0-0'
    while (!this.closing) {
      let reply: Reply
      try {
        reply = await reader.command(['XREADGROUP', 'GROUP', INBOX_GROUP, this.selfName, 'COUNT', String(READ_COUNT),
          'BLOCK', String(READ_BLOCK_MS), 'STREAMS', stream, cursor])
      } catch (err) {
        if (this.closing) return
        if (isErrorReply(err) && String((err as Error).message).startsWith('NOGROUP')) {
          // Redis lost the stream (restarted without its data): make it again, read from the start
          await this.ensureInboxGroup().catch(() => undefined)
          cursor = '0-0'
          continue
        }
        await this.pauseAfter(err, 'inbox')
        continue
      }
      const entries = streamEntries(reply, true)
      if (cursor !== '>') cursor = entries.length === 0 ? '>' : String(entries[entries.length - 1]?.[0])
      if (entries.length === 0) continue
      const mark = this.engine.durabilityMark()
      const ids: string[] = []
      for (const [id, f, d] of entries) {
        ids.push(id)
        if (f.k === 'msgs') this.deliverBatch(f, d)
        else if (f.k === 'applied' && f.n !== undefined && f.u !== undefined) this.routes.appliedBy(f.n, f.u)
        else if (f.k === 'req') void this.requests.answer(f)
        else if (f.k === 'res') this.requests.answered(f)
        else this.dispatchInbox(f, d)
      }
      const durable = this.engine.durableSince(mark)
      const ack = (): void => {
        void this.link.command(['XACK', stream, INBOX_GROUP, ...ids]).then(() => this.link.command(['XDEL', stream, ...ids])).catch(() => undefined)
      }
      if (durable === null) ack()
      else void durable.then(ack, () => undefined)
    }
  }

  private deliverBatch (f: Record<string, string>, data: Buffer | undefined): void {
    if (data === undefined) return
    const sender = `${f.n ?? ''}/${f.i ?? ''}`
    const seq = Number(f.s ?? 0)
    const seen = this.received.get(sender) ?? 0
    if (seq <= seen) {
      this.counters.duplicates++
      return
    }
    this.received.set(sender, seq)
    const now = Date.now()
    let batch
    try {
      batch = decodeBatch(data, this.membership.offsetMs, now)
    } catch (err) {
      this.log.error({ from: f.n, reason: err instanceof Error ? err.message : String(err) }, 'cluster: a forwarded batch does not decode; dropped')
      return
    }
    for (const { msg, groups } of batch) this.engine.deliverFromNode(msg, now, groups)
    this.counters.received += batch.length
  }

  private async pauseAfter (err: unknown, what: string): Promise<void> {
    this.log.debug({ reason: err instanceof Error ? err.message : String(err) }, `cluster: ${what} read failed, retrying`)
    await new Promise((resolve) => setTimeout(resolve, READ_RETRY_MS))
  }

  // --- requests between nodes and the change log, for the other parts of the cluster -----------

  /** Answers requests `method` from other nodes with `handler` (one handler per method; cluster/requests.ts). */
  serve (method: string, handler: RequestHandler): void {
    this.requests.serve(method, handler)
  }

  /**
   * Asks node `node` (`method` with JSON `params`) through its inbox and resolves with its answer;
   * rejects with ClusterRequestError when the node is not live, its handler failed, or it does not
   * answer within `timeoutMs`.
   */
  request (node: string, method: string, params: unknown, timeoutMs = 5000): Promise<unknown> {
    return this.requests.request(node, method, params, timeoutMs)
  }

  /** The names of the live nodes other than this one. */
  peers (): string[] {
    return [...this.outboxes.keys()]
  }

  /** Applies change-log entries of kind `kind` written by other nodes (`appendLog`) with `handler`. */
  onLog (kind: string, handler: LogHandler): void {
    this.logHandlers.set(kind, handler)
  }

  /** Appends an entry of kind `kind` with `fields` to the change log every node tails; resolves with its id. */
  async appendLog (kind: string, fields: readonly string[]): Promise<string> {
    return String(await this.link.command(['XADD', this.keys.log, 'MAXLEN', '~', String(LOG_MAX_LENGTH), '*',
      'k', kind, 'n', this.selfName, 'i', String(this.incarnation), ...fields]))
  }

  /**
   * Runs `step` at every join, once the log position is noted and the node has joined, before the
   * log tail starts (entries from the noted position on are applied afterwards, even those `step`
   * saw); and again (`again` true) after a rejoin, whose log position skips what came meanwhile.
   */
  onJoin (step: (again: boolean) => Promise<void>): void {
    this.joinSteps.push(step)
  }

  /** Takes inbox entries of kind `kind` (sent with `sendTo`) with `handler`. */
  onInbox (kind: string, handler: InboxHandler): void {
    this.inboxHandlers.set(kind, handler)
  }

  /**
   * Appends an entry of kind `kind` to node `node`'s inbox (fields as name/value pairs, `data` as
   * the binary field `d`); fire and forget: rejects only when Redis does not take it.
   */
  async sendTo (node: string, kind: string, fields: readonly string[], data?: Buffer): Promise<void> {
    await this.append(this.keys.inbox(node), ['k', kind, 'n', this.selfName, 'i', String(this.incarnation), ...fields, ...(data === undefined ? [] : ['d', data])])
  }

  private dispatchInbox (f: Record<string, string>, data: Buffer | undefined): void {
    const handler = f.k === undefined ? undefined : this.inboxHandlers.get(f.k)
    if (handler === undefined) return
    try {
      handler(f, data)
    } catch (err) {
      this.log.error({ kind: f.k, from: f.n, reason: err instanceof Error ? err.message : String(err) }, 'cluster: an inbox entry could not be handled')
    }
  }

  // --- membership events ---------------------------------------------------------------------

  /** After a heartbeat: peers whose lease ran out are down (no messages sent into a void). */
  private leasesChanged (leases: ReadonlyMap<string, number>, now: number): void {
    for (const name of [...this.outboxes.keys()]) {
      const lease = leases.get(name)
      if (lease === undefined || lease < now) {
        this.log.warn({ node: name }, 'cluster: a node is down (its lease ran out)')
        this.dropPeer(name)
      }
    }
    this.routes.check()
  }

  /** This node joined again under a new incarnation: its routes are written again in full. */
  private async rejoined (): Promise<void> {
    this.received.clear()
    this.logEpoch++
    this.logCursor = this.membership.joinedLogId
    for (const name of [...this.outboxes.keys()]) this.dropPeer(name)
    try {
      await this.loadPeers()
      for (const step of this.joinSteps) await step(true)
      await this.ensureInboxGroup()
    } catch (err) {
      this.log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'cluster: after rejoining, the other nodes could not be read; the change log brings them')
    }
    this.routes.rewriteAll(this.engine.router.localRouteKeys())
    this.schedule()
  }

  // --- operators -----------------------------------------------------------------------------

  status (): Promise<ClusterNode[]> {
    return this.membership.status()
  }

  /** Leaves the cluster (after the engine has closed its connections) and closes the connections to Redis. */
  async leave (): Promise<void> {
    await this.membership.markLeaving()
    await waitAtMost(this.flush(), 2000)
    this.closing = true
    await this.routes.close()
    await this.membership.leave()
    await Promise.all([this.logReader?.close(), this.inboxReader?.close()])
    await Promise.allSettled(this.readers)
    await this.link.close()
    this.requests.close()
  }
}

function noop (): void {}
