import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { ReasonCode, V3ConnackCode, allowedIn, isAllowedIn, toV3ConnackCode } from '../../src/protocol/reason-codes.js'
import { negotiateKeepalive } from '../../src/core/keepalive.js'

test('every reason code has a list of packets that may carry it', (t: TestContext) => {
  for (const [name, code] of Object.entries(ReasonCode)) {
    t.assert.ok(allowedIn[code]?.length > 0, `${name} (0x${code.toString(16)}) has no allowedIn entry`)
  }
})

test('codes the broker sends are allowed in the packets it sends them in (MQTT 5.0 Table 2-6)', (t: TestContext) => {
  const sent: Array<[number, Parameters<typeof isAllowedIn>[1]]> = [
    [ReasonCode.NoMatchingSubscribers, 'puback'], [ReasonCode.NoMatchingSubscribers, 'pubrec'],
    [ReasonCode.PayloadFormatInvalid, 'puback'], [ReasonCode.PacketIdentifierNotFound, 'pubrel'],
    [ReasonCode.PacketIdentifierNotFound, 'pubcomp'], [ReasonCode.TopicFilterInvalid, 'suback'],
    [ReasonCode.QuotaExceeded, 'suback'], [ReasonCode.NoSubscriptionExisted, 'unsuback'],
    [ReasonCode.SessionTakenOver, 'disconnect'], [ReasonCode.ServerShuttingDown, 'disconnect'],
    [ReasonCode.KeepAliveTimeout, 'disconnect'], [ReasonCode.PacketTooLarge, 'disconnect'],
    [ReasonCode.ReceiveMaximumExceeded, 'disconnect'], [ReasonCode.TopicAliasInvalid, 'disconnect'],
    [ReasonCode.UseAnotherServer, 'connack'], [ReasonCode.ServerMoved, 'connack'],
    [ReasonCode.BadAuthenticationMethod, 'connack'], [ReasonCode.ClientIdentifierNotValid, 'connack'],
  ]
  for (const [code, packet] of sent) t.assert.ok(isAllowedIn(code, packet), `0x${code.toString(16)} in ${packet}`)
  t.assert.equal(isAllowedIn(ReasonCode.NoMatchingSubscribers, 'suback'), false)
  t.assert.equal(isAllowedIn(ReasonCode.SessionTakenOver, 'connack'), false)
  t.assert.equal(isAllowedIn(0x03, 'connack'), false)
})

test('v5 CONNACK refusals map onto v3 return codes', (t: TestContext) => {
  t.assert.equal(toV3ConnackCode(ReasonCode.Success), V3ConnackCode.Accepted)
  t.assert.equal(toV3ConnackCode(ReasonCode.UnsupportedProtocolVersion), V3ConnackCode.UnacceptableProtocolVersion)
  t.assert.equal(toV3ConnackCode(ReasonCode.ClientIdentifierNotValid), V3ConnackCode.IdentifierRejected)
  t.assert.equal(toV3ConnackCode(ReasonCode.BadUserNameOrPassword), V3ConnackCode.BadUserNameOrPassword)
  t.assert.equal(toV3ConnackCode(ReasonCode.NotAuthorized), V3ConnackCode.NotAuthorized)
  t.assert.equal(toV3ConnackCode(ReasonCode.UseAnotherServer), V3ConnackCode.ServerUnavailable)
})

test('keep alive negotiation: no cap by default, capped (and announced) above max_keepalive', (t: TestContext) => {
  t.assert.deepEqual(negotiateKeepalive(60, 65535), { keepalive: 60, capped: false })
  t.assert.deepEqual(negotiateKeepalive(0, 65535), { keepalive: 0, capped: false })
  t.assert.deepEqual(negotiateKeepalive(60, 30), { keepalive: 30, capped: true })
  t.assert.deepEqual(negotiateKeepalive(0, 30), { keepalive: 30, capped: true })
  t.assert.deepEqual(negotiateKeepalive(30, 30), { keepalive: 30, capped: false })
})
