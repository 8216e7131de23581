/**
 * Listeners: one configured listener becomes a bound server that hands every accepted connection to
 * the MQTT engine as a plain byte Duplex, together with a description of where it came from.
 *
 * This module owns what every transport shares (binding, error wording, closing) and dispatches on
 * `config.type` to `tcp.ts`, `tls.ts` and `websocket.ts`, which only build the unbound server.
 * Limits: no logging and no counting here; a stream belongs to `onStream` from the moment it is
 * handed over (its errors, timeouts and closing are the owner's). `close()` stops accepting and
 * never touches streams already handed over. Errors a server reports after binding (e.g. EMFILE on
 * accept, when libuv could not drop the pending connection itself) go to `onAcceptError`, never
 * to an unhandled 'error' event that would crash the process.
 */

import type { AddressInfo, Server } from 'node:net'
import type { Duplex } from 'node:stream'
import type tls from 'node:tls'

import type { ListenerConfig } from '../config/types.js'
import { createTcpServer } from './tcp.js'
import { createTlsServer, reloadCertificates } from './tls.js'
import { createWebSocketServer } from './websocket.js'

/** Where a connection came from. */
export interface ConnectionInfo {
  remoteAddress: string
  remotePort: number
  /** The listener that accepted it, e.g. `mqtt 0.0.0.0:1883`, `ws 127.0.0.1:8080/mqtt`. */
  listener: string
  transport: 'tcp' | 'tls' | 'ws' | 'wss'
  /** TLS only: whether the peer certificate verified against `ca`, and its subject CN. */
  peerCertificate?: { authorized: boolean; subjectCN?: string }
  /** The listener has `use_identity_as_username`: the user name is the certificate's CN. */
  identityFromCertificate?: boolean
}

/** Receives each accepted connection; the stream is the caller's from then on. */
export type StreamHandler = (stream: Duplex, info: ConnectionInfo) => void

/** What a transport reports per connection; `openListener` adds the listener's name. */
export type TransportHandler = (stream: Duplex, info: Omit<ConnectionInfo, 'listener'>) => void

/** A bound listener. */
export interface RunningListener {
  readonly config: ListenerConfig
  /** As in ConnectionInfo.listener, e.g. `mqtt 0.0.0.0:1883`. */
  readonly name: string
  /** Address actually bound (as reported by the OS). */
  readonly host: string
  /** Port actually bound (differs from `config.port` when that is 0). */
  readonly port: number
  /**
   * mqtts/wss only: re-reads the certificate files for new handshakes; rejects, keeping the
   * current certificate, when the files are unusable (src/transport/tls.ts#reloadCertificates).
   */
  reloadCertificates?(): Promise<void>
  /** Stop accepting; existing streams are left to their owner. */
  close(): Promise<void>
}

/** Hears of a server's errors after binding (accept failures), with the listener's name. */
export type AcceptErrorHandler = (err: NodeJS.ErrnoException, listener: string) => void

/** Binds `config` and calls `onStream` for every accepted connection; rejects when binding fails. */
export async function openListener (config: ListenerConfig, onStream: StreamHandler, onAcceptError: AcceptErrorHandler = ignore): Promise<RunningListener> {
  let name = describeListener(config, config.port)
  const identity = config.use_identity_as_username ? { identityFromCertificate: true } : {}
  const accept: TransportHandler = (stream, info) => onStream(stream, { ...info, listener: name, ...identity })

  let server: Server
  try {
    server = await createServer(config, accept)
    await listen(server, config)
  } catch (err) {
    throw listenerError(err, name)
  }

  const address = server.address() as AddressInfo
  name = describeListener(config, address.port)
  server.on('error', (err: NodeJS.ErrnoException) => { onAcceptError(err, name) })
  return {
    config,
    name,
    host: address.address,
    port: address.port,
    ...(config.type === 'mqtts' || config.type === 'wss'
      ? { reloadCertificates: () => reloadCertificates(server as tls.Server, config) }
      : {}),
    close: () => stopAccepting(server),
  }
}

/** `<type> <host>:<port>[<path>]`, with IPv6 hosts bracketed. */
export function describeListener (config: ListenerConfig, port: number): string {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const path = config.type === 'ws' || config.type === 'wss' ? config.path : ''
  return `${config.type} ${host}:${port}${path}`
}

function createServer (config: ListenerConfig, accept: TransportHandler): Promise<Server> {
  switch (config.type) {
    case 'mqtt':
      return Promise.resolve(createTcpServer(accept))
    case 'mqtts':
      return createTlsServer(config, accept)
    case 'ws':
    case 'wss':
      return createWebSocketServer(config, accept)
  }
}

function listen (server: Server, config: ListenerConfig): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening)
      reject(err)
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ host: config.host, port: config.port })
  })
}

/**
 * `server.close()` releases the listening handle synchronously; its callback would wait for every
 * accepted connection to end, which is exactly what must not be waited for here.
 */
function stopAccepting (server: Server): Promise<void> {
  if (server.listening) server.close()
  return Promise.resolve()
}

/** A new error naming the listener, keeping the original's code/errno/syscall and the original as cause. */
function listenerError (err: unknown, name: string): Error {
  if (!(err instanceof Error)) return new Error(`${name}: ${String(err)}`)
  const wrapped: NodeJS.ErrnoException = new Error(`${name}: ${err.message}`, { cause: err })
  const { code, errno, syscall, path } = err as NodeJS.ErrnoException
  if (code !== undefined) wrapped.code = code
  if (errno !== undefined) wrapped.errno = errno
  if (syscall !== undefined) wrapped.syscall = syscall
  if (path !== undefined) wrapped.path = path
  return wrapped
}

function ignore (): void {}
