/**
 * Connection: the protocol channel of one network connection. It holds the MQTT state that lives
 * exactly as long as the socket (negotiated limits, topic aliases, the will of its CONNECT, the
 * attached Session) and runs the handlers; the socket, framing and output batching are its Link
 * (core/link.ts), which it writes through (PacketWriter). The state that outlives the connection
 * is the Session (core/session/session.ts).
 *
 * Inbound: Link (bytes → StrictParser) → size guard → core/dispatch.ts. Packets are handled
 * strictly in arrival order: synchronous handlers run inline; while an asynchronous one (CONNECT)
 * is pending, later packets wait in a bounded backlog and the link is paused when it fills.
 *
 * Outbound: every packet is encoded by protocol/ (encode.ts); a PUBLISH without properties is
 * written by protocol/encode-publish.ts straight into the link's output for this tick. QoS 0
 * fan-out can hand us a Buffer that was encoded once for many subscribers (`writeShared`).
 * A subscriber whose socket does not drain loses QoS 0 messages once `max_outgoing_bytes` wait for
 * it, instead of growing memory without bound (QoS 1/2 are bounded by the inflight window and the
 * session queue).
 *
 * `close()` is idempotent and records one CloseReason.
 */
import type { Duplex } from 'node:stream'
import type { ConnectionInfo } from '../transport/listener.js'
import { encodeDisconnect } from '../protocol/encode-control.js'
import { publishSize, writePublish } from '../protocol/encode-publish.js'
import { encodePacket, generatePacket, packetSize } from '../protocol/encode.js'
import type { Packet, ProtocolVersion, PublishPacket, PublishProperties, QoS } from '../protocol/packets.js'
import { ReasonCode, type ReasonCodeValue } from '../protocol/reason-codes.js'
import { CloseReason, type CloseReasonValue } from './close-reason.js'
import { logDisconnected } from './connection-log.js'
import { dispatch } from './dispatch.js'
import type { Engine } from './engine.js'
import { Link, type LinkChannel } from './link.js'
import { type Message, secondsLeft } from '../protocol/message.js'
import type { Session } from './session/session.js'
import type { WillMessage } from './will.js'

/** Packets that may wait behind an asynchronous handler before the socket is paused. */
const BACKLOG_PAUSE = 64
export type ConnectionState = 'new' | 'connecting' | 'connected' | 'closed'

export class Connection implements LinkChannel {
  state: ConnectionState = 'new'
  protocolVersion: ProtocolVersion = 4
  clientId = ''
  username: string | undefined
  session: Session | null = null
  will: WillMessage | null = null
  /** Effective keep alive in seconds (after max_keepalive); 0 = none. */
  keepalive = 0
  closeReason: CloseReasonValue | null = null

  // Limits negotiated in CONNECT (v5), with v3 defaults.
  /** Limits we announce to this client, fixed for the connection's life (`config set` changes new ones). */
  readonly maxIncomingPacketSize: number
  readonly topicAliasMaximum: number

  /** Largest packet the client accepts [MQTT-3.1.2-24]. */
  maxOutgoingPacketSize = 268435460
  /** Topic aliases the client accepts from us. */
  clientTopicAliasMaximum = 0
  /** Whether the client asked for reason strings / user properties on acks. */
  requestProblemInformation = true
  /** Session Expiry Interval given in CONNECT (DISCONNECT may not raise it from 0 [MQTT-3.14.2-2]). */
  sessionExpiryAtConnect = 0

  /** Application messages received from / sent to this client. */
  messagesIn = 0
  messagesOut = 0

  /** Topic aliases the client defined towards us (alias → topic) [MQTT-3.3.2-10]. */
  inboundAliases: Map<number, string> | null = null
  /** Aliases we defined towards the client (topic → alias). */
  private outboundAliases: Map<string, number> | null = null

  /** The socket side: stream, framing, output batching, byte counts. */
  readonly link: Link
  private backlog: Packet[] | null = null
  /** The last PUBACK/PUBREC still waiting for the Store (acks leave in order). */
  private ackChain: Promise<void> | null = null
  private busy = false

  constructor (
    readonly engine: Engine,
    stream: Duplex,
    readonly info: ConnectionInfo
  ) {
    this.maxIncomingPacketSize = engine.config.max_packet_size
    this.topicAliasMaximum = engine.config.topic_alias_maximum
    this.link = new Link(stream, this, engine.counters)
  }

  /** When the socket was accepted (ms since the epoch). */
  get openedAt (): number { return this.link.openedAt }
  /** Time of the last byte received (ms since the epoch), for keep alive. */
  get lastReceivedAt (): number { return this.link.lastReceivedAt }

  get closed (): boolean { return this.state === 'closed' }

  /** Called by the CONNECT handler once the protocol level is known. */
  setProtocolVersion (version: ProtocolVersion): void {
    this.protocolVersion = version
  }

  /** True when a pre-encoded QoS 0 PUBLISH (no per-connection alias or properties) suits this connection. */
  get acceptsSharedEncoding (): boolean {
    return this.clientTopicAliasMaximum === 0
  }

  // ---- inbound -------------------------------------------------------------------------------

  /** @internal The parser threw: a bug of ours (or of the parser) costs this connection only, never the process. */
  onInputFailure (err: unknown): void {
    this.engine.log.error({ clientId: this.clientId, peer: this.peer, err }, 'failed to process input')
    this.close(CloseReason.InternalError, ReasonCode.UnspecifiedError)
  }

  /**
   * @internal Guards on the packet still being assembled, as soon as its fixed header has arrived
   * and before its body is buffered: a first packet that is not CONNECT [MQTT-3.1.0-1], and a
   * declared remaining length above the limit (max_connect_packet_size until CONNECT has succeeded).
   */
  onPacketHeader (cmd: string, remainingLength: number): void {
    if (this.closed) return
    if (this.state === 'new' && cmd !== 'connect') {
      this.engine.counters.protocolErrors++
      this.engine.log.debug({ peer: this.peer, cmd }, 'first packet is not CONNECT')
      this.close(CloseReason.ProtocolViolation)
    } else if (packetSize(remainingLength) > this.inputLimit) {
      this.tooLarge()
    }
  }

  /** @internal The stream ended, errored or closed. */
  onStreamClosed (): void {
    this.close(CloseReason.SocketClosed)
  }

  /** Largest packet accepted now: before CONNECT has succeeded anyone may be talking, so less. */
  private get inputLimit (): number {
    return this.state === 'connected' ? this.maxIncomingPacketSize : this.engine.config.max_connect_packet_size
  }

  /** @internal A packet from the parser. */
  onPacket (packet: Packet): void {
    if (this.closed) return
    if (packet.length !== undefined && packetSize(packet.length) > this.inputLimit) {
      this.tooLarge()
      return
    }
    this.engine.counters.packetsReceived++
    if (this.engine.tracer.active) this.engine.tracer.packetIn(this, packet) // parse → trace → process
    if (this.busy) {
      const backlog = this.backlog ??= []
      backlog.push(packet)
      if (backlog.length >= BACKLOG_PAUSE) this.link.pause()
      return
    }
    this.handle(packet)
  }

  private handle (packet: Packet): void {
    const pending = dispatch(this, packet)
    if (pending !== undefined) {
      this.busy = true
      void pending.then(() => { this.drainBacklog() })
    }
  }

  private drainBacklog (): void {
    this.busy = false
    const backlog = this.backlog
    while (backlog !== null && backlog.length > 0 && !this.busy && !this.closed) {
      this.handle(backlog.shift() as Packet)
    }
    if (!this.busy && !this.closed) this.link.resume()
  }

  private tooLarge (): void {
    this.engine.counters.protocolErrors++
    this.engine.log.debug({ clientId: this.clientId, peer: this.peer, state: this.state }, 'packet above max_packet_size (before CONNECT: max_connect_packet_size)')
    this.close(CloseReason.PacketTooLarge, ReasonCode.PacketTooLarge)
  }

  /** @internal A malformed packet, from the parser. */
  onParseError (err: Error): void {
    if (this.closed) return
    this.engine.counters.protocolErrors++
    this.engine.log.debug({ clientId: this.clientId, peer: this.peer, err: err.message }, 'malformed packet')
    if (this.state === 'new' && err.message === 'Invalid protocol version') {
      // [MQTT-3.1.2-2] unacceptable protocol level: CONNACK 0x01 (in v3 form), then close.
      this.link.write(Buffer.from([0x20, 0x02, 0x00, 0x01]))
      this.close(CloseReason.ConnectRefused)
      return
    }
    this.close(CloseReason.MalformedPacket, ReasonCode.MalformedPacket)
  }

  // ---- outbound ------------------------------------------------------------------------------

  /** The bytes of `packet` for this connection's protocol version. */
  encode (packet: Packet): Buffer {
    return encodePacket(packet, this.protocolVersion === 5)
  }

  /** Encodes and writes one packet. Returns false when the stream asks us to wait for 'drain'. */
  send (packet: Packet): boolean {
    if (this.closed) return false
    const buf = this.encode(packet)
    if (this.engine.tracer.active) this.engine.tracer.packetOut(this, packet, buf.length)
    return this.link.write(buf)
  }

  /**
   * Sends PUBREL, in the short form for Success (Debian's paho-mqtt 1.6 requires the 2-byte form of
   * a v5 PUBREL: the equally valid 4-byte one makes it crash). v3 connections ignore the code.
   */
  sendPubrel (packetId: number, rc: ReasonCodeValue = ReasonCode.Success, durable: Promise<void> | null = null): void {
    this.sendAck({ cmd: 'pubrel', messageId: packetId, reasonCode: this.protocolVersion === 5 ? rc : ReasonCode.Success }, durable)
  }

  /**
   * Sends a PUBACK/PUBREC once `durable` (the Store's flush) resolves; acks leave in the order of
   * their PUBLISHes [MQTT-4.6.0-2], so an ack behind a pending one waits for it too. When the store
   * cannot write (a full disk), v5 gets the ack with 0x97 Quota exceeded (a QoS 2 flow ends there),
   * 3.1.1 gets none (its client sends the message again when it reconnects), and the connection
   * stays up; a PUBREL goes out anyway (the flow goes on in memory, the store catches up later).
   * Returns null when the ack left at once, else a promise of its leaving.
   */
  sendAck (ack: Packet, durable: Promise<void> | null): Promise<void> | null {
    if (durable === null && this.ackChain === null) {
      this.send(ack)
      return null
    }
    const chain: Promise<void> = Promise.all([this.ackChain, durable]).then(
      () => { if (!this.closed) this.send(ack) },
      () => { if (!this.closed) this.ackUnstored(ack) })
    this.ackChain = chain
    void chain.finally(() => { if (this.ackChain === chain) this.ackChain = null })
    return chain
  }

  /** The acknowledgement of a message the store could not write (see sendAck). */
  private ackUnstored (ack: Packet): void {
    this.engine.counters.publishUnstored++
    if (ack.cmd !== 'puback' && ack.cmd !== 'pubrec') {
      this.send(ack)
      return
    }
    const packetId = ack.messageId ?? 0
    if (ack.cmd === 'pubrec' && this.session !== null) {
      // the flow ends with this PUBREC: the packet id is free for a new message [MQTT-4.3.3-9]
      this.session.deleteInboundQos2(packetId)
      if (this.session.persistent) this.engine.store.deleteIncomingQos2(this.session.clientId, packetId)
    }
    if (this.protocolVersion === 5) this.send({ cmd: ack.cmd, messageId: packetId, reasonCode: ReasonCode.QuotaExceeded })
  }

  /** Writes a PUBLISH of `msg` pre-encoded for many QoS 0 subscribers; false when dropped. */
  writeShared (buf: Buffer, msg: Message): boolean {
    if (this.closed || buf.length > this.maxOutgoingPacketSize || this.outputFull()) return false
    this.countPublishOut(msg, 0, 0, (buf[0] & 1) === 1, false, buf.length) // RETAIN is bit 0 of the fixed header
    this.link.write(buf)
    return true
  }

  /**
   * Sends one PUBLISH of `msg` to this client. Adds the per-delivery v5 properties (remaining
   * expiry, subscription identifiers, topic alias). Returns false when the message was discarded:
   * too large for the client [MQTT-3.1.2-25], or a QoS 0 message to a subscriber that does not drain.
   */
  sendPublish (msg: Message, qos: QoS, packetId: number, retain: boolean, dup: boolean,
    subscriptionIds: readonly number[] | null, now: number): boolean {
    if (this.closed) return false
    if (qos === 0 && this.outputFull()) return false
    const v5 = this.protocolVersion === 5
    if (v5 && (msg.properties !== undefined || msg.expiresAt !== 0 || subscriptionIds !== null || this.clientTopicAliasMaximum > 0)) {
      return this.sendPublishWithProperties(msg, qos, packetId, retain, dup, subscriptionIds, now)
    }
    // No properties (the common case, kept small for the JIT): encoded straight into this tick's output.
    const topicLength = Buffer.byteLength(msg.topic, 'utf8')
    const size = publishSize(topicLength, msg.payload.length, qos, v5)
    if (size > this.maxOutgoingPacketSize) return false
    this.countPublishOut(msg, qos, packetId, retain, dup, size)
    const buf = this.link.reserve(size)
    if (buf !== null) writePublish(buf, this.link.outputOffset, msg.topic, topicLength, msg.payload, qos, retain, dup, packetId, v5)
    return true
  }

  /** sendPublish for a v5 delivery with properties: the message's own and the per-delivery ones. */
  private sendPublishWithProperties (msg: Message, qos: QoS, packetId: number, retain: boolean, dup: boolean,
    subscriptionIds: readonly number[] | null, now: number): boolean {
    let topic = msg.topic
    let properties: PublishProperties = msg.properties ?? {}
    let newAlias = 0
    if (msg.expiresAt !== 0 || subscriptionIds !== null || this.clientTopicAliasMaximum > 0) {
      properties = { ...properties }
      if (msg.expiresAt !== 0) properties.messageExpiryInterval = secondsLeft(msg, now) // [MQTT-3.3.2-6]
      if (subscriptionIds !== null) {
        properties.subscriptionIdentifier = subscriptionIds.length === 1 ? subscriptionIds[0] : subscriptionIds.slice()
      }
      if (this.clientTopicAliasMaximum > 0) {
        const aliases = this.outboundAliases ??= new Map()
        const alias = aliases.get(topic)
        if (alias !== undefined) {
          properties.topicAlias = alias
          topic = ''
        } else if (aliases.size < this.clientTopicAliasMaximum) {
          newAlias = aliases.size + 1 // [MQTT-3.3.2-11] never above the client's Topic Alias Maximum
          properties.topicAlias = newAlias
        }
      }
    }
    const packet: PublishPacket = { cmd: 'publish', topic, payload: msg.payload, qos, retain, dup, properties }
    if (qos > 0) packet.messageId = packetId
    const buf = generatePacket(packet, this.protocolVersion === 5)
    if (buf.length > this.maxOutgoingPacketSize) return false
    if (newAlias !== 0) this.outboundAliases?.set(msg.topic, newAlias)
    this.countPublishOut(msg, qos, packetId, retain, dup, buf.length)
    this.link.write(buf)
    return true
  }

  /**
   * True when `max_outgoing_bytes` are already waiting for this client (a subscriber that does not
   * read): the QoS 0 message about to be sent is dropped, and counted for the session and broker.
   */
  private outputFull (): boolean {
    if (this.link.bytesWaiting <= this.engine.config.max_outgoing_bytes) return false
    this.engine.counters.outputDropped++
    if (this.session !== null) this.session.outputDropped++
    return true
  }

  private countPublishOut (msg: Message, qos: QoS, packetId: number, retain: boolean, dup: boolean, size: number): void {
    if (this.engine.tracer.active) this.engine.tracer.publishOut(this, msg, qos, packetId, retain, dup, size)
    this.engine.counters.publishSent++
    this.messagesOut++
  }

  // ---- close ---------------------------------------------------------------------------------

  /**
   * Closes the connection once; later calls do nothing. With `rc` and a v5 client past CONNACK,
   * a DISCONNECT carrying it is sent first [MQTT-4.13.1-1].
   */
  close (reason: CloseReasonValue, rc?: ReasonCodeValue, properties?: { reasonString?: string; serverReference?: string }): void {
    if (this.state === 'closed') return
    const wasConnected = this.state === 'connected'
    this.state = 'closed'
    this.closeReason = reason
    if (rc !== undefined && wasConnected && this.protocolVersion === 5 && this.link.writable) {
      const disconnect: Packet = { cmd: 'disconnect', reasonCode: rc, properties }
      const buf = properties === undefined ? encodeDisconnect(rc) : generatePacket(disconnect, true)
      if (this.engine.tracer.active) this.engine.tracer.packetOut(this, disconnect, buf.length)
      this.link.write(buf)
    }
    this.backlog = null
    this.link.end()
    if (wasConnected) logDisconnected(this, rc !== undefined && this.protocolVersion === 5 ? rc : undefined)
    this.engine.connectionClosed(this)
  }

  /** `ip:port` of the peer, for logs. */
  get peer (): string {
    return `${this.info.remoteAddress}:${this.info.remotePort}`
  }
}
