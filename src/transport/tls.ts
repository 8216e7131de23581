/**
 * TLS transport (`mqtts` listeners) and the TLS settings shared with secure WebSockets.
 *
 * Certificate, key and CA are read from their PEM files when the listener opens, and again by
 * `reloadCertificates` (SIGHUP, `mqttctl reload`): handshakes after it use the new files, open
 * connections keep theirs. Files that do not make a valid context (unreadable, not PEM, a key that
 * does not match the certificate) throw there and the server keeps the previous ones. With `require_certificate` the handshake fails without a client
 * certificate that verifies; with only `ca` set a client certificate is asked for but optional, so
 * that its CN can be reported in `ConnectionInfo.peerCertificate`. Failed handshakes just destroy
 * that socket: nothing is logged or counted here.
 */

import { readFile } from 'node:fs/promises'
import type { Socket } from 'node:net'
import tls from 'node:tls'

import type { ListenerConfig } from '../config/types.js'
import type { ConnectionInfo, TransportHandler } from './listener.js'

/** An unbound TLS server handing each handshaken socket to `accept`. */
export async function createTlsServer (config: ListenerConfig, accept: TransportHandler): Promise<tls.Server> {
  const server = tls.createServer(await tlsOptions(config), (socket) => {
    if (socket.remoteAddress === undefined) {
      socket.destroy()
      return
    }
    const peer = peerCertificate(socket)
    accept(socket, {
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort ?? 0,
      transport: 'tls',
      ...(peer && { peerCertificate: peer }),
    })
  })
  server.on('connection', (socket: Socket) => socket.setNoDelay(true))
  server.on('tlsClientError', (_err, socket) => socket.destroy())
  return server
}

/** Server TLS options for `config`, reading cert/key/ca from disk; cert and key are required. */
export async function tlsOptions (config: ListenerConfig): Promise<tls.TlsOptions> {
  if (config.cert === undefined || config.key === undefined) {
    throw new Error(`${config.type} listener needs both cert and key`)
  }
  const [cert, key, ca] = await Promise.all([
    readFile(config.cert),
    readFile(config.key),
    config.ca === undefined ? undefined : readFile(config.ca),
  ])
  return {
    cert,
    key,
    ...(ca && { ca }),
    requestCert: config.require_certificate || ca !== undefined,
    rejectUnauthorized: config.require_certificate,
  }
}

/** Re-reads cert, key and ca for new handshakes; throws, keeping the current ones, when they are unusable. */
export async function reloadCertificates (server: tls.Server, config: ListenerConfig): Promise<void> {
  server.setSecureContext(await tlsOptions(config))
}

/** The client certificate's verification result and subject CN; undefined when none was presented. */
export function peerCertificate (socket: tls.TLSSocket): ConnectionInfo['peerCertificate'] {
  const cert = socket.getPeerCertificate()
  if (cert === null || typeof cert !== 'object' || Object.keys(cert).length === 0) return undefined
  const cn: unknown = cert.subject?.CN
  const subjectCN = Array.isArray(cn) ? cn[0] : cn
  return typeof subjectCN === 'string' ? { authorized: socket.authorized, subjectCN } : { authorized: socket.authorized }
}
