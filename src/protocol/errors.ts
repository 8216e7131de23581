/**
 * Errors of the protocol layer.
 *
 * A `ProtocolError` is a violation of the MQTT specification by the peer: the connection must be
 * closed (v5: after a DISCONNECT carrying `reason`). It is thrown by validation code and handlers and
 * translated in exactly one place, core/dispatch.ts. Expected refusals (bad password, ACL deny, no
 * subscribers) are never exceptions: handlers answer them with an ack carrying a reason code.
 */
import type { ErrorCodeOf } from '../errors/catalog.js'
import { ReasonCode, type ReasonCodeValue } from './reason-codes.js'

/** The peer broke a "MUST" of the specification; close its connection. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  constructor (
    /** v5 DISCONNECT reason sent before closing (ignored for v3: the connection is just closed). */
    readonly reason: ReasonCodeValue,
    /** The normative statement broken, e.g. `MQTT-3.3.2-2`. */
    readonly specRef: string,
    detail: string
  ) {
    super(`${detail} [${specRef}]`)
  }

  /** A malformed packet (bad encoding, bad property). */
  static malformed (specRef: string, detail: string): ProtocolError {
    return new ProtocolError(ReasonCode.MalformedPacket, specRef, detail)
  }

  /** A well-formed packet that the protocol forbids here. */
  static protocol (specRef: string, detail: string): ProtocolError {
    return new ProtocolError(ReasonCode.ProtocolError, specRef, detail)
  }
}

/**
 * Internal failure of the broker (a bug, or a store that failed); never the peer's fault. Its code
 * is an entry of the error catalog (src/errors/catalog.ts), which gives its exit code.
 */
export class BrokerError extends Error {
  override readonly name = 'BrokerError'
  constructor (readonly code: ErrorCodeOf<'broker' | 'store'>, message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}
