/**
 * Validation of MQTT 5 properties received from a client (MQTT 5.0 §2.2.2.2).
 *
 * mqtt-packet decodes any known property in any packet and turns a repeated property into an array.
 * The specification is stricter: a property not defined for the packet type makes it malformed, a
 * property that may appear once but appears twice is a Protocol Error, and some values (zero Receive
 * Maximum, zero Topic Alias, zero Subscription Identifier, ...) are Protocol Errors. This module
 * checks all of that, once per packet, with no allocation on the common path (no properties at all).
 */
import { ProtocolError } from './errors.js'

/** Packets whose properties we validate (those a client may send), plus the will properties. */
export type PropertyScope =
  | 'connect' | 'will' | 'publish' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'
  | 'subscribe' | 'unsubscribe' | 'disconnect' | 'auth'

const ACK = ['reasonString', 'userProperties']

/** Properties a client may send in each packet (MQTT 5.0 §2.2.2.2 Table 2-4). */
const ALLOWED: Readonly<Record<PropertyScope, ReadonlySet<string>>> = {
  connect: new Set(['sessionExpiryInterval', 'receiveMaximum', 'maximumPacketSize', 'topicAliasMaximum',
    'requestResponseInformation', 'requestProblemInformation', 'userProperties', 'authenticationMethod',
    'authenticationData']),
  will: new Set(['willDelayInterval', 'payloadFormatIndicator', 'messageExpiryInterval', 'contentType',
    'responseTopic', 'correlationData', 'userProperties']),
  // Subscription Identifier is not allowed from a client [MQTT-3.3.4-6]
  publish: new Set(['payloadFormatIndicator', 'messageExpiryInterval', 'topicAlias', 'responseTopic',
    'correlationData', 'userProperties', 'contentType']),
  puback: new Set(ACK),
  pubrec: new Set(ACK),
  pubrel: new Set(ACK),
  pubcomp: new Set(ACK),
  subscribe: new Set(['subscriptionIdentifier', 'userProperties']),
  unsubscribe: new Set(['userProperties']),
  disconnect: new Set(['sessionExpiryInterval', 'reasonString', 'userProperties', 'serverReference']),
  auth: new Set(['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties']),
}

/**
 * Throws a ProtocolError when `props` holds a property not allowed in `scope`, a repeated
 * single-valued property, or a forbidden value.
 */
export function validateProperties (scope: PropertyScope, props: Record<string, unknown> | undefined): void {
  if (props === undefined) return
  const allowed = ALLOWED[scope]
  for (const name in props) {
    const value = props[name]
    if (!allowed.has(name)) {
      throw ProtocolError.malformed('MQTT-2.2.2-2', `property ${name} is not allowed in ${scope.toUpperCase()}`)
    }
    if (name === 'userProperties') continue // may repeat; strings already checked by the parser
    if (Array.isArray(value)) {
      throw ProtocolError.protocol('MQTT-2.2.2-2', `property ${name} appears more than once in ${scope.toUpperCase()}`)
    }
    checkValue(name, value)
  }
}

function checkValue (name: string, value: unknown): void {
  switch (name) {
    case 'receiveMaximum':
      if (value === 0) throw ProtocolError.protocol('MQTT5 §3.1.2.11.3', 'Receive Maximum of 0')
      break
    case 'maximumPacketSize':
      if (value === 0) throw ProtocolError.protocol('MQTT5 §3.1.2.11.4', 'Maximum Packet Size of 0')
      break
    case 'topicAlias':
      if (value === 0) throw new ProtocolError(0x94, 'MQTT-3.3.2-8', 'Topic Alias of 0')
      break
    case 'subscriptionIdentifier':
      if (value === 0) throw ProtocolError.protocol('MQTT5 §3.8.2.1.2', 'Subscription Identifier of 0')
      break
    default:
      break
  }
}
