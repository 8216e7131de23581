/**
 * Trace events: what one traced packet looks like, and how it is built from a packet.
 *
 * `TraceEvent` is declared here, with the tracer that makes it, and re-exported by control/schema.ts
 * as the event of the `trace.start` stream (the control handler passes these objects on unchanged):
 * tracing, which the engine owns, never imports the control channel.
 *
 * Everything in this file runs only while a trace session exists (Tracer.active), so it may
 * allocate. Time is wall clock in µs from `performance.timeOrigin + performance.now()`: monotonic
 * within the process and sub-µs precise, unlike Date.now().
 */
import { isUtf8 } from 'node:buffer'
import { performance } from 'node:perf_hooks'
import type { Packet } from '../protocol/packets.js'

export type PayloadMode = 'none' | 'preview' | 'full'
export const PAYLOAD_MODES: readonly PayloadMode[] = ['none', 'preview', 'full']

/** Bytes of payload shown in 'preview' mode. */
export const PREVIEW_BYTES = 64
/**
 * Bytes of payload shown in 'full' mode at most: its base64 form must fit, with the rest of the
 * event, into one control frame (MAX_FRAME, 1 MiB). Longer payloads are cut and flagged.
 */
export const FULL_MAX_BYTES = 512 * 1024

/** One traced packet. Optional fields appear only when the packet has them. */
export interface TraceEvent {
  /** Wall clock, µs since the epoch. */
  ts_us: number
  dir: 'in' | 'out'
  client_id: string
  type: string
  packet_id?: number
  /** PUBLISH: the topic (an inbound alias resolved); SUBSCRIBE/UNSUBSCRIBE: the filters, space-separated. */
  topic?: string
  qos?: 0 | 1 | 2
  retain?: boolean
  dup?: boolean
  /** Bytes on the wire, fixed header included. */
  size: number
  payload?: string
  payload_encoding?: 'utf8' | 'base64'
  /** True when `payload` holds only the first bytes of the payload. */
  payload_truncated?: boolean
  /** CONNACK (v3 return code or v5 reason), acks, DISCONNECT, AUTH; SUBACK/UNSUBACK: the highest code. */
  reason_code?: number
  /** For an outgoing PUBLISH: µs from the arrival of the message at the broker to this delivery. */
  latency_us?: number
  /** On a cluster node: the node whose connection the packet passed through (absent on a standalone broker). */
  node?: string
}

/** Now, in µs since the epoch. */
export function nowUs (): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000)
}

const PACKET_NAMES: Record<string, string> = {
  connect: 'CONNECT',
  connack: 'CONNACK',
  publish: 'PUBLISH',
  puback: 'PUBACK',
  pubrec: 'PUBREC',
  pubrel: 'PUBREL',
  pubcomp: 'PUBCOMP',
  subscribe: 'SUBSCRIBE',
  suback: 'SUBACK',
  unsubscribe: 'UNSUBSCRIBE',
  unsuback: 'UNSUBACK',
  pingreq: 'PINGREQ',
  pingresp: 'PINGRESP',
  disconnect: 'DISCONNECT',
  auth: 'AUTH',
}

/** The event of a packet other than a PUBLISH (PUBLISH events are built by the tracer). */
export function packetEvent (ts: number, dir: 'in' | 'out', clientId: string, packet: Packet, size: number): TraceEvent {
  const event: TraceEvent = { ts_us: ts, dir, client_id: clientId, type: PACKET_NAMES[packet.cmd] ?? packet.cmd.toUpperCase(), size }
  if (packet.messageId !== undefined) event.packet_id = packet.messageId
  switch (packet.cmd) {
    case 'connack': {
      const rc = packet.reasonCode ?? packet.returnCode
      if (rc !== undefined) event.reason_code = rc
      break
    }
    case 'subscribe':
      event.topic = packet.subscriptions.map((s) => s.topic).join(' ')
      break
    case 'unsubscribe':
      event.topic = packet.unsubscriptions.join(' ')
      break
    case 'suback':
    case 'unsuback': {
      let max = -1
      for (const code of (packet.granted ?? []) as unknown[]) {
        if (typeof code === 'number' && code > max) max = code
      }
      if (max >= 0) event.reason_code = max
      break
    }
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': case 'disconnect': case 'auth':
      if (packet.reasonCode !== undefined) event.reason_code = packet.reasonCode
      break
  }
  return event
}

/** Sets `payload`, `payload_encoding` and `payload_truncated` on `event` for the given mode. */
export function addPayload (event: TraceEvent, payload: Buffer, mode: PayloadMode): void {
  if (mode === 'none') return
  const limit = mode === 'preview' ? PREVIEW_BYTES : FULL_MAX_BYTES
  const truncated = payload.length > limit
  const end = truncated ? limit : payload.length
  // Text is not cut inside a UTF-8 sequence: back off to the start of the character at the cut.
  let textEnd = end
  if (truncated) while (textEnd > limit - 3 && (payload[textEnd] & 0xc0) === 0x80) textEnd--
  const text = payload.subarray(0, textEnd)
  if (isUtf8(text)) {
    event.payload = text.toString('utf8')
    event.payload_encoding = 'utf8'
  } else {
    event.payload = payload.subarray(0, end).toString('base64')
    event.payload_encoding = 'base64'
  }
  if (truncated) event.payload_truncated = true
}
