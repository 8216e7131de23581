/**
 * Router: from a published topic to the sessions that receive it (MQTT 5.0 §4.7, §4.8).
 *
 * Two tries (router/topic-tree.ts): ordinary subscriptions keyed by client id, and shared
 * subscriptions keyed by share group, one SharedGroup per (group, filter).
 *
 * `route()` is synchronous and allocation-light:
 * 1. every ordinary subscription that matches is merged per session through scratch fields on the
 *    Session (no Map per message): overlapping subscriptions yield ONE delivery at the highest
 *    granted QoS carrying every Subscription Identifier [MQTT-3.3.4-2], [MQTT-3.3.4-3]; No Local
 *    skips the publisher's own subscriptions [MQTT-3.8.3-3]; the RETAIN flag is kept only with
 *    Retain As Published [MQTT-3.3.1-12], [MQTT-3.3.1-13];
 * 2. each matching shared group delivers to ONE member, round-robin over the online members
 *    (an offline persistent member gets it queued only when no member is online; MQTT 5.0 §4.8.2);
 * Topic rules (src/auth) are checked per receiving session, in both tries and for direct messages,
 * through `engine.canDeliver` (a flag test while no rule exists): a wildcard that spans topics the
 * subscriber may not read never carries them, and a share group skips members that may not.
 * 3. every match is handed to its session (Session.deliverRouted), which decides how it goes out;
 *    the router never touches a connection. QoS 0 deliveries that need no per-connection
 *    properties share one encoded Buffer per protocol flavour and RETAIN value;
 * 4. in a cluster, a message published on this node is handed once to every remote node that has
 *    a matching filter (router/remote-node.ts); a message that came from another node is routed
 *    to this node's sessions only (`routeFromNode`), so no message travels twice; a shared group
 *    gets each message once cluster-wide (a member here when one is online, else a node in turn).
 * Cost: the trie walk (depth × matching branches) plus one step per matched subscription; the
 * remote trie is walked only while it holds routes.
 */
import type { QoS } from '../../protocol/packets.js'
import type { Engine } from '../engine.js'
import type { Message } from '../../protocol/message.js'
import type { Session, SharedEncodings } from '../session/session.js'
import type { RemoteNode } from './remote-node.js'
import type { Subscription } from './subscription.js'
import { TopicTree } from './topic-tree.js'

/** The members of one `$share/<group>/<filter>` and the round-robin cursor. */
export interface SharedGroup {
  readonly group: string
  readonly topicFilter: string
  readonly members: Subscription[]
  next: number
  /** The route() call that gave the message to a member here (remote nodes then get none). */
  pickedStamp: number
}

/** The remote nodes with members of one `$share/<group>/<filter>`, and the cursor over them. */
interface RemoteShareGroup {
  readonly group: string
  readonly topicFilter: string
  readonly nodes: RemoteNode[]
  next: number
}

const SHARE_PREFIX = '$share/'

/** The route key of a shared group as the cluster mirrors it: `$share/<group>/<filter>`. */
export function shareKey (group: string, filter: string): string {
  return `${SHARE_PREFIX}${group}/${filter}`
}

const DIRECT_PREFIX = '$direct/'

export class Router {
  private readonly ordinary = new TopicTree<Subscription>()
  private readonly shared = new TopicTree<SharedGroup>()
  /** Filters of the remote nodes' subscribers, keyed by node name. */
  private readonly remote = new TopicTree<RemoteNode>()
  /** Shared groups with members on remote nodes, keyed by group. */
  private readonly remoteShared = new TopicTree<RemoteShareGroup>()
  private readonly remotePicks: RemoteNode[] = []
  /** Every remote node, routes or not (a direct message for a client not here goes to them). */
  private readonly remoteNodes = new Map<string, RemoteNode>()
  private localStamp = 0
  private stamp = 0
  // Per-route scratch, reused across calls.
  private readonly matched: Session[] = []
  private readonly sharedPicks: Subscription[] = []
  /** QoS 0 encodings of the message being routed, shared by its subscribers (Session.deliverRouted). */
  private readonly sharedEncodings: SharedEncodings = [undefined, undefined, undefined, undefined]
  private current: Message | null = null

  constructor (private readonly engine: Engine) {}

  /** Number of subscriptions (ordinary + shared members). */
  get subscriptionCount (): number {
    return this.ordinary.size + this.sharedSubscriptionCount
  }

  /** Number of shared-subscription members over all groups. */
  get sharedSubscriptionCount (): number {
    let n = 0
    for (const [, , group] of this.shared.entries()) n += group.members.length
    return n
  }

  /** Distinct topic filters subscribed to (ordinary and shared). */
  get filterCount (): number {
    return this.ordinary.filterCount + this.shared.filterCount
  }

  /** Adds or replaces a subscription. True when it did not exist before. */
  add (sub: Subscription): boolean {
    const cluster = this.engine.cluster
    if (sub.shareGroup === null) {
      const filters = this.ordinary.filterCount
      const added = this.ordinary.add(sub.topicFilter, sub.clientId, sub)
      if (cluster !== null && this.ordinary.filterCount > filters) cluster.routeAdded(sub.topicFilter)
      return added
    }
    let group = this.shared.get(sub.topicFilter, sub.shareGroup)
    if (group === undefined) {
      group = { group: sub.shareGroup, topicFilter: sub.topicFilter, members: [], next: 0, pickedStamp: 0 }
      this.shared.add(sub.topicFilter, sub.shareGroup, group)
      cluster?.routeAdded(shareKey(sub.shareGroup, sub.topicFilter))
    }
    const i = group.members.findIndex((m) => m.clientId === sub.clientId)
    if (i >= 0) {
      group.members[i] = sub
      return false
    }
    group.members.push(sub)
    return true
  }

  /** Removes a subscription; true when it existed. */
  remove (sub: Subscription): boolean {
    const cluster = this.engine.cluster
    if (sub.shareGroup === null) {
      const filters = this.ordinary.filterCount
      const removed = this.ordinary.remove(sub.topicFilter, sub.clientId) !== undefined
      if (cluster !== null && this.ordinary.filterCount < filters) cluster.routeRemoved(sub.topicFilter)
      return removed
    }
    const group = this.shared.get(sub.topicFilter, sub.shareGroup)
    if (group === undefined) return false
    const i = group.members.findIndex((m) => m.clientId === sub.clientId)
    if (i < 0) return false
    group.members.splice(i, 1)
    if (group.members.length === 0) {
      this.shared.remove(sub.topicFilter, sub.shareGroup)
      cluster?.routeRemoved(shareKey(sub.shareGroup, sub.topicFilter))
    } else if (group.next >= group.members.length) group.next = 0
    return true
  }

  /** Every distinct local route key: ordinary filters and `$share/<group>/<filter>` (what the cluster mirrors). */
  localRouteKeys (): string[] {
    const keys = new Set<string>()
    for (const [filter] of this.ordinary.entries()) keys.add(filter)
    for (const [filter, group] of this.shared.entries()) keys.add(shareKey(group, filter))
    return [...keys]
  }

  /** Number of (route key, remote node) routes. */
  get remoteRouteCount (): number {
    let n = this.remote.size
    for (const [, , group] of this.remoteShared.entries()) n += group.nodes.length
    return n
  }

  /** `node` has subscribers for `key` (a filter, or `$share/<group>/<filter>`); true when new. */
  addRemoteRoute (key: string, node: RemoteNode): boolean {
    const share = parseShareKey(key)
    if (share === null) return this.remote.add(key, node.name, node)
    let group = this.remoteShared.get(share.filter, share.group)
    if (group === undefined) {
      group = { group: share.group, topicFilter: share.filter, nodes: [], next: 0 }
      this.remoteShared.add(share.filter, share.group, group)
    }
    if (group.nodes.includes(node)) return false
    group.nodes.push(node)
    return true
  }

  /** `node` has no subscriber for `key` any more; true when the route existed. */
  removeRemoteRoute (key: string, node: RemoteNode): boolean {
    const share = parseShareKey(key)
    if (share === null) return this.remote.remove(key, node.name) !== undefined
    const group = this.remoteShared.get(share.filter, share.group)
    const i = group === undefined ? -1 : group.nodes.indexOf(node)
    if (group === undefined || i < 0) return false
    group.nodes.splice(i, 1)
    if (group.nodes.length === 0) this.remoteShared.remove(share.filter, share.group)
    else if (group.next >= group.nodes.length) group.next = 0
    return true
  }

  /** `node` is another live node of the cluster. */
  addRemoteNode (node: RemoteNode): void {
    this.remoteNodes.set(node.name, node)
  }

  /** Forgets the node named `name` and every route of it (it left the cluster); returns how many routes there were. */
  removeRemoteNode (name: string): number {
    this.remoteNodes.delete(name)
    const filters: string[] = []
    for (const [filter, key] of this.remote.entries()) if (key === name) filters.push(filter)
    for (const filter of filters) this.remote.remove(filter, name)
    let n = filters.length
    for (const [, , group] of [...this.remoteShared.entries()]) {
      const node = group.nodes.find((x) => x.name === name)
      if (node !== undefined && this.removeRemoteRoute(shareKey(group.group, group.topicFilter), node)) n++
    }
    return n
  }

  /** The remote nodes a message on `topic` would be forwarded to (for tools and tests). */
  remoteNodesOf (topic: string): string[] {
    const names = new Set<string>()
    this.remote.match(topic, (node) => { names.add(node.name) })
    return [...names]
  }

  /** Every ordinary subscription that would receive a publish to `topic` (for tools and tests). */
  subscribersOf (topic: string): Subscription[] {
    const out: Subscription[] = []
    this.ordinary.match(topic, (sub) => { out.push(sub) })
    this.shared.match(topic, (group) => { out.push(...group.members) })
    return out
  }

  /** True when `topic` addresses one client directly (`$direct/<client id>` with direct_messaging on). */
  isDirect (topic: string): boolean {
    return this.engine.config.direct_messaging && topic.startsWith(DIRECT_PREFIX)
  }

  /**
   * Routes `msg`, published on this node, to every matching session and to every remote node with
   * a matching filter. Returns the number of sessions and remote nodes it was handed to. A direct
   * message goes to its addressee only, not to subscriptions matching `$direct/...`.
   */
  route (msg: Message, now: number): number {
    if (this.isDirect(msg.topic)) return this.routeDirect(msg, now)
    const stamp = ++this.stamp
    this.localStamp = stamp
    this.current = msg
    this.ordinary.match(msg.topic, this.visitOrdinary)
    this.shared.match(msg.topic, this.visitShared)
    this.current = null
    let delivered = this.deliverMatched(msg, now, stamp)
    if (this.remote.size > 0 || this.remoteShared.size > 0) delivered += this.routeRemote(msg, now)
    return delivered
  }

  /**
   * Routes a message that another node published: to this node's ordinary subscribers, and to one
   * member of each shared group in `groups` (`<group>` NUL `<filter>`, the groups whose turn fell on this
   * node); never to remote nodes again. Returns the number of sessions it was delivered to.
   */
  routeFromNode (msg: Message, now: number, groups: readonly string[] | null): number {
    if (this.isDirect(msg.topic)) return this.routeDirect(msg, now, false)
    const stamp = ++this.stamp
    this.localStamp = stamp
    this.current = msg
    this.ordinary.match(msg.topic, this.visitOrdinary)
    if (groups !== null) {
      for (const key of groups) {
        const cut = key.indexOf('\u0000')
        const group = this.shared.get(key.slice(cut + 1), key.slice(0, cut))
        if (group !== undefined) this.pickMember(group, msg.topic, true)
      }
    }
    this.current = null
    return this.deliverMatched(msg, now, stamp)
  }

  /** Hands the message to the sessions and shared members gathered by the trie walks. */
  private deliverMatched (msg: Message, now: number, stamp: number): number {
    const matched = this.matched
    const picks = this.sharedPicks

    let delivered = 0
    const shared = this.sharedEncodings
    for (let i = 0; i < matched.length; i++) {
      const session = matched[i]
      matched[i] = undefined as unknown as Session
      if (session.routeStamp !== stamp) continue
      // [MQTT-3.3.1-9] for v3 the RETAIN flag of forwarded messages is always 0 (routeRetain is false).
      if (session.deliverRouted(msg, session.routeQos, session.routeRetain, session.routeSubIds, now, shared)) delivered++
    }
    matched.length = 0
    shared[0] = shared[1] = shared[2] = shared[3] = undefined
    for (let i = 0; i < picks.length; i++) {
      const sub = picks[i]
      const qos = (msg.qos < sub.qos ? msg.qos : sub.qos) as QoS
      const retain = sub.retainAsPublished && msg.retain
      if (sub.session.deliver(msg, qos, retain, sub.subscriptionId === 0 ? null : [sub.subscriptionId], now)) delivered++
    }
    picks.length = 0
    return delivered
  }

  /**
   * Hands `msg` once to every remote node with at least one matching filter, and to one node of
   * each matching shared group that had no online member here, in turn over the group's nodes.
   */
  private routeRemote (msg: Message, now: number): number {
    ++this.stamp
    this.current = msg
    if (this.remoteShared.size > 0) this.remoteShared.match(msg.topic, this.visitRemoteShared)
    this.remote.match(msg.topic, this.visitRemote)
    this.current = null
    const picks = this.remotePicks
    for (let i = 0; i < picks.length; i++) {
      const node = picks[i]
      const groups = node.routeGroups
      node.routeGroups = null
      node.forward(msg, now, groups)
    }
    const handed = picks.length
    picks.length = 0
    return handed
  }

  private readonly visitRemote = (node: RemoteNode): void => {
    if (node.routeStamp === this.stamp) return
    node.routeStamp = this.stamp
    this.remotePicks.push(node)
  }

  private readonly visitRemoteShared = (group: RemoteShareGroup): void => {
    const local = this.shared.get(group.topicFilter, group.group)
    if (local !== undefined && local.pickedStamp === this.localStamp) return // a member here has it
    const node = group.nodes[group.next % group.nodes.length]
    group.next = (group.next + 1) % group.nodes.length
    ;(node.routeGroups ??= []).push(`${group.group}\u0000${group.topicFilter}`)
    if (node.routeStamp !== this.stamp) {
      node.routeStamp = this.stamp
      this.remotePicks.push(node)
    }
  }

  private readonly visitOrdinary = (sub: Subscription): void => {
    const msg = this.current as Message
    if (sub.noLocal && msg.origin === sub.clientId) return // [MQTT-3.8.3-3]
    const session = sub.session
    if (session.routeStamp !== this.stamp && !this.engine.canDeliver(session, msg.topic)) return
    const qos = (msg.qos < sub.qos ? msg.qos : sub.qos) as QoS // [MQTT-3.8.4-8] min(published, granted)
    const retain = sub.retainAsPublished && msg.retain
    if (session.routeStamp !== this.stamp) {
      session.routeStamp = this.stamp
      session.routeQos = qos
      session.routeRetain = retain
      session.routeSubIds = sub.subscriptionId === 0 ? null : [sub.subscriptionId]
      this.matched.push(session)
      return
    }
    if (qos > session.routeQos) session.routeQos = qos
    if (retain) session.routeRetain = true
    if (sub.subscriptionId !== 0) (session.routeSubIds ??= []).push(sub.subscriptionId)
  }

  private readonly visitShared = (group: SharedGroup): void => {
    // With members on other nodes too, an offline member here waits: an online one there may take it.
    const queueOffline = this.remoteShared.size === 0 || this.remoteShared.get(group.topicFilter, group.group) === undefined
    this.pickMember(group, (this.current as Message).topic, queueOffline)
  }

  /** Picks one member of `group`: the next online one in turn, else (with `queueOffline`) the next persistent one. */
  private pickMember (group: SharedGroup, topic: string, queueOffline: boolean): void {
    const members = group.members
    const n = members.length
    let offline = -1
    for (let k = 0; k < n; k++) {
      const i = (group.next + k) % n
      const session = members[i].session
      if (!this.engine.canDeliver(session, topic)) continue
      if (session.online) {
        group.next = (i + 1) % n
        group.pickedStamp = this.localStamp
        this.sharedPicks.push(members[i])
        return
      }
      if (offline < 0) offline = i
    }
    // Nobody online: queue on the next persistent member in turn (QoS 0 to an offline session is lost).
    if (offline < 0 || !queueOffline) return
    group.next = (offline + 1) % n
    group.pickedStamp = this.localStamp
    this.sharedPicks.push(members[offline])
  }

  /**
   * A direct message goes to its addressee's session here; when no session here has that client
   * id, every other node gets one copy (`toRemote`) and the one holding the client delivers it.
   */
  private routeDirect (msg: Message, now: number, toRemote = true): number {
    const session = this.engine.sessions.get(msg.topic.slice(DIRECT_PREFIX.length))
    if (session === undefined) {
      if (!toRemote) return 0
      for (const node of this.remoteNodes.values()) node.forward(msg, now, null)
      return this.remoteNodes.size
    }
    if (!this.engine.canDeliver(session, msg.topic)) return 0
    return session.deliver(msg, msg.qos, false, null, now) ? 1 : 0
  }
}

/** `$share/<group>/<filter>` → its parts; null for an ordinary filter. */
function parseShareKey (key: string): { group: string; filter: string } | null {
  if (!key.startsWith(SHARE_PREFIX)) return null
  const cut = key.indexOf('/', SHARE_PREFIX.length)
  if (cut < 0) return null
  return { group: key.slice(SHARE_PREFIX.length, cut), filter: key.slice(cut + 1) }
}
