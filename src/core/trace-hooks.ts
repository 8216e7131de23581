/**
 * The hooks a live trace gets from the engine (implemented by src/tracing/tracer.ts, which the
 * broker creates and hands to the Engine). Every call site checks `active` first, so that with
 * no trace running a packet costs one property read. Declared here so that the core does not
 * depend on the tracer: the tracer depends on the core.
 */
import type { Message } from '../protocol/message.js'
import type { Packet, QoS } from '../protocol/packets.js'
import type { Connection } from './connection.js'

export interface TraceHooks {
  /** false while no trace session runs: callers skip every hook. */
  readonly active: boolean
  /** Records a µs arrival time on a message, for the latency of its deliveries. */
  stampArrival (msg: Message): void
  /** Every packet parsed from a connection, before it is handled. */
  packetIn (conn: Connection, packet: Packet): void
  /** Every packet written to a connection (and the DISCONNECT of a close). */
  packetOut (conn: Connection, packet: Packet, size: number): void
  /** A PUBLISH written from the fast encoder. */
  publishOut (conn: Connection, msg: Message, qos: QoS, packetId: number, retain: boolean, dup: boolean, size: number): void
}

/** The hooks of a broker without tracing (engines built by tests). */
export const NO_TRACE: TraceHooks = {
  active: false,
  stampArrival () {},
  packetIn () {},
  packetOut () {},
  publishOut () {},
}
