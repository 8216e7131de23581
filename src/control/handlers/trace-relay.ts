/**
 * Traces across the nodes of a cluster: a `trace.start` on node A follows its clients and topics
 * on every node. A asks each live node (and each node that joins while the trace runs) to start
 * the same trace locally (inbox entry `trace.open`); that node runs it on its own Tracer with the
 * same function as a local trace (`startLocalTrace`) and streams the events back into A's inbox
 * (`trace.events`: JSON lines, batched per tick, at most BATCH_EVENTS per entry). A ends them with
 * `trace.close` when its trace stops; a node also ends a remote trace on its own once A is no
 * longer a live node (checked every second), so a requesting node that dies leaves nothing behind.
 *
 * Each event carries `node`, the node whose connection the packet passed through; the events are
 * otherwise exactly those of a local trace. A serving node holds at most PENDING_MAX events per
 * trace while Redis takes them; more are dropped (counted, logged once per trace), as the control
 * stream drops events of a slow reader.
 */
import type { Cluster } from '../../cluster/cluster.js'
import type { Logger } from '../../log.js'
import type { TraceSelectors } from '../../tracing/filters.js'
import { parseTraceSelectors } from '../../tracing/filters.js'
import type { TraceEvent, Tracer } from '../../tracing/tracer.js'

const BATCH_EVENTS = 256
const PENDING_MAX = 10_000
const CHECK_MS = 1000

/** Starts a trace on this node's Tracer (for the control socket and for another node alike). */
export function startLocalTrace (tracer: Tracer, log: Logger, selectors: TraceSelectors, emit: (event: TraceEvent) => void, from?: string): () => void {
  const stop = tracer.start({ ...selectors, emit })
  const who = from === undefined ? {} : { for_node: from }
  log.info({ clients: selectors.clients, topics: selectors.topics, payload: selectors.payload, ...who }, 'trace started')
  return () => {
    stop()
    log.info({ clients: selectors.clients, topics: selectors.topics, ...who }, 'trace stopped')
  }
}

/** A trace this node runs for another node. */
interface ServedTrace {
  readonly origin: string
  readonly stop: () => void
  pending: TraceEvent[]
  scheduled: boolean
  dropped: number
}

/** A trace of this node that other nodes run too. */
interface FollowedTrace {
  readonly selectors: string
  readonly emit: (event: TraceEvent) => void
  /** Nodes asked to run it. */
  readonly asked: Set<string>
}

export class TraceRelay {
  private readonly served = new Map<string, ServedTrace>()
  private readonly followed = new Map<string, FollowedTrace>()
  private seq = 0
  private timer: NodeJS.Timeout | null = null

  constructor (private readonly cluster: Cluster, private readonly tracer: Tracer, private readonly log: Logger) {
    cluster.onInbox('trace.open', (f) => { this.open(f) })
    cluster.onInbox('trace.close', (f) => { if (f.t !== undefined) this.served.get(f.t)?.stop() })
    cluster.onInbox('trace.events', (f, data) => { this.received(f, data) })
  }

  /** Runs `selectors` on every other node too; their events go to `emit` with their `node`. Returns the stop function. */
  follow (selectors: TraceSelectors, emit: (event: TraceEvent) => void): () => void {
    const id = `${this.cluster.selfName}.${this.cluster.incarnation}.${++this.seq}`
    const trace: FollowedTrace = { selectors: JSON.stringify(selectors), emit, asked: new Set() }
    this.followed.set(id, trace)
    this.askPeers(id, trace)
    this.watch()
    return () => {
      if (!this.followed.delete(id)) return
      for (const node of trace.asked) void this.cluster.sendTo(node, 'trace.close', ['t', id]).catch(() => undefined)
      this.unwatch()
    }
  }

  /** Asks the live nodes not asked yet (every node at the start, later the ones that joined). */
  private askPeers (id: string, trace: FollowedTrace): void {
    for (const node of this.cluster.peers()) {
      if (trace.asked.has(node)) continue
      trace.asked.add(node)
      this.cluster.sendTo(node, 'trace.open', ['t', id, 's', trace.selectors]).catch(() => { trace.asked.delete(node) })
    }
    for (const node of trace.asked) if (!this.cluster.peers().includes(node)) trace.asked.delete(node)
  }

  private received (f: Readonly<Record<string, string>>, data: Buffer | undefined): void {
    const trace = f.t === undefined ? undefined : this.followed.get(f.t)
    if (trace === undefined || data === undefined) return
    for (const line of data.toString('utf8').split('\n')) {
      if (line !== '') trace.emit(JSON.parse(line) as TraceEvent)
    }
  }

  /** Another node's `trace.open`: the same trace here, its events sent back. */
  private open (f: Readonly<Record<string, string>>): void {
    const id = f.t
    const origin = f.n
    if (id === undefined || origin === undefined || this.served.has(id)) return
    const selectors = parseTraceSelectors(JSON.parse(f.s ?? '{}') as Record<string, unknown>)
    const node = this.cluster.selfName
    let stopLocal = (): void => {}
    const served: ServedTrace = {
      origin,
      pending: [],
      scheduled: false,
      dropped: 0,
      stop: () => {
        if (this.served.get(id) !== served) return
        this.served.delete(id)
        stopLocal()
        this.flush(id, served)
        if (served.dropped > 0) this.log.warn({ for_node: origin, dropped: served.dropped }, 'trace for another node: events dropped while Redis was slow to take them')
        this.unwatch()
      },
    }
    this.served.set(id, served)
    stopLocal = startLocalTrace(this.tracer, this.log, selectors, (event) => {
      if (served.pending.length >= PENDING_MAX) {
        served.dropped++
        return
      }
      served.pending.push({ ...event, node })
      if (served.scheduled) return
      served.scheduled = true
      setImmediate(() => { this.flush(id, served) })
    }, origin)
    this.watch()
  }

  /** Sends what a served trace holds to its origin, BATCH_EVENTS per inbox entry. */
  private flush (id: string, served: ServedTrace): void {
    served.scheduled = false
    while (served.pending.length > 0) {
      const batch = served.pending.splice(0, BATCH_EVENTS)
      const data = Buffer.from(batch.map((e) => JSON.stringify(e)).join('\n'))
      this.cluster.sendTo(served.origin, 'trace.events', ['t', id], data).catch(() => { served.dropped += batch.length })
    }
  }

  /** Every second while traces run: ask nodes that joined, end served traces whose origin left. */
  private watch (): void {
    if (this.timer !== null) return
    this.timer = setInterval(() => {
      const live = new Set(this.cluster.peers())
      for (const served of [...this.served.values()]) if (!live.has(served.origin)) served.stop()
      for (const [id, trace] of this.followed) this.askPeers(id, trace)
      this.unwatch()
    }, CHECK_MS)
    this.timer.unref()
  }

  private unwatch (): void {
    if (this.timer === null || this.served.size > 0 || this.followed.size > 0) return
    clearInterval(this.timer)
    this.timer = null
  }
}
