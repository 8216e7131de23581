/**
 * Broker: the process-level object. Owns the listeners and the MQTT engine (src/core/engine.ts).
 *
 * `start()` opens the Store and restores its state, binds every configured listener (all or
 * nothing: if one fails, those already bound are closed and the error propagates with the listener
 * named), and last opens the control socket `<data_dir>/mqttctl.sock` — so a control `hello` means
 * the broker is ready. `close()` stops accepting, sends v5 clients DISCONNECT 0x8B, closes every
 * connection, flushes and closes the Store, then the control socket.
 *
 * With `cluster` in the config the broker is one node of a cluster (src/cluster): it joins after
 * opening the store and before restoring sessions (whose routes it mirrors), and leaves after its
 * connections have closed and the store is flushed. The engine's store is then a ReplicatedStore:
 * retained messages, accounts and rules are the cluster's (src/cluster/shared-state.ts), taken
 * from Redis at the join, before the engine restores them.
 */
import { createRequire } from 'node:module'
import type { Config, ConfigSource, ListenerType } from './config/types.js'
import type { LoadConfigOptions } from './config/load.js'
import { registerControlHandlers } from './control/handlers/index.js'
import { CONTROL_PROTOCOL, type ListenerState } from './control/schema.js'
import { ControlServer } from './control/server.js'
import { Engine } from './core/engine.js'
import type { Logger } from './log.js'
import { MetricsSampler } from './metrics/sampler.js'
import { SysTreePublisher, type SysValues } from './core/sys-tree.js'
import { clusterSysValues } from './cluster/totals.js'
import { socketPathIn } from './host/data-dir.js'
import { makeDir } from './host/make-dir.js'
import { createStore } from './store/create.js'
import { StoreError } from './store/errors.js'
import { applyPersistedSettings } from './store/persisted-settings.js'
import { LIVE_KEYS } from './control/handlers/config.js'
import type { Store } from './store/store.js'
import { type ReloadTrigger, reload } from './reload.js'
import type { ReloadResult } from './control/schema.js'
import { Tracer } from './tracing/tracer.js'
import { Cluster } from './cluster/cluster.js'
import { ReplicatedStore } from './cluster/replicated-store.js'
import { SharedState } from './cluster/shared-state.js'
import type { NodeFigures } from './cluster/membership.js'
import { hostname } from 'node:os'
import { type RunningListener, openListener } from './transport/listener.js'

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string }

/** A bound listener as reported to operators. */
export interface ListenerInfo {
  type: ListenerType
  host: string
  port: number
  path?: string
}

export class Broker {
  readonly version: string = pkg.version
  readonly engine: Engine
  /** Live tracing (`mqttctl trace`): the engine calls its hooks, the control channel starts sessions. */
  readonly tracer = new Tracer()
  readonly metrics: MetricsSampler
  /** Publishes `$SYS/broker/...` every `sys_interval` seconds (src/core/sys-tree.ts). */
  readonly sysTree: SysTreePublisher
  readonly log: Logger
  /** This node's cluster (config `cluster`); null on a standalone broker. */
  readonly cluster: Cluster | null
  /** The cluster-wide retained messages, accounts and rules (src/cluster/shared-state.ts); null when standalone. */
  readonly sharedState: SharedState | null
  /** Control socket path: `<data_dir>/mqttctl.sock`. */
  readonly controlSocketPath: string
  /** Called when an operator asks for a stop (`mqttctl stop`); the process glue closes the broker. */
  onStopRequested: () => void = () => { void this.close() }
  private running: RunningListener[] = []
  private control: ControlServer | null = null
  private closing: Promise<void> | null = null
  /** What a reload loads again (src/reload.ts). */
  private readonly reloadFrom: LoadConfigOptions
  private readonly reopenLog: (() => void) | undefined
  /** The last reload (they run one at a time). */
  private reloading: Promise<unknown> = Promise.resolve()

  /** Where `config` came from (file and command-line overrides), reported to `mqttctl restart`. */
  readonly configSource: ConfigSource

  /**
   * `deps.store` replaces the backend named in the config (tests restart a broker on one store);
   * `deps.source` says where the configuration came from (the file and command-line values a
   * reload reads again, and `state` and `node.status` report); without it a reload goes back to
   * the configuration the broker was constructed with. `deps.reopenLog` reopens the log file on
   * reload (the daemon's; absent when logging to stderr).
   */
  constructor (readonly config: Config, deps: { logger: Logger; store?: Store; source?: ConfigSource; reopenLog?: () => void }) {
    this.log = deps.logger
    this.configSource = deps.source ?? { file: null, overrides: {} }
    this.reloadFrom = deps.source === undefined
      ? { overrides: structuredClone(config) }
      : { ...(deps.source.file === null ? {} : { file: deps.source.file }), overrides: deps.source.overrides }
    this.reopenLog = deps.reopenLog
    const store = deps.store ?? createStore(config)
    // on a cluster node the retained messages, accounts and rules are also written to Redis
    const replicated = config.cluster === undefined ? null : new ReplicatedStore(store)
    this.engine = new Engine(config, deps.logger, replicated ?? store, this.tracer)
    this.metrics = new MetricsSampler(this.engine.counters, (err) => { this.engine.admission.descriptorsExhausted(err, 'a memory reading') })
    this.sysTree = new SysTreePublisher(this)
    this.controlSocketPath = socketPathIn(config.data_dir)
    this.cluster = config.cluster === undefined
      ? null
      : new Cluster(this.engine, config.cluster, { nodeName: config.node_name, version: this.version, figures: () => this.figures() }, this.log)
    this.sharedState = this.cluster === null || replicated === null ? null : new SharedState(this.cluster, this.engine, replicated, this.log)
  }

  /** The `$SYS/broker/cluster/...` values of a cluster node (the totals last read), null when standalone. */
  clusterValues (): SysValues | null {
    const totals = this.cluster?.totals.latest() ?? null
    return totals === null ? null : clusterSysValues(totals)
  }

  /** What this node reports to the cluster with each heartbeat. */
  private figures (): NodeFigures {
    return {
      clients: this.engine.connections.size,
      subscriptions: this.engine.router.subscriptionCount,
      rateIn: this.metrics.rate('publishReceived'),
      rateOut: this.metrics.rate('publishSent'),
      advertise: this.config.cluster?.advertise ?? this.advertisedAddress(),
    }
  }

  /** The first MQTT listener's bound address (the host name for a wildcard one); '' before any is bound. */
  private advertisedAddress (): string {
    const l = this.running.find((r) => r.config.type === 'mqtt') ?? this.running[0]
    if (l === undefined) return ''
    const host = l.host === '0.0.0.0' || l.host === '::' || l.host === '' ? hostname() : l.host
    return `${host.includes(':') ? `[${host}]` : host}:${l.port}`
  }

  /** Restores stored state, binds all listeners, starts the timers and opens the control socket. */
  async start (): Promise<void> {
    await makeDir(this.config.data_dir)
    await openStore(this.engine.store)
    await applyPersistedSettings(this.engine.store, this.config, LIVE_KEYS, this.log)
    await this.cluster?.join()
    await this.engine.restore()
    await this.cluster?.reconcileSessions()
    this.sharedState?.ready()
    this.engine.start()
    this.metrics.start()
    try {
      for (const listener of this.config.listeners) {
        this.running.push(await openListener(listener, (stream, info) => { this.engine.accept(stream, info) },
          (err, name) => { this.engine.admission.acceptFailed(err, name) }))
      }
      const control = new ControlServer(this.controlSocketPath,
        () => ({ protocol: CONTROL_PROTOCOL, broker: this.version, node: this.config.node_name, pid: process.pid, bcrypt_cost: this.config.bcrypt_cost }), this.log)
      registerControlHandlers(control, {
        version: this.version,
        config: this.config,
        configSource: this.configSource,
        engine: this.engine,
        tracer: this.tracer,
        metrics: this.metrics,
        log: this.log,
        cluster: this.cluster,
        listenerStates: () => this.listenerStates(),
        requestStop: () => { this.onStopRequested() },
        reload: () => this.reload('mqttctl reload'),
      })
      await control.listen()
      this.control = control
      this.sysTree.start()
    } catch (err) {
      await Promise.all(this.running.map((l) => l.close()))
      this.running = []
      await this.sharedState?.close()
      await this.cluster?.leave()
      throw err
    }
    if (this.cluster !== null) void this.cluster.membership.beat() // the bound address, at once
  }

  /**
   * Reads the configuration again, reloads TLS certificates and reopens the log (src/reload.ts);
   * rejects with ConfigError, having changed nothing, when the file is invalid.
   */
  reload (via: ReloadTrigger): Promise<ReloadResult> {
    if (this.control === null || this.closing !== null) return Promise.reject(new Error('the broker is not running'))
    const run = this.reloading.then(() => reload({
      config: this.config,
      log: this.log,
      store: this.engine.store,
      loadOptions: this.reloadFrom,
      ...(this.reopenLog === undefined ? {} : { reopenLog: this.reopenLog }),
      tlsListeners: () => this.running.flatMap((l) => {
        const reloadCertificates = l.reloadCertificates
        return reloadCertificates === undefined ? [] : [{ name: l.name, reloadCertificates }]
      }),
    }, via))
    this.reloading = run.catch(() => undefined)
    return run
  }

  /** Listeners with their open connection counts. */
  listenerStates (): ListenerState[] {
    const counts = new Map<string, number>()
    for (const conn of this.engine.connections) counts.set(conn.info.listener, (counts.get(conn.info.listener) ?? 0) + 1)
    return this.running.map((l) => ({
      ...this.describe(l),
      connections: counts.get(l.name) ?? 0,
    }))
  }

  /** The listeners actually bound (ports resolved when configured as 0). */
  get listeners (): ListenerInfo[] {
    return this.running.map((l) => this.describe(l))
  }

  private describe (l: RunningListener): ListenerInfo {
    return {
      type: l.config.type,
      host: l.host,
      port: l.port,
      ...(l.config.type === 'ws' || l.config.type === 'wss' ? { path: l.config.path } : {}),
    }
  }

  /** Graceful stop; safe to call more than once. */
  close (): Promise<void> {
    this.closing ??= (async () => {
      this.sysTree.stop()
      await Promise.all(this.running.map((l) => l.close()))
      await this.engine.shutdown()
      this.metrics.stop()
      await this.sharedState?.close()
      await this.engine.store.flush()
      await this.cluster?.leave()
      await this.engine.store.close()
      await this.control?.close()
    })()
    return this.closing
  }
}

/** How long start-up waits for a store another process holds (mqttctl offline edits take milliseconds). */
const STORE_LOCK_WAIT_MS = 5000

/** Opens the store, waiting a little while another process (an offline mqttctl command) holds it. */
async function openStore (store: Store): Promise<void> {
  const deadline = Date.now() + STORE_LOCK_WAIT_MS
  for (;;) {
    try {
      await store.open()
      return
    } catch (err) {
      if (!(err instanceof StoreError && err.locked) || Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
