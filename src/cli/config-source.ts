/**
 * The configuration a running broker was started with (`ConfigSource`: file and command-line
 * overrides), in words for `state` and `restart`, and as the StartRequest `restart` reuses when it
 * is given no --config: the same file, the same overrides, unless the restart's own flags replace them.
 */
import type { ConfigSource } from '../config/types.js'
import type { StartRequest } from './daemon-start.js'

/** `/etc/mqttd/broker.yaml (overrides: port 1884, data_dir /var/lib/mqttd)`; `no file (defaults)` without one. */
export function describeConfigSource (source: ConfigSource): string {
  const overrides = Object.entries(source.overrides).map(([k, v]) => `${k} ${String(v)}`)
  return `${source.file ?? 'no file (defaults)'}${overrides.length > 0 ? ` (overrides: ${overrides.join(', ')})` : ''}`
}

/** `request` (from the restart's flags, which win) completed with what the running broker was started with. */
export function reuseConfigSource (request: StartRequest, source: ConfigSource): StartRequest {
  const file = request.configFile ?? source.file ?? undefined
  const port = request.port ?? source.overrides.port
  const host = request.host ?? source.overrides.host
  const dataDir = request.dataDir ?? source.overrides.data_dir
  return {
    ...request,
    ...(file === undefined ? {} : { configFile: file }),
    ...(port === undefined ? {} : { port }),
    ...(host === undefined ? {} : { host }),
    ...(dataDir === undefined ? {} : { dataDir }),
  }
}
