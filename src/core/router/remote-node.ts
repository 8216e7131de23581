/**
 * RemoteNode: another broker node of a cluster, as the router sees it — one more kind of target
 * beside the local sessions. The router keeps a trie of the filters each remote node has
 * subscribers for (Router.addRemoteRoute) and, for a message published on this node, hands it
 * ONCE to every remote node with at least one matching filter (never once per subscriber there).
 * The receiving node matches the message against its own subscriptions again, so the trie only
 * has to be a superset of the remote subscriptions: a route removed a moment ago costs a wasted
 * copy, never a wrong delivery. A shared group with members on several nodes gets each message
once: on this node when it has an online member, otherwise on one of the nodes that has members
(in turn), named in the forwarded message. What `forward` does with the message (batch it per tick into the
 * node's inbox) belongs to the cluster layer that implements this interface.
 */
import type { Message } from '../../protocol/message.js'

export interface RemoteNode {
  /** The node's name (unique in the cluster). */
  readonly name: string
  /** Router scratch: the route() call that last forwarded to this node (one copy per message). */
  routeStamp: number
  /** Router scratch: shared groups (`<group>` NUL `<filter>`) this node is to give the message to. */
  routeGroups: string[] | null
  /**
   * Takes one message published on this node for the remote node's matching subscribers, and for
   * one member of each of `groups` (shared groups whose turn fell on this node), or null.
   */
  forward (msg: Message, now: number, groups: readonly string[] | null): void
}
