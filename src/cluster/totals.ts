/**
 * Cluster totals for `mqttctl state`, `mqttctl sys` and the `$SYS/broker/cluster/...` topics: the
 * nodes up, and the clients, subscriptions and message rates of the live nodes summed, all from
 * the node hashes each heartbeat writes (`Cluster.status()`: one read of Redis, no request to any
 * node), plus this node's cross-node counters (`Cluster.counters`).
 *
 * `ClusterTotalsCache.latest()` is synchronous for the `$SYS` publisher: it returns the last totals
 * read and starts a new read when they are older than a second.
 */
import { timeLimit } from './time-limit.js'
import type { Cluster, ClusterCounters } from './cluster.js'
import type { ClusterNode } from './membership.js'

/** What `state` shows under `cluster`. */
export interface ClusterTotals {
  /** Nodes known to Redis, and of those the live ones (up or leaving). */
  nodes: number
  nodes_up: number
  /** Over the live nodes, as of their last heartbeat. */
  clients: number
  subscriptions: number
  messages_in_per_s: number
  messages_out_per_s: number
  /** This node's messages handed to other nodes, received from them, dropped on the way (and duplicates dropped). */
  forwarded: number
  received: number
  dropped: number
  duplicates: number
}

/** Totals of `nodes` (as `Cluster.status()` gives them) with this node's `counters`. */
export function clusterTotals (nodes: readonly ClusterNode[], counters: ClusterCounters): ClusterTotals {
  const live = nodes.filter((n) => n.state !== 'down')
  const sum = (get: (n: ClusterNode) => number): number => live.reduce((total, n) => total + get(n), 0)
  return {
    nodes: nodes.length,
    nodes_up: live.length,
    clients: sum((n) => n.clients),
    subscriptions: sum((n) => n.subscriptions),
    messages_in_per_s: sum((n) => n.messages_in_per_s),
    messages_out_per_s: sum((n) => n.messages_out_per_s),
    ...countersOf(counters),
  }
}

/** The `$SYS/broker/` suffixes and values of the cluster totals. */
export function clusterSysValues (t: ClusterTotals): Record<string, number> {
  return {
    'cluster/nodes': t.nodes_up,
    'cluster/clients/connected': t.clients,
    'cluster/subscriptions/count': t.subscriptions,
    'cluster/publish/messages/received_per_s': t.messages_in_per_s,
    'cluster/publish/messages/sent_per_s': t.messages_out_per_s,
    'cluster/messages/forwarded': t.forwarded,
    'cluster/messages/received': t.received,
    'cluster/messages/dropped': t.dropped,
    'cluster/messages/duplicates': t.duplicates,
  }
}

const STALE_MS = 1000
/** How long `state` and `sys` wait for Redis before showing the last totals read. */
const READ_WAIT_MS = 1000

export class ClusterTotalsCache {
  private last: ClusterTotals | null = null
  private readAt = 0
  private reading: Promise<ClusterTotals> | null = null

  constructor (private readonly cluster: Cluster) {}

  /** Reads the totals now (one read shared by concurrent callers). */
  refresh (): Promise<ClusterTotals> {
    this.reading ??= this.cluster.status().then((nodes) => {
      this.last = clusterTotals(nodes, this.cluster.counters)
      this.readAt = Date.now()
      return this.last
    }).finally(() => { this.reading = null })
    return this.reading
  }

  /** Reads the totals now; when Redis does not answer within a second, the last ones read (null before any). */
  current (): Promise<ClusterTotals | null> {
    return timeLimit(this.refresh(), READ_WAIT_MS).catch(() => this.latest())
  }

  /**
   * The last totals read (null before the first read), with this node's counters as they are now;
   * a read starts in the background when they are older than a second.
   */
  latest (): ClusterTotals | null {
    if (Date.now() - this.readAt >= STALE_MS) this.refresh().catch(() => undefined)
    return this.last === null ? null : { ...this.last, ...countersOf(this.cluster.counters) }
  }
}

function countersOf (c: ClusterCounters): Pick<ClusterTotals, 'forwarded' | 'received' | 'dropped' | 'duplicates'> {
  return { forwarded: c.forwarded, received: c.received, dropped: c.dropped, duplicates: c.duplicates }
}
