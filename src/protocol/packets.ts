/**
 * Packet types as mqtt-packet decodes and encodes them, aliased once under our names. Wire objects
 * keep mqtt-packet's field names (`messageId`, `reasonCode`, `properties`).
 */
export type {
  Packet,
  QoS,
  UserProperties,
  IConnectPacket as ConnectPacket,
  IConnackPacket as ConnackPacket,
  IPublishPacket as PublishPacket,
  IPubackPacket as PubackPacket,
  IPubrecPacket as PubrecPacket,
  IPubrelPacket as PubrelPacket,
  IPubcompPacket as PubcompPacket,
  ISubscribePacket as SubscribePacket,
  ISubackPacket as SubackPacket,
  IUnsubscribePacket as UnsubscribePacket,
  IUnsubackPacket as UnsubackPacket,
  IPingreqPacket as PingreqPacket,
  IDisconnectPacket as DisconnectPacket,
  IAuthPacket as AuthPacket,
  ISubscription as SubscriptionRequest,
} from 'mqtt-packet'

/** Protocol levels we speak: 3 = MQTT 3.1 (MQIsdp), 4 = MQTT 3.1.1, 5 = MQTT 5.0. */
export type ProtocolVersion = 3 | 4 | 5

/** Each protocol level's version, as operators know it. */
export const PROTOCOL_NAMES = { 3: '3.1', 4: '3.1.1', 5: '5.0' } as const

/** Properties of a v5 PUBLISH as mqtt-packet decodes them. */
export type PublishProperties = NonNullable<import('mqtt-packet').IPublishPacket['properties']>
