/**
 * `sys.watch`: a stream of `$SYS` snapshots (`mqttctl sys`). Each event is `{ts, values}` with the
 * same key → value map the `$SYS/broker/...` publisher uses (src/core/sys-tree.ts), computed
 * directly (no MQTT subscription), right after the stream starts and then every `interval_ms`
 * (default 1000; an integer from SYS_WATCH_MIN_MS to SYS_WATCH_MAX_MS, checked by its schema in
 * control/params.ts) until the stream stops. Cost per snapshot: one pass over the sessions (see
 * sysValues), and on a cluster node one read of the cluster totals (the `cluster/...` values).
 */
import { sysValues, type SysSource } from '../../core/sys-tree.js'
import { clusterSysValues } from '../../cluster/totals.js'
import type { ControlServer } from '../server.js'
import type { SysSnapshot } from '../schema.js'
import type { BrokerView } from './context.js'

const SYS_WATCH_DEFAULT_MS = 1000

export function registerSysHandlers (server: ControlServer, broker: BrokerView): void {
  server.stream('sys.watch', ({ interval_ms: intervalMs = SYS_WATCH_DEFAULT_MS }, sink) => {
    let stopped = false
    const cluster = broker.cluster
    const emit = async (): Promise<void> => {
      // A cluster node reads the cluster totals for each snapshot (one read of Redis).
      const totals = cluster === null ? null : await cluster.totals.current()
      if (stopped) return
      const now = Date.now()
      const source: SysSource = totals === null ? broker : { ...broker, clusterValues: () => clusterSysValues(totals) }
      const snapshot: SysSnapshot = { ts: new Date(now).toISOString(), values: sysValues(source, now) }
      sink.emit(snapshot)
    }
    // The first snapshot goes after the server's `{stream:true}` reply, which follows this return.
    const first = setImmediate(() => { void emit() })
    const timer = setInterval(() => { void emit() }, intervalMs)
    timer.unref()
    return () => {
      stopped = true
      clearImmediate(first)
      clearInterval(timer)
    }
  })
}
