/**
 * What the control handlers see of the broker. An interface rather than the Broker class, so the
 * handlers stay testable and the import graph stays one-way (broker → control → core).
 */
import type { Config, ConfigSource } from '../../config/types.js'
import type { Engine } from '../../core/engine.js'
import type { Tracer } from '../../tracing/tracer.js'
import type { Logger } from '../../log.js'
import type { MetricsSampler } from '../../metrics/sampler.js'
import type { ListenerState, ReloadResult } from '../schema.js'
import type { Cluster } from '../../cluster/cluster.js'

export interface BrokerView {
  readonly version: string
  readonly config: Config
  /** The config file and command-line overrides the broker was started with. */
  readonly configSource: ConfigSource
  readonly engine: Engine
  /** Live tracing: the trace handler starts and ends its sessions. */
  readonly tracer: Tracer
  readonly metrics: MetricsSampler
  readonly log: Logger
  /** This node's cluster; null on a standalone broker. */
  readonly cluster: Cluster | null
  /** The bound listeners with their open connection counts. */
  listenerStates (): ListenerState[]
  /** Starts a graceful stop (answered first, then the process exits). */
  requestStop (): void
  /** `mqttctl reload`: reads the config file again, reloads certificates, reopens the log (src/reload.ts). */
  reload (): Promise<ReloadResult>
}
