/**
 * Plain TCP transport (`mqtt` listeners): a `net.Server` whose accepted sockets go straight to the
 * engine. Every socket gets TCP_NODELAY, since MQTT packets are small and latency-sensitive.
 *
 * Limits: the server is returned unbound; binding, naming and closing live in `listener.ts`.
 * A socket that is already gone by the time it is accepted (no remote address) is dropped.
 */

import net from 'node:net'

import type { TransportHandler } from './listener.js'

/** An unbound TCP server handing each accepted socket to `accept`. */
export function createTcpServer (accept: TransportHandler): net.Server {
  return net.createServer((socket) => {
    socket.setNoDelay(true)
    if (socket.remoteAddress === undefined) {
      socket.destroy()
      return
    }
    accept(socket, {
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort ?? 0,
      transport: 'tcp',
    })
  })
}
