/**
 * Flags shared by `start` and `restart` (and `stop`'s --force, shared by `restart`), defined once so
 * the two commands cannot drift apart.
 */
import { Flags } from '@oclif/core'

/** Default of --wait-timeout, in seconds. */
export const DEFAULT_WAIT_TIMEOUT_S = 30

export const portFlag = Flags.integer({
  summary: 'Listen for plain MQTT on 0.0.0.0 at this port only (replaces the configured listeners; 0 = any free port).',
  min: 0,
  max: 65_535,
})

export const waitTimeoutFlag = Flags.integer({
  summary: `Seconds to wait for the daemon to answer on its control socket [default: ${DEFAULT_WAIT_TIMEOUT_S}].`,
  min: 1,
})

export const forceFlag = Flags.boolean({ summary: 'Kill the broker (SIGKILL) if it has not exited within --timeout.' })
