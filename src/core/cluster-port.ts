/**
 * ClusterPort: what the engine asks of the cluster it is a node of, declared here and implemented
 * by src/cluster (as TraceHooks is by src/tracing). Null on a standalone broker, where none of
 * this costs anything.
 *
 * - Routes: the router reports each distinct filter (`$share/<group>/<filter>` for a shared one)
 *   that gains its first local subscriber or loses its last; the cluster mirrors them to the other
 *   nodes. `routesSettled()` is what a SUBACK waits for: every live node has applied the routes
 *   added so far, so a message published afterwards anywhere reaches the subscription.
 * - Durability: messages handed to other nodes count as changes; `flush()` resolves once they are
 *   in Redis. Engine.durableSince waits for it beside the store's flush, so a QoS 1/2 message is
 *   acknowledged only once every copy of it is safe.
 */
export interface ClusterPort {
  routeAdded (key: string): void
  routeRemoved (key: string): void
  /** Resolves once every live node has applied the routes added so far; null when none is pending. */
  routesSettled (): Promise<void> | null
  /** Grows with every QoS 1/2 message handed to another node. */
  readonly changeCount: number
  /** Resolves when every message handed to other nodes so far is in Redis. */
  flush (): Promise<void>
}
