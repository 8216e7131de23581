/**
 * Why a connection was closed, recorded once by the idempotent `Connection.close()` (NATS'
 * `ClosedState`). Used for logs, counters and the will decision: only `ClientDisconnect` with a
 * normal DISCONNECT discards the will [MQTT-3.1.2-10]; every other reason publishes it.
 */
export const CloseReason = {
  /** The client sent DISCONNECT. */
  ClientDisconnect: 'client_disconnect',
  /** The socket ended or failed under us. */
  SocketClosed: 'socket_closed',
  /** The peer broke the protocol. */
  ProtocolViolation: 'protocol_violation',
  /** Bytes that do not decode as MQTT. */
  MalformedPacket: 'malformed_packet',
  /** A packet above max_packet_size. */
  PacketTooLarge: 'packet_too_large',
  /** Nothing received for 1.5 times the keep alive [MQTT-3.1.2-24]. */
  KeepaliveTimeout: 'keepalive_timeout',
  /** Output waited write_timeout seconds without the peer reading any of it (a slow consumer). */
  WriteTimeout: 'write_timeout',
  /** No CONNECT within connect_timeout. */
  ConnectTimeout: 'connect_timeout',
  /** Another connection took over the client id [MQTT-3.1.4-3]. */
  SessionTakenOver: 'session_taken_over',
  /** The broker is stopping. */
  ServerShutdown: 'server_shutdown',
  /** An operator kicked the client. */
  AdministrativeAction: 'administrative_action',
  /** The CONNECT was refused (CONNACK with an error code). */
  ConnectRefused: 'connect_refused',
  /** The client sent more QoS 1/2 messages than the Receive Maximum allowed [MQTT-3.3.4-9]. */
  ReceiveMaximumExceeded: 'receive_maximum_exceeded',
  /** The CONNACK would exceed the client's Maximum Packet Size [MQTT-3.1.2-24]: closed without it. */
  ClientPacketLimit: 'client_packet_limit',
  /** A bug or a failed dependency inside the broker. */
  InternalError: 'internal_error',
} as const

export type CloseReasonValue = (typeof CloseReason)[keyof typeof CloseReason]
