/**
 * WebSocket transports (`ws` and `wss` listeners): an HTTP or HTTPS server that upgrades requests
 * for the configured path to WebSockets and hands each one to the engine as a `WebSocketStream`.
 *
 * Only `config.path` is served (query strings ignored); other upgrade paths get 404 and plain HTTP
 * requests get 404, or 426 on the path itself. The subprotocol must be `mqtt` (preferred) or the
 * MQTT 3.1 `mqttv3.1`; a handshake offering neither is refused with 400. Per-message deflate is off
 * and a message may hold the largest MQTT packet. TCP_NODELAY is set on every raw socket.
 * Limits: no origin checks, no proxy headers (`remoteAddress` is the TCP peer), no HTTP routes.
 */

import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { TLSSocket } from 'node:tls'

import { WebSocketServer } from 'ws'

import type { ListenerConfig } from '../config/types.js'
import type { TransportHandler } from './listener.js'
import { peerCertificate, tlsOptions } from './tls.js'
import { WebSocketStream } from './websocket-stream.js'

/** Largest MQTT packet: 1 type byte, 4 length bytes, 268 435 455 bytes of body. */
const MAX_MESSAGE = 268_435_455 + 5

/** Subprotocols accepted, most preferred first. */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1']

/** An unbound HTTP (ws) or HTTPS (wss) server upgrading `config.path` and handing streams to `accept`. */
export async function createWebSocketServer (
  config: ListenerConfig,
  accept: TransportHandler
): Promise<http.Server | https.Server> {
  const secure = config.type === 'wss'
  const server = secure ? https.createServer(await tlsOptions(config)) : http.createServer()
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE,
    handleProtocols: (offered) => chooseSubprotocol(offered) ?? false,
  })

  server.on('connection', (socket: Socket) => socket.setNoDelay(true))
  if (secure) server.on('tlsClientError', (_err: Error, socket: TLSSocket) => socket.destroy())

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const status = pathname(req.url) === config.path ? 426 : 404
    res.writeHead(status, { Connection: 'close', 'Content-Length': 0, ...(status === 426 && { Upgrade: 'websocket' }) })
    res.end()
  })

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathname(req.url) !== config.path) return refuse(socket, 404)
    if (chooseSubprotocol(parseSubprotocols(req.headers['sec-websocket-protocol'])) === undefined) {
      return refuse(socket, 400)
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const tcp = req.socket
      const peer = tcp instanceof TLSSocket ? peerCertificate(tcp) : undefined
      accept(new WebSocketStream(ws), {
        remoteAddress: tcp.remoteAddress ?? '',
        remotePort: tcp.remotePort ?? 0,
        transport: secure ? 'wss' : 'ws',
        ...(peer && { peerCertificate: peer }),
      })
    })
  })

  return server
}

/** The subprotocol to answer with, or undefined when none of ours is offered. */
export function chooseSubprotocol (offered: Iterable<string>): string | undefined {
  const set = new Set(offered)
  return SUBPROTOCOLS.find((p) => set.has(p))
}

function parseSubprotocols (header: string | undefined): string[] {
  if (header === undefined) return []
  return header.split(',').map((p) => p.trim()).filter((p) => p.length > 0)
}

function pathname (url: string | undefined): string {
  if (url === undefined) return ''
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

/** Answers an upgrade request with a bare HTTP error and closes the socket. */
function refuse (socket: Duplex, status: number): void {
  socket.on('error', () => socket.destroy())
  socket.once('finish', () => socket.destroy())
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}
