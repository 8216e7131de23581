/**
 * Tracer: live tracing of clients and topics (fubar's trace, with per-delivery latency). One per
 * Engine (`engine.tracer`).
 *
 * Cost when no trace session exists: callers test `tracer.active` (a plain boolean field) before
 * calling any hook, NATS-style "parse → trace → process" — the hooks themselves never check it.
 * Nothing is allocated or timed while it is false.
 *
 * Hooks (all in core/connection.ts, plus one in handlers/publish.ts):
 * - `packetIn`   every parsed inbound packet, before it is handled;
 * - `packetOut`  every packet written by Connection.send and the DISCONNECT of Connection.close;
 * - `publishOut` every outbound PUBLISH (sendPublish, and writeShared for QoS 0 fan-out), with the
 *   latency from the message's arrival to this delivery;
 * - `stampArrival` records a µs arrival time on a Message (else its ms `receivedAt` is used).
 *
 * Sessions: each has a set of client ids and a set of topic filters, OR'ed: a packet of a traced
 * client is reported whatever its type, a PUBLISH (in or out, of any client) whose topic matches a
 * filter is reported too. A packet is reported once per session, with the session's payload mode.
 * Client ids are in one Map (id → sessions), filters of every session in one TopicTree, so a
 * packet costs one Map lookup, plus one trie walk for a PUBLISH when topic filters exist.
 * Sinks are called synchronously; they must not block (the control stream buffers and drops).
 */
import type { Connection } from '../core/connection.js'
import type { Message } from '../protocol/message.js'
import { TopicTree } from '../core/router/topic-tree.js'
import { packetSize } from '../protocol/encode.js'
import type { Packet, PublishPacket, QoS } from '../protocol/packets.js'
import { type TraceEvent, addPayload, nowUs, packetEvent } from './events.js'
import type { TraceSelectors } from './filters.js'

export type { TraceEvent, PayloadMode } from './events.js'

/** A trace session to start: what to follow and where its events go. */
export interface TraceSpec extends TraceSelectors {
  /** Called synchronously with each event; must not throw or block. */
  emit: (event: TraceEvent) => void
}

interface TraceSession {
  readonly key: string
  readonly spec: TraceSpec
  /** Match stamp, so a session matched twice for one packet reports it once. */
  stamp: number
  stopped: boolean
}

/** Wire size of a parsed packet from its Remaining Length (0 when the parser did not give one). */
function wireSize (remaining: number | undefined): number {
  return remaining === undefined ? 0 : packetSize(remaining)
}

export class Tracer {
  /** True while at least one trace session exists. The ONLY thing hot paths may touch when off. */
  active = false

  private readonly sessions = new Set<TraceSession>()
  private readonly byClient = new Map<string, TraceSession[]>()
  private readonly byTopic = new TopicTree<TraceSession>()
  private nextKey = 1
  private stamp = 0
  /** Sessions matched for the packet being reported (scratch). */
  private readonly matched: TraceSession[] = []
  /**
   * Client ids of connections whose CONNECT was seen but not accepted yet (Connection.clientId is
   * set on acceptance), so that a refusing CONNACK is still attributed to its client.
   */
  private readonly connecting = new WeakMap<Connection, string>()

  /** Number of running trace sessions. */
  get sessionCount (): number {
    return this.sessions.size
  }

  /** Starts a trace session; returns the (idempotent) function that stops it. */
  start (spec: TraceSpec): () => void {
    const session: TraceSession = { key: String(this.nextKey++), spec, stamp: 0, stopped: false }
    this.sessions.add(session)
    for (const id of spec.clients) {
      const list = this.byClient.get(id)
      if (list === undefined) this.byClient.set(id, [session])
      else list.push(session)
    }
    for (const filter of spec.topics) this.byTopic.add(filter, session.key, session)
    this.active = true
    return () => { this.stop(session) }
  }

  private stop (session: TraceSession): void {
    if (session.stopped) return
    session.stopped = true
    this.sessions.delete(session)
    for (const id of session.spec.clients) {
      const list = this.byClient.get(id)
      if (list === undefined) continue
      const i = list.indexOf(session)
      if (i >= 0) list.splice(i, 1)
      if (list.length === 0) this.byClient.delete(id)
    }
    for (const filter of session.spec.topics) this.byTopic.remove(filter, session.key)
    this.active = this.sessions.size > 0
  }

  /** Records a µs arrival time on a message just received (for `latency_us`). */
  stampArrival (msg: Message): void {
    (msg as { arrivalUs?: number }).arrivalUs = nowUs()
  }

  /** An inbound packet, just parsed. */
  packetIn (conn: Connection, packet: Packet): void {
    let clientId = conn.clientId
    if (packet.cmd === 'connect') {
      clientId = packet.clientId
      this.connecting.set(conn, clientId)
    } else if (clientId === '') {
      clientId = this.connecting.get(conn) ?? ''
    }
    if (packet.cmd === 'publish') {
      let topic = packet.topic
      const alias = packet.properties?.topicAlias
      if (topic === '' && alias !== undefined) topic = conn.inboundAliases?.get(alias) ?? ''
      if (this.select(clientId, topic) === 0) return
      this.reportPublish('in', clientId, packet, topic, packet.qos, packet.retain, packet.dup,
        wireSize(packet.length), -1)
      return
    }
    if (this.select(clientId, undefined) === 0) return
    this.report(packetEvent(nowUs(), 'in', clientId, packet, wireSize(packet.length)), null)
  }

  /** An outbound packet other than an application PUBLISH, `size` bytes on the wire. */
  packetOut (conn: Connection, packet: Packet, size: number): void {
    let clientId = conn.clientId
    if (clientId === '') clientId = this.connecting.get(conn) ?? ''
    else if (packet.cmd === 'connack') this.connecting.delete(conn)
    const topic = packet.cmd === 'publish' ? packet.topic : undefined
    if (this.select(clientId, topic) === 0) return
    if (packet.cmd === 'publish') {
      this.reportPublish('out', clientId, packet, packet.topic, packet.qos, packet.retain, packet.dup, size, -1)
      return
    }
    this.report(packetEvent(nowUs(), 'out', clientId, packet, size), null)
  }

  /** An outbound PUBLISH of `msg`, `size` bytes on the wire. */
  publishOut (conn: Connection, msg: Message, qos: QoS, packetId: number, retain: boolean, dup: boolean, size: number): void {
    const clientId = conn.clientId
    if (this.select(clientId, msg.topic) === 0) return
    const arrival = msg.arrivalUs ?? msg.receivedAt * 1000
    this.reportPublish('out', clientId, msg, msg.topic, qos, retain, dup, size, arrival, packetId)
  }

  /**
   * Fills `matched` with the sessions that follow `clientId` or, for a PUBLISH (`topic` given), a
   * filter matching `topic`. Returns how many.
   */
  private select (clientId: string, topic: string | undefined): number {
    const stamp = ++this.stamp
    const matched = this.matched
    matched.length = 0
    const forClient = this.byClient.get(clientId)
    if (forClient !== undefined) {
      for (let i = 0; i < forClient.length; i++) {
        forClient[i].stamp = stamp
        matched.push(forClient[i])
      }
    }
    if (topic !== undefined && topic !== '' && this.byTopic.size > 0) this.byTopic.match(topic, this.visitTopic)
    return matched.length
  }

  private readonly visitTopic = (session: TraceSession): void => {
    if (session.stamp === this.stamp) return
    session.stamp = this.stamp
    this.matched.push(session)
  }

  /**
   * Reports a PUBLISH to the matched sessions. `arrivalUs` < 0 for an inbound one (no latency);
   * `packetId` overrides the source's messageId (outbound deliveries number their own).
   */
  private reportPublish (dir: 'in' | 'out', clientId: string, source: PublishPacket | Message, topic: string,
    qos: QoS, retain: boolean, dup: boolean, size: number, arrivalUs: number, packetId?: number): void {
    const ts = nowUs()
    const event: TraceEvent = { ts_us: ts, dir, client_id: clientId, type: 'PUBLISH', size }
    const id = packetId ?? (source as PublishPacket).messageId
    if (qos > 0 && id !== undefined && id !== 0) event.packet_id = id
    event.topic = topic
    event.qos = qos
    event.retain = retain
    event.dup = dup
    if (arrivalUs >= 0) event.latency_us = Math.max(0, ts - arrivalUs)
    const payload = source.payload
    this.report(event, typeof payload === 'string' ? Buffer.from(payload) : payload)
  }

  /** Emits `event` to every matched session, with the payload as each session asks. */
  private report (event: TraceEvent, payload: Buffer | null): void {
    const matched = this.matched
    const n = matched.length
    // Copy out first: a sink may start or stop sessions, which reuses the scratch array.
    const sessions = matched.slice(0, n)
    matched.length = 0
    for (let i = 0; i < n; i++) {
      const session = sessions[i]
      if (session.stopped) continue
      let out = event
      if (payload !== null && session.spec.payload !== 'none') {
        out = { ...event }
        addPayload(out, payload, session.spec.payload)
      }
      try {
        session.spec.emit(out)
      } catch {
        this.stop(session) // a broken sink ends its own session, never the connection
      }
    }
  }
}
