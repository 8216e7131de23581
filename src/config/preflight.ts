/**
 * Everything a start needs beyond a valid configuration, checked before anything is spawned or
 * stopped (`mqttctl start`, `restart`, `start --foreground`, `config check`), so that `restart`
 * never stops a broker it cannot start again:
 *   - the data directory: an existing one readable, writable and searchable; a missing one
 *     creatable (its deepest existing ancestor writable);
 *   - TLS listeners: `cert`, `key` and `ca` readable; the certificate and the CA parse as X.509,
 *     the key as a private key, and the key matches the certificate (node:crypto), and together
 *     they make a TLS context (tls.createSecureContext, as the listener will);
 *   - every listener's host resolves to an address of this machine, and its port can be bound
 *     (port 0: the address alone is checked): a port held by the running broker that is being
 *     replaced is fine.
 * Each problem names its key (`listeners[1].cert`) and says whether it is a permission problem
 * (this user may not read a file or use the data directory: exit 77 when all are).
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { accessSync, constants, statSync, type Stats } from 'node:fs'
import { readFile } from 'node:fs/promises'
import net from 'node:net'
import { dirname } from 'node:path'
import { createSecureContext } from 'node:tls'
import { getSystemErrorMap } from 'node:util'

import { describeDenied, isPermissionCode } from '../host/access-denied.js'
import type { Config, ListenerConfig } from './types.js'

export interface PreflightProblem {
  /** The key at fault, as in the file: `data_dir`, `listeners[0].cert`. */
  key: string
  message: string
  /** This user may not read or write something (exit 77 when every problem is one). */
  permission: boolean
}

/** Checks `config`; `heldPorts` are bound by the running broker this start replaces. Resolves with every problem (none: []). */
export async function preflight (config: Config, heldPorts: ReadonlySet<number> = new Set()): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [...checkDataDir(config.data_dir)]
  for (const [i, listener] of config.listeners.entries()) {
    problems.push(...await checkTls(listener, `listeners[${i}]`))
    problems.push(...await checkAddress(listener, `listeners[${i}]`, heldPorts))
  }
  return problems
}

/**
 * One problem as `mqttctl` prints it: `invalid configuration: <file>: <key>: <message>`; a
 * permission problem as `<key>: cannot open …`, and the data directory's as the line every
 * command prints for it (src/host/access-denied.ts).
 */
export function formatProblem (problem: PreflightProblem, file: string | undefined): string {
  if (problem.permission) return problem.key === 'data_dir' ? problem.message : `${problem.key}: ${problem.message}`
  return `invalid configuration: ${file === undefined ? '' : `${file}: `}${problem.key === '' ? '' : `${problem.key}: `}${problem.message}`
}

function checkDataDir (dir: string): PreflightProblem[] {
  const key = 'data_dir'
  let existing = dir
  for (;;) {
    const info = statOrNull(existing)
    if (info !== null) {
      if (!info.isDirectory()) return [{ key, message: `${existing} is not a directory`, permission: false }]
      break
    }
    if (dirname(existing) === existing) return [{ key, message: `${dir}: no existing ancestor`, permission: false }]
    existing = dirname(existing)
  }
  const creating = existing !== dir
  try {
    accessSync(existing, creating ? constants.W_OK | constants.X_OK : constants.R_OK | constants.W_OK | constants.X_OK)
  } catch {
    return [{ key, message: creating ? `cannot create ${dir}: ${describeDenied(existing)}` : describeDenied(dir), permission: true }]
  }
  return []
}

/** The three PEM files of a TLS listener, read and checked as tls.ts will use them. */
async function checkTls (l: ListenerConfig, at: string): Promise<PreflightProblem[]> {
  if (l.type !== 'mqtts' && l.type !== 'wss') return []
  const problems: PreflightProblem[] = []
  const read = async (name: 'cert' | 'key' | 'ca'): Promise<Buffer | undefined> => {
    const path = l[name]
    if (path === undefined) return undefined
    try {
      return await readFile(path)
    } catch (err) {
      const { code } = err as NodeJS.ErrnoException
      problems.push(isPermissionCode(code)
        ? { key: `${at}.${name}`, message: describeDenied(path, 'read'), permission: true }
        : { key: `${at}.${name}`, message: `cannot read ${path}: ${systemReason(err)}`, permission: false })
      return undefined
    }
  }
  const [cert, key, ca] = [await read('cert'), await read('key'), await read('ca')]
  const parsed = <T>(name: 'cert' | 'key' | 'ca', what: string, parse: () => T): T | undefined => {
    try {
      return parse()
    } catch (err) {
      problems.push({ key: `${at}.${name}`, message: `${l[name] ?? ''} is not a PEM ${what} (${(err as Error).message})`, permission: false })
      return undefined
    }
  }
  const x509 = cert === undefined ? undefined : parsed('cert', 'certificate', () => new X509Certificate(cert))
  const privateKey: KeyObject | undefined = key === undefined ? undefined : parsed('key', 'private key', () => createPrivateKey(key))
  if (ca !== undefined) parsed('ca', 'CA certificate', () => new X509Certificate(ca))
  if (x509 !== undefined && privateKey !== undefined) {
    if (!x509.checkPrivateKey(privateKey)) {
      problems.push({ key: `${at}.key`, message: `${l.key ?? ''} is not the private key of the certificate ${l.cert ?? ''} (${at}.cert)`, permission: false })
    } else if (problems.length === 0) {
      try {
        createSecureContext({ cert, key, ...(ca === undefined ? {} : { ca }) })
      } catch (err) {
        problems.push({ key: at, message: `the TLS context cannot be made: ${(err as Error).message}`, permission: false })
      }
    }
  }
  return problems
}

/** The host resolves and host:port can be bound (briefly, then released; port 0 checks the address). */
async function checkAddress (l: ListenerConfig, at: string, heldPorts: ReadonlySet<number>): Promise<PreflightProblem[]> {
  let address: string
  try {
    address = (await lookup(l.host)).address
  } catch (err) {
    return [{ key: `${at}.host`, message: `${l.host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, permission: false }]
  }
  if (l.port !== 0 && heldPorts.has(l.port)) return []
  const failure = await tryBind(address, l.port)
  if (failure === undefined) return []
  switch (failure.code) {
    case 'EADDRINUSE':
      return [{ key: `${at}.port`, message: `${l.host}:${l.port} is in use by another program`, permission: false }]
    case 'EADDRNOTAVAIL':
      return [{ key: `${at}.host`, message: `${l.host} (${address}) is not an address of this machine`, permission: false }]
    case 'EACCES':
      return [{ key: `${at}.port`, message: `port ${l.port} may not be bound by this user (below 1024: run as root or grant CAP_NET_BIND_SERVICE)`, permission: true }]
    default:
      return [{ key: `${at}.port`, message: `${l.host}:${l.port} cannot be bound: ${systemReason(failure)}`, permission: false }]
  }
}

function tryBind (host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', (err: NodeJS.ErrnoException) => { resolve(err) })
    server.listen({ host, port, exclusive: true }, () => { server.close(() => { resolve(undefined) }) })
  })
}

function statOrNull (path: string): Stats | null {
  try {
    return statSync(path)
  } catch {
    return null
  }
}

function systemReason (err: unknown): string {
  const { errno } = err as NodeJS.ErrnoException
  return (errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1]) ?? (err as Error).message
}
