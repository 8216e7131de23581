/**
 * MQTT 5 reason codes as data (MQTT 5.0 §2.4), with the packets allowed to carry each one, and the
 * mapping of CONNACK refusals onto MQTT 3.1/3.1.1 return codes.
 *
 * Reason codes are chosen by handlers (expected refusals) and by core/dispatch.ts (protocol
 * violations); nothing else invents numbers. A unit test walks `allowedIn` so that we never send a
 * code in a packet that cannot carry it.
 */

export const ReasonCode = {
  Success: 0x00, // CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, AUTH; also "Normal disconnection", "Granted QoS 0"
  GrantedQoS1: 0x01, // SUBACK
  GrantedQoS2: 0x02, // SUBACK
  DisconnectWithWill: 0x04, // DISCONNECT
  NoMatchingSubscribers: 0x10, // PUBACK, PUBREC
  NoSubscriptionExisted: 0x11, // UNSUBACK
  ContinueAuthentication: 0x18, // AUTH
  ReAuthenticate: 0x19, // AUTH
  UnspecifiedError: 0x80, // CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT
  MalformedPacket: 0x81, // CONNACK, DISCONNECT
  ProtocolError: 0x82, // CONNACK, DISCONNECT
  ImplementationSpecificError: 0x83, // CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT
  UnsupportedProtocolVersion: 0x84, // CONNACK
  ClientIdentifierNotValid: 0x85, // CONNACK
  BadUserNameOrPassword: 0x86, // CONNACK
  NotAuthorized: 0x87, // CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT
  ServerUnavailable: 0x88, // CONNACK
  ServerBusy: 0x89, // CONNACK, DISCONNECT
  Banned: 0x8a, // CONNACK
  ServerShuttingDown: 0x8b, // DISCONNECT
  BadAuthenticationMethod: 0x8c, // CONNACK, DISCONNECT
  KeepAliveTimeout: 0x8d, // DISCONNECT
  SessionTakenOver: 0x8e, // DISCONNECT
  TopicFilterInvalid: 0x8f, // SUBACK, UNSUBACK, DISCONNECT
  TopicNameInvalid: 0x90, // CONNACK, PUBACK, PUBREC, DISCONNECT
  PacketIdentifierInUse: 0x91, // PUBACK, PUBREC, SUBACK, UNSUBACK
  PacketIdentifierNotFound: 0x92, // PUBREL, PUBCOMP
  ReceiveMaximumExceeded: 0x93, // DISCONNECT
  TopicAliasInvalid: 0x94, // DISCONNECT
  PacketTooLarge: 0x95, // CONNACK, DISCONNECT
  MessageRateTooHigh: 0x96, // DISCONNECT
  QuotaExceeded: 0x97, // CONNACK, PUBACK, PUBREC, SUBACK, DISCONNECT
  AdministrativeAction: 0x98, // DISCONNECT
  PayloadFormatInvalid: 0x99, // CONNACK, PUBACK, PUBREC, DISCONNECT
  RetainNotSupported: 0x9a, // CONNACK, DISCONNECT
  QoSNotSupported: 0x9b, // CONNACK, DISCONNECT
  UseAnotherServer: 0x9c, // CONNACK, DISCONNECT
  ServerMoved: 0x9d, // CONNACK, DISCONNECT
  SharedSubscriptionsNotSupported: 0x9e, // SUBACK, DISCONNECT
  ConnectionRateExceeded: 0x9f, // CONNACK, DISCONNECT
  MaximumConnectTime: 0xa0, // DISCONNECT
  SubscriptionIdentifiersNotSupported: 0xa1, // SUBACK, DISCONNECT
  WildcardSubscriptionsNotSupported: 0xa2, // SUBACK, DISCONNECT
} as const

export type ReasonCodeName = keyof typeof ReasonCode
export type ReasonCodeValue = (typeof ReasonCode)[ReasonCodeName]

/** Packets that may carry a reason code, in the spec's words. */
export type ReasonPacket =
  | 'connack' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp' | 'suback' | 'unsuback' | 'disconnect' | 'auth'

const ERRORS_COMMON: readonly ReasonPacket[] = ['connack', 'puback', 'pubrec', 'suback', 'unsuback', 'disconnect']

/** Which packets may carry each reason code (MQTT 5.0 Table 2-6). */
export const allowedIn: Readonly<Record<ReasonCodeValue, readonly ReasonPacket[]>> = {
  [ReasonCode.Success]: ['connack', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'unsuback', 'auth', 'disconnect', 'suback'],
  [ReasonCode.GrantedQoS1]: ['suback'],
  [ReasonCode.GrantedQoS2]: ['suback'],
  [ReasonCode.DisconnectWithWill]: ['disconnect'],
  [ReasonCode.NoMatchingSubscribers]: ['puback', 'pubrec'],
  [ReasonCode.NoSubscriptionExisted]: ['unsuback'],
  [ReasonCode.ContinueAuthentication]: ['auth'],
  [ReasonCode.ReAuthenticate]: ['auth'],
  [ReasonCode.UnspecifiedError]: ERRORS_COMMON,
  [ReasonCode.MalformedPacket]: ['connack', 'disconnect'],
  [ReasonCode.ProtocolError]: ['connack', 'disconnect'],
  [ReasonCode.ImplementationSpecificError]: ERRORS_COMMON,
  [ReasonCode.UnsupportedProtocolVersion]: ['connack'],
  [ReasonCode.ClientIdentifierNotValid]: ['connack'],
  [ReasonCode.BadUserNameOrPassword]: ['connack'],
  [ReasonCode.NotAuthorized]: ERRORS_COMMON,
  [ReasonCode.ServerUnavailable]: ['connack'],
  [ReasonCode.ServerBusy]: ['connack', 'disconnect'],
  [ReasonCode.Banned]: ['connack'],
  [ReasonCode.ServerShuttingDown]: ['disconnect'],
  [ReasonCode.BadAuthenticationMethod]: ['connack', 'disconnect'],
  [ReasonCode.KeepAliveTimeout]: ['disconnect'],
  [ReasonCode.SessionTakenOver]: ['disconnect'],
  [ReasonCode.TopicFilterInvalid]: ['suback', 'unsuback', 'disconnect'],
  [ReasonCode.TopicNameInvalid]: ['connack', 'puback', 'pubrec', 'disconnect'],
  [ReasonCode.PacketIdentifierInUse]: ['puback', 'pubrec', 'suback', 'unsuback'],
  [ReasonCode.PacketIdentifierNotFound]: ['pubrel', 'pubcomp'],
  [ReasonCode.ReceiveMaximumExceeded]: ['disconnect'],
  [ReasonCode.TopicAliasInvalid]: ['disconnect'],
  [ReasonCode.PacketTooLarge]: ['connack', 'disconnect'],
  [ReasonCode.MessageRateTooHigh]: ['disconnect'],
  [ReasonCode.QuotaExceeded]: ['connack', 'puback', 'pubrec', 'suback', 'disconnect'],
  [ReasonCode.AdministrativeAction]: ['disconnect'],
  [ReasonCode.PayloadFormatInvalid]: ['connack', 'puback', 'pubrec', 'disconnect'],
  [ReasonCode.RetainNotSupported]: ['connack', 'disconnect'],
  [ReasonCode.QoSNotSupported]: ['connack', 'disconnect'],
  [ReasonCode.UseAnotherServer]: ['connack', 'disconnect'],
  [ReasonCode.ServerMoved]: ['connack', 'disconnect'],
  [ReasonCode.SharedSubscriptionsNotSupported]: ['suback', 'disconnect'],
  [ReasonCode.ConnectionRateExceeded]: ['connack', 'disconnect'],
  [ReasonCode.MaximumConnectTime]: ['disconnect'],
  [ReasonCode.SubscriptionIdentifiersNotSupported]: ['suback', 'disconnect'],
  [ReasonCode.WildcardSubscriptionsNotSupported]: ['suback', 'disconnect'],
}

/** MQTT 3.1/3.1.1 CONNACK return codes (3.1.1 §3.2.2.3). */
export const V3ConnackCode = {
  Accepted: 0,
  UnacceptableProtocolVersion: 1,
  IdentifierRejected: 2,
  ServerUnavailable: 3,
  BadUserNameOrPassword: 4,
  NotAuthorized: 5,
} as const
export type V3ConnackCodeValue = (typeof V3ConnackCode)[keyof typeof V3ConnackCode]

/** Maps a v5 CONNACK reason onto the closest v3 return code. */
export function toV3ConnackCode (rc: ReasonCodeValue): V3ConnackCodeValue {
  switch (rc) {
    case ReasonCode.Success: return V3ConnackCode.Accepted
    case ReasonCode.UnsupportedProtocolVersion: return V3ConnackCode.UnacceptableProtocolVersion
    case ReasonCode.ClientIdentifierNotValid: return V3ConnackCode.IdentifierRejected
    case ReasonCode.BadUserNameOrPassword: return V3ConnackCode.BadUserNameOrPassword
    case ReasonCode.NotAuthorized:
    case ReasonCode.Banned: return V3ConnackCode.NotAuthorized
    default: return V3ConnackCode.ServerUnavailable
  }
}

/** v3 SUBACK failure return code [MQTT-3.9.3-2]. */
export const V3_SUBACK_FAILURE = 0x80

/** Whether `rc` may be sent in `packet` (used by tests and by debug assertions). */
export function isAllowedIn (rc: number, packet: ReasonPacket): boolean {
  const allowed = allowedIn[rc as ReasonCodeValue]
  return allowed !== undefined && allowed.includes(packet)
}
