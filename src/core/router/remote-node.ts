/**
 * RemoteNode: another broker node of a cluster, as the router sees it — one more kind of target
 * beside the local sessions. The router keeps a trie of the filters each remote node has
 * subscribers for (Router.addRemoteRoute) and, for a message published on this node, hands it
 * ONCE to every remote node with at least one matching filter (never once per subscriber there).
 * The receiving node matches the message against its own subscriptions again, so the trie only
 * has to be a superset of the remote subscriptions: a route removed a moment ago costs a wasted
 * copy, never a wrong delivery. What `forward` does with the message (batch it per tick into the
 * node's inbox) belongs to the cluster layer that implements this interface.
 */
import type { Message } from '../../protocol/message.js'

export interface RemoteNode {
  /** The node's name (unique in the cluster). */
  readonly name: string
  /** Router scratch: the route() call that last forwarded to this node (one copy per message). */
  routeStamp: number
  /** Takes one message published on this node for the remote node's matching subscribers. */
  forward (msg: Message, now: number): void
}
