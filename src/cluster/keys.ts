/**
 * The Redis keys of one cluster, all under `cluster.prefix` (docs/cluster.md, "Keys"), so that
 * several clusters can share one Redis.
 */
export class ClusterKeys {
  /** Sorted set: node name → lease deadline (Redis time, ms). */
  readonly nodes: string
  /** Counter: INCR at every join gives a node its incarnation. */
  readonly incarnation: string
  /** Stream: the changes every node applies (routes, nodes joining and leaving). */
  readonly log: string
  /** Hash: client id → `<node> <incarnation>` of the node holding its session. */
  readonly clients: string

  constructor (readonly prefix: string) {
    this.nodes = `${prefix}:nodes`
    this.incarnation = `${prefix}:incarnation`
    this.log = `${prefix}:log`
    this.clients = `${prefix}:clients`
  }

  /** Hash: what a node reports about itself (incarnation, pid, host, counts, rates, heartbeat). */
  node (name: string): string {
    return `${this.prefix}:node:${name}`
  }

  /** Hash: the distinct filters a node's subscribers hold (field = filter, value = '1'). */
  routes (name: string): string {
    return `${this.prefix}:routes:${name}`
  }

  /** Stream (consumer group `nodes`): messages and answers for a node. */
  inbox (name: string): string {
    return `${this.prefix}:inbox:${name}`
  }
}

/** The consumer group every inbox is read through. */
export const INBOX_GROUP = 'nodes'

/** Approximate length the change log is trimmed to (XADD MAXLEN ~). */
export const LOG_MAX_LENGTH = 100_000
