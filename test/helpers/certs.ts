/**
 * Test certificates: a throwaway CA, a server certificate for localhost/127.0.0.1 and a client
 * certificate (CN=client-1), all signed by that CA and generated with the `openssl` CLI.
 *
 * Keys are P-256 (fast to generate) and valid for one day. A private OpenSSL config is written
 * next to the files so the result does not depend on the system's openssl.cnf. Needs `openssl` on
 * PATH; the caller owns `dir` and removes it.
 */

import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Paths of the generated PEM files. */
export interface CertPaths {
  ca: string
  cert: string
  key: string
  clientCert: string
  clientKey: string
}

const CONFIG = `[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
`

const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/** Writes ca.pem, server.pem/server.key and client.pem/client.key into `dir`. */
export async function makeCerts (dir: string): Promise<CertPaths> {
  const file = (name: string): string => join(dir, name)
  const config = file('openssl.cnf')
  await writeFile(config, CONFIG)

  const ca = file('ca.pem')
  const caKey = file('ca.key')
  await run('openssl', ['req', '-x509', ...NEW_KEY, '-config', config, '-extensions', 'ca_ext',
    '-subj', '/CN=mqttd test CA', '-days', '1', '-keyout', caKey, '-out', ca])

  const issue = async (name: string, cn: string, extensions: string, serial: string): Promise<void> => {
    const csr = file(`${name}.csr`)
    await run('openssl', ['req', '-new', ...NEW_KEY, '-config', config, '-subj', `/CN=${cn}`,
      '-keyout', file(`${name}.key`), '-out', csr])
    await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-set_serial', serial,
      '-days', '1', '-extfile', config, '-extensions', extensions, '-out', file(`${name}.pem`)])
  }
  await Promise.all([
    issue('server', 'localhost', 'server_ext', '2'),
    issue('client', 'client-1', 'client_ext', '3'),
  ])

  return {
    ca,
    cert: file('server.pem'),
    key: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
  }
}
