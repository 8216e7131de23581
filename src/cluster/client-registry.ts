/**
 * ClientRegistry: one session per client id cluster-wide (the cluster's half of ClientClaim in
 * core/cluster-port.ts). `P:clients` maps each client id to the node holding its session.
 *
 * - claim (CONNECT here): one script takes the id and returns the previous holder. When that is
 *   another live node, it is asked (`session.takeover`, through its inbox) to close the client's
 *   connection and hand over its persistent session (core/session/handover.ts), which comes back
 *   in the answer and is resumed here. A holder for another user refuses, and the claim goes back.
 * - release (a session ended here): batched per tick; an id another node took meanwhile stays theirs.
 * - reconcile (start-up): sessions restored from this node's store whose id another node took
 *   while this one was away are forgotten here; the others are this node's again.
 *
 * Message expiry in handed-over messages travels in Redis time, like forwarded messages.
 */
import type { ClientClaim } from '../core/cluster-port.js'
import type { Engine } from '../core/engine.js'
import { type HandOverAnswer, type HandedSession, handOver } from '../core/session/handover.js'
import type { Logger } from '../log.js'
import type { Message } from '../protocol/message.js'
import { decodeDelivery, decodeSession, encodeDelivery, encodeSession } from '../store/codec.js'
import type { InflightRecord, QueuedDelivery } from '../store/store.js'
import type { ClusterKeys } from './keys.js'
import type { RedisLink } from './redis.js'
import { CLAIM, RECONCILE, RELEASE, UNCLAIM } from './scripts.js'
import { timeLimit } from './time-limit.js'

const TAKEOVER_TIMEOUT_MS = 5000
/** A claim Redis does not answer within this long (paused, overloaded) lets the CONNECT go on here. */
const CLAIM_TIMEOUT_MS = 1000
const RECONCILE_CHUNK = 1000

/** What the registry needs of the cluster around it. */
export interface RegistryHost {
  readonly selfName: string
  readonly incarnation: number
  readonly offsetMs: number
  peers (): string[]
  request (node: string, method: string, params: unknown, timeoutMs?: number): Promise<unknown>
  serve (method: string, handler: (params: unknown, from: string) => unknown): void
}

/** `session.takeover` on the wire. */
interface TakeoverRequest { client_id: string; username: string | null; clean_start: boolean }
interface WireSession { record: string; inflight: Array<{ p: number; s: 'publish' | 'pubrel'; d: string }>; q2: number[]; queued: string[] }
type TakeoverAnswer = { found: false } | { found: true; refused: true } | { found: true; session: WireSession | null }

export class ClientRegistry {
  private readonly releases = new Set<string>()
  private releasing = false

  constructor (private readonly host: RegistryHost, private readonly engine: Engine, private readonly link: RedisLink,
    private readonly keys: ClusterKeys, private readonly log: Logger) {
    host.serve('session.takeover', (params) => this.takeover(params as TakeoverRequest))
  }

  private get value (): string {
    return `${this.host.selfName} ${this.host.incarnation}`
  }

  async claim (clientId: string, username: string | undefined, cleanStart: boolean): Promise<ClientClaim> {
    let previous: string | null
    try {
      previous = await timeLimit(this.link.script(CLAIM, [this.keys.clients], [clientId, this.value]) as Promise<string | null>, CLAIM_TIMEOUT_MS)
    } catch (err) {
      // Redis away: this node serves its own clients as a standalone broker would.
      this.log.debug({ clientId, reason: err instanceof Error ? err.message : String(err) }, 'cluster: client id not claimed (Redis unreachable)')
      return { kind: 'here' }
    }
    const from = previous === null ? null : previous.slice(0, previous.lastIndexOf(' '))
    if (from === null || from === this.host.selfName) return { kind: 'here' }
    if (!this.host.peers().includes(from)) {
      this.log.debug({ clientId, node: from }, 'cluster: the client id was held by a node that is not live')
      return { kind: 'here' }
    }
    let answer: TakeoverAnswer
    try {
      answer = await this.host.request(from, 'session.takeover', { client_id: clientId, username: username ?? null, clean_start: cleanStart } satisfies TakeoverRequest, TAKEOVER_TIMEOUT_MS) as TakeoverAnswer
    } catch (err) {
      this.log.warn({ clientId, node: from, reason: err instanceof Error ? err.message : String(err) }, 'cluster: the node holding the client id did not hand it over; the session starts here')
      return { kind: 'here' }
    }
    if (answer.found && 'refused' in answer) {
      await this.link.script(UNCLAIM, [this.keys.clients], [clientId, this.value, previous as string]).catch(() => undefined)
      return { kind: 'refused', from }
    }
    const session = answer.found && answer.session !== null ? this.decode(answer.session) : null
    return { kind: 'moved', from, session }
  }

  /** The session of `clientId` ended here; its id is freed at the end of the tick unless a new session took it. */
  release (clientId: string): void {
    this.releases.add(clientId)
    if (this.releasing) return
    this.releasing = true
    setImmediate(() => {
      this.releasing = false
      const ids = [...this.releases].filter((id) => this.engine.sessions.get(id) === undefined)
      this.releases.clear()
      if (ids.length === 0) return
      void this.link.script(RELEASE, [this.keys.clients], [`${this.host.selfName} `, ...ids]).catch(() => undefined)
    })
  }

  /** After start-up: forgets restored sessions whose client id another node holds now. */
  async reconcile (): Promise<void> {
    const ids = [...this.engine.sessions.values()].map((s) => s.clientId)
    for (let i = 0; i < ids.length; i += RECONCILE_CHUNK) {
      const taken = await this.link.script(RECONCILE, [this.keys.clients],
        [`${this.host.selfName} `, this.value, ...ids.slice(i, i + RECONCILE_CHUNK)]) as string[]
      for (const id of taken) {
        const session = this.engine.sessions.get(id)
        if (session === undefined) continue
        this.log.info({ clientId: id }, 'cluster: a stored session moved to another node while this one was away; forgotten here')
        this.engine.sessions.forget(session)
      }
    }
  }

  private takeover (req: TakeoverRequest): TakeoverAnswer {
    const answer: HandOverAnswer = handOver(this.engine, req.client_id, req.username ?? undefined, req.clean_start)
    if (!answer.found) return { found: false }
    if ('refused' in answer) return { found: true, refused: true }
    return { found: true, session: answer.session === null ? null : this.encode(answer.session) }
  }

  private encode (handed: HandedSession): WireSession {
    const shift = this.host.offsetMs
    return {
      record: encodeSession(handed.record).toString('base64'),
      inflight: (handed.record.inflight ?? []).map((r) => ({ p: r.packetId, s: r.state, d: encodeDelivery(shiftExpiry(r, shift)).toString('base64') })),
      q2: handed.record.incomingQos2 ?? [],
      queued: handed.queued.map((q) => encodeDelivery(shiftExpiry(q, shift)).toString('base64')),
    }
  }

  private decode (wire: WireSession): HandedSession {
    const shift = -this.host.offsetMs
    const base = decodeSession(Buffer.from(wire.record, 'base64'))
    const inflight: InflightRecord[] = wire.inflight.map((r) => ({
      ...shiftExpiry(decodeDelivery(Buffer.from(r.d, 'base64')), shift), packetId: r.p, state: r.s,
    }))
    const queued = wire.queued.map((q) => shiftExpiry(decodeDelivery(Buffer.from(q, 'base64')), shift))
    return { record: { ...base, inflight, incomingQos2: wire.q2 }, queued }
  }
}

/** `d` with its message's expiry deadline moved by `deltaMs` (local time ↔ Redis time). */
function shiftExpiry<T extends QueuedDelivery> (d: T, deltaMs: number): T {
  if (d.msg.expiresAt === 0 || deltaMs === 0) return d
  const msg: Message = { ...d.msg, expiresAt: d.msg.expiresAt + deltaMs }
  return { ...d, msg }
}
