/**
 * An MQTT client on an in-memory stream, for unit tests of the engine without sockets: a Duplex
 * pair, one end given to `Engine.accept`, the other read and written here with mqtt-packet. Packets
 * from the broker are collected in arrival order; `next(cmd)` waits (with a deadline) for the next
 * one of a kind.
 */
import { Duplex } from 'node:stream'
import mqttPacket, { type Packet } from 'mqtt-packet'
import type { Engine } from '../../src/core/engine.js'

/** One end of an in-memory duplex pair: what it writes, its peer reads. */
class End extends Duplex {
  peer!: End
  override _read (): void {}
  override _write (chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.peer.push(chunk)
    done()
  }

  override _final (done: (err?: Error | null) => void): void {
    this.peer.push(null)
    done()
  }
}

export class MemoryClient {
  readonly received: Packet[] = []
  private readonly waiters: Array<() => void> = []
  private readonly client: End

  constructor (engine: Engine, readonly protocolVersion: 4 | 5 = 5) {
    const broker = new End()
    this.client = new End()
    broker.peer = this.client
    this.client.peer = broker
    const parser = mqttPacket.parser({ protocolVersion })
    parser.on('packet', (p: Packet) => {
      this.received.push(p)
      for (const w of this.waiters.splice(0)) w()
    })
    this.client.on('data', (chunk: Buffer) => { parser.parse(chunk) })
    // the broker closed its side: close ours, as a TCP peer does, so both streams end and close
    this.client.on('end', () => { this.client.end() })
    engine.accept(broker, { remoteAddress: '127.0.0.1', remotePort: 1, listener: 'memory', transport: 'tcp' })
  }

  send (packet: Packet): void {
    this.client.write(mqttPacket.generate(packet, { protocolVersion: this.protocolVersion }))
  }

  /** Removes and returns the first received packet of `cmd`, waiting up to `timeoutMs` for it. */
  async next (cmd: Packet['cmd'], timeoutMs = 2000): Promise<Packet> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = this.received.findIndex((p) => p.cmd === cmd)
      if (i >= 0) return this.received.splice(i, 1)[0]!
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no ${cmd} within ${timeoutMs} ms (received: ${this.received.map((p) => p.cmd).join(', ')})`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
  }

  /** CONNECT and wait for CONNACK. */
  async connect (clientId: string, opts: { clean?: boolean; sessionExpiry?: number; receiveMaximum?: number } = {}): Promise<Packet> {
    this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: this.protocolVersion,
      clientId,
      clean: opts.clean ?? true,
      keepalive: 0,
      ...(this.protocolVersion === 5 ? { properties: { sessionExpiryInterval: opts.sessionExpiry ?? 0, ...(opts.receiveMaximum === undefined ? {} : { receiveMaximum: opts.receiveMaximum }) } } : {}),
    } as Packet)
    return this.next('connack')
  }

  end (): void {
    this.client.end()
  }
}
