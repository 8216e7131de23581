/**
 * Flags shared by `start` and `restart` (and `stop`'s --force, shared by `restart`), defined once so
 * the two commands cannot drift apart.
 */
import { Flags } from '@oclif/core'

/** Default of --wait-timeout, in seconds. */
export const DEFAULT_WAIT_TIMEOUT_S = 30

export const portFlag = Flags.integer({
  summary: 'Listen for plain MQTT at this port only, on --host or 0.0.0.0 (replaces the configured listeners; 0 = any free port).',
  min: 0,
  max: 65_535,
})

export const hostFlag = Flags.string({
  summary: 'Listen for plain MQTT on this address only, at --port or 1883 (replaces the configured listeners; 127.0.0.1 = this machine only).',
})

export const clusterFlag = Flags.string({
  summary: 'Join the cluster on this Redis (redis:// or rediss:// URL): replaces cluster.redis only; the other cluster keys stay as configured (or default).',
  helpValue: 'URL',
})

export const nodeNameFlag = Flags.string({
  summary: 'This broker\'s node name (replaces node_name; unique within a cluster) [default: the host name].',
  helpValue: 'NAME',
})

export const waitTimeoutFlag = Flags.integer({
  summary: `Seconds to wait for the daemon to answer on its control socket [default: ${DEFAULT_WAIT_TIMEOUT_S}].`,
  min: 1,
})

export const forceFlag = Flags.boolean({ summary: 'Kill the broker (SIGKILL) if it has not exited within --timeout.' })
