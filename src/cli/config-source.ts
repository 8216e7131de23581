/**
 * The configuration a running broker was started with (`ConfigSource`: file and command-line
 * overrides), in words for `state` and `restart`, and as the StartRequest `restart` reuses when it
 * is given no --config: the same file, the same overrides, unless the restart's own flags replace them.
 * The Redis URL of `--cluster` may hold a password: it travels whole on the control socket (restart
 * needs it), and is redacted wherever a source is shown (`redactedConfigSource`).
 */
import { redactUrl } from '../config/redact.js'
import type { ConfigSource } from '../config/types.js'
import type { StartRequest } from './daemon-start.js'

/** `/etc/mqttd/broker.yaml (overrides: port 1884, data_dir /var/lib/mqttd)`; `no file (defaults)` without one. */
export function describeConfigSource (source: ConfigSource): string {
  const overrides = Object.entries(redactedConfigSource(source).overrides).map(([k, v]) => `${k} ${String(v)}`)
  return `${source.file ?? 'no file (defaults)'}${overrides.length > 0 ? ` (overrides: ${overrides.join(', ')})` : ''}`
}

/** `source` as it may be shown (`state --json`, `restart --json`): the password of `cluster_redis` replaced by `***`. */
export function redactedConfigSource (source: ConfigSource): ConfigSource {
  const { cluster_redis: clusterRedis } = source.overrides
  if (clusterRedis === undefined) return source
  return { ...source, overrides: { ...source.overrides, cluster_redis: redactUrl(clusterRedis) } }
}

/** `request` (from the restart's flags, which win) completed with what the running broker was started with. */
export function reuseConfigSource (request: StartRequest, source: ConfigSource): StartRequest {
  const file = request.configFile ?? source.file ?? undefined
  const port = request.port ?? source.overrides.port
  const host = request.host ?? source.overrides.host
  const clusterRedis = request.clusterRedis ?? source.overrides.cluster_redis
  const nodeName = request.nodeName ?? source.overrides.node_name
  const dataDir = request.dataDir ?? source.overrides.data_dir
  return {
    ...request,
    ...(file === undefined ? {} : { configFile: file }),
    ...(port === undefined ? {} : { port }),
    ...(host === undefined ? {} : { host }),
    ...(clusterRedis === undefined ? {} : { clusterRedis }),
    ...(nodeName === undefined ? {} : { nodeName }),
    ...(dataDir === undefined ? {} : { dataDir }),
  }
}
