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
 * - Client ids: one session per client id cluster-wide. A CONNECT claims its id before attaching;
 *   when another node held it, that node has closed its connection and handed over the session
 *   (core/session/handover.ts). A session that ends here releases its id.
 */
import type { HandedSession } from './session/handover.js'

/** The outcome of claiming a client id for a CONNECT on this node. */
export type ClientClaim =
  /** No other node holds it: the usual local attach. */
  | { readonly kind: 'here' }
  /** Another node held it and let go; `session` is its persistent session to resume, or null. */
  | { readonly kind: 'moved'; readonly from: string; readonly session: HandedSession | null }
  /** Another node holds it for another user: refuse the CONNECT (nothing was taken over). */
  | { readonly kind: 'refused'; readonly from: string }

export interface ClusterPort {
  /** Claims `clientId` for a CONNECT here (see ClientClaim); rejects only on a bug, never for Redis being away. */
  claimClient (clientId: string, username: string | undefined, cleanStart: boolean): Promise<ClientClaim>
  /** The session of `clientId` ended here: its id is free (unless a new session took it meanwhile). */
  releaseClient (clientId: string): void
  routeAdded (key: string): void
  routeRemoved (key: string): void
  /** Resolves once every live node has applied the routes added so far; null when none is pending. */
  routesSettled (): Promise<void> | null
  /** Grows with every QoS 1/2 message handed to another node. */
  readonly changeCount: number
  /** Resolves when every message handed to other nodes so far is in Redis. */
  flush (): Promise<void>
}
