/**
 * Broker-wide counters, incremented on the hot path as plain integer fields (no maps, no labels:
 * one add per event). The $SYS publisher and `mqttctl state` read them; rates are derived by the
 * reader from two snapshots.
 */
import { AUTH_FAILURES, type AuthFailure } from '../auth/authenticate.js'

export class Counters {
  /** PUBLISH packets received from clients. */
  publishReceived = 0
  /** PUBLISH packets sent to clients (including resends). */
  publishSent = 0
  /** Messages discarded: queue full, expired, too large for the receiver, slow QoS 0 subscriber. */
  publishDropped = 0
  /** Of those, QoS 1/2 deliveries dropped because a session's queue was full (messages or bytes). */
  queueDropped = 0
  /** Of those, QoS 0 messages dropped because max_outgoing_bytes were waiting for the subscriber. */
  outputDropped = 0
  /** QoS 1/2 messages not acknowledged as stored because the store could not write (v5: 0x97). */
  publishUnstored = 0
  /** Every MQTT packet received / sent. */
  packetsReceived = 0
  packetsSent = 0
  bytesReceived = 0
  bytesSent = 0
  /** Connections accepted at the socket level, ever. */
  connectionsAccepted = 0
  /** Sockets refused because max_connections was reached. */
  connectionsRefused = 0
  /**
   * Times the broker began refusing connections: at max_connections, or out of file descriptors
   * (core/admission.ts; logged once each).
   */
  refusalEpisodes = 0
  /** Most connections open at once since start (`$SYS/broker/clients/maximum`); set by Engine.accept. */
  connectionsMaximum = 0
  /** Sessions removed because their expiry interval ran out. */
  sessionsExpired = 0
  /** Connections closed for a protocol violation or malformed input. */
  protocolErrors = 0
  /** CONNECTs refused by authentication, per reason (an object of fixed shape: one add per failure). */
  readonly authFailures: Record<AuthFailure, number> = Object.fromEntries(AUTH_FAILURES.map((r) => [r, 0])) as Record<AuthFailure, number>

  /** Every authentication failure since start. */
  get authFailuresTotal (): number {
    let total = 0
    for (const reason of AUTH_FAILURES) total += this.authFailures[reason]
    return total
  }
}
