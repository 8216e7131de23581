/**
 * The operators' API of a running engine, as EMQX's emqx_cm is: list, show and kick clients, list
 * subscriptions, list and clear retained messages, reset state. Every caller (the control socket
 * today, an HTTP API or a cluster peer tomorrow) goes through it instead of the engine's maps, gets
 * plain records (records.ts) back, and an AdminError for a missing client or an invalid topic.
 */
import { validateTopicFilter, validateTopicName } from '../../protocol/topic.js'
import { ReasonCode } from '../../protocol/reason-codes.js'
import { CloseReason } from '../close-reason.js'
import type { Engine } from '../engine.js'
import type { Session } from '../session/session.js'
import { AdminError } from './admin-error.js'
import { clientDetail, clientSummary, retainedSummary, subscriptionSummary } from './records-of.js'
import type {
  ClientDetail, ClientStateFilter, ClientSummary, KickResult, ResetOutcome, ResetSelection,
  RetainedClearResult, RetainedSummary, SubscriptionSummary,
} from './records.js'
import { resetEngine } from './reset.js'

export class Admin {
  constructor (private readonly engine: Engine) {}

  /** Every session the engine holds (connected ones and offline persistent ones), or those in `state`. */
  listClients (state: ClientStateFilter = 'all'): ClientSummary[] {
    const items: ClientSummary[] = []
    for (const session of this.engine.sessions.values()) {
      if (state === 'online' && !session.online) continue
      if (state === 'offline' && session.online) continue
      items.push(clientSummary(session))
    }
    return items
  }

  showClient (clientId: string): ClientDetail {
    return clientDetail(this.session(clientId))
  }

  /**
   * Closes the client's connection with DISCONNECT 0x98 Administrative action (its will follows, as
   * for any disconnection that is not a normal one). `discardSession` ends the session too, also an
   * offline one; otherwise a persistent session stays for the client to resume.
   */
  kickClient (clientId: string, discardSession = false): KickResult {
    const session = this.session(clientId)
    const conn = session.online ? session.connection : null
    if (discardSession) session.expiryInterval = 0 // the session then ends with its connection
    conn?.close(CloseReason.AdministrativeAction, ReasonCode.AdministrativeAction)
    if (discardSession && conn === null) this.engine.sessions.discard(session)
    return { client_id: clientId, kicked: conn !== null, session_discarded: discardSession }
  }

  /**
   * Subscriptions: those a PUBLISH to the topic `match` would reach (of `clientId` only, when
   * given), else those of `clientId`, else every one.
   */
  listSubscriptions ({ clientId, match }: { clientId?: string, match?: string } = {}): SubscriptionSummary[] {
    const engine = this.engine
    if (match !== undefined) {
      if (validateTopicName(match, engine.config.max_topic_length, engine.config.max_topic_levels) !== null) {
        throw new AdminError('invalid', `'${match}' is not a valid topic name (no wildcards)`)
      }
      const items = engine.router.subscribersOf(match).map(subscriptionSummary)
      return clientId === undefined ? items : items.filter((s) => s.client_id === clientId)
    }
    if (clientId !== undefined) return [...this.session(clientId).subscriptions.values()].map(subscriptionSummary)
    const items: SubscriptionSummary[] = []
    for (const session of engine.sessions.values()) {
      for (const sub of session.subscriptions.values()) items.push(subscriptionSummary(sub))
    }
    return items
  }

  /** The live retained messages matching `filter`, by topic. */
  listRetained (filter = '#', now = Date.now()): RetainedSummary[] {
    const items: RetainedSummary[] = []
    this.engine.retained.match(this.checkFilter(filter), now, (msg) => { items.push(retainedSummary(msg)) })
    return items.sort((a, b) => a.topic.localeCompare(b.topic))
  }

  /** Deletes the retained messages matching `filter` (memory and Store); `dryRun` only counts them. */
  clearRetained (filter: string, dryRun = false, now = Date.now()): RetainedClearResult {
    const topics: string[] = []
    this.engine.retained.match(this.checkFilter(filter), now, (msg) => { topics.push(msg.topic) })
    if (!dryRun) for (const topic of topics) this.engine.retained.delete(topic)
    return { filter, matched: topics.length, cleared: dryRun ? 0 : topics.length }
  }

  /** Clears the selected kinds of state, durably (see reset.ts); `dryRun` only counts them. */
  async reset (selection: ResetSelection, dryRun = false): Promise<ResetOutcome> {
    return await resetEngine(this.engine, selection, dryRun)
  }

  private session (clientId: string): Session {
    const session = this.engine.sessions.get(clientId)
    if (session === undefined) throw new AdminError('not_found', `no session for client id '${clientId}'`)
    return session
  }

  private checkFilter (filter: string): string {
    const config = this.engine.config
    if (validateTopicFilter(filter, config.max_topic_length, config.max_topic_levels) !== null) {
      throw new AdminError('invalid', `'${filter}' is not a valid topic filter`)
    }
    return filter
  }
}
