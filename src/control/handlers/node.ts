/** `node.status`, `node.stop`, `reload` and `state`: what the node is and how it is doing. */
import { loadavg } from 'node:os'
import { ConfigError } from '../../config/errors.js'
import { isLoopbackHost } from '../../config/exposure.js'
import { readMemory } from '../../metrics/memory.js'
import { ControlError, type ControlServer } from '../server.js'
import { ControlErrorCode, type ClusterTotals, type State } from '../schema.js'
import type { BrokerView } from './context.js'

export function registerNodeHandlers (server: ControlServer, broker: BrokerView): void {
  const engine = broker.engine
  server.handle('node.status', () => ({
    state: 'running',
    pid: process.pid,
    version: broker.version,
    node: broker.config.node_name,
    uptime_s: Math.round((Date.now() - engine.startedAt) / 1000),
    clients: engine.connections.size,
    listeners: broker.listenerStates(),
    store_error: engine.store.error,
    config: broker.configSource,
  }))

  server.handle('node.stop', () => {
    setImmediate(() => { broker.requestStop() })
    return { stopping: true, pid: process.pid }
  })

  server.handle('reload', async () => {
    try {
      return await broker.reload()
    } catch (err) {
      if (err instanceof ConfigError) throw new ControlError(ControlErrorCode.Invalid, err.message)
      throw err
    }
  })

  server.handle('state', async () => state(broker, broker.cluster === null ? null : await broker.cluster.totals.current()))

  server.handle('cluster.status', async () => {
    const cluster = broker.cluster
    if (cluster === null) throw new ControlError(ControlErrorCode.Invalid, 'this broker is not a cluster node: its configuration has no `cluster` (start it with --cluster redis://HOST:PORT)')
    return { node: broker.config.node_name, nodes: await cluster.status() }
  })
}

function state (broker: BrokerView, cluster: ClusterTotals | null): State {
  const engine = broker.engine
  const c = engine.counters
  const m = broker.metrics
  const { online, inflight, queued, queuedBytes } = engine.sessions.totals()
  const mem = readMemory()
  const lag = m.eventLoopLag()
  const warnings: string[] = []
  const access = engine.access
  // The broker's $SYS values are retained messages too: counted apart (a few dozen, walked here).
  let sysRetained = 0
  engine.retained.match('$SYS/#', Date.now(), () => { sysRetained++ })
  const authentication = access.accountCount === 0 && broker.config.allow_anonymous ? 'off' : 'on'
  if (broker.config.allow_anonymous && broker.listenerStates().some((l) => !isLoopbackHost(l.host))) {
    warnings.push(authentication === 'off'
      ? 'anonymous access is open on a non-loopback listener, and with no account user names are not checked (allow_anonymous: true; add accounts with `mqttctl account set`)'
      : 'anonymous access is open on a non-loopback listener (allow_anonymous: true)')
  }
  return {
    node: {
      name: broker.config.node_name,
      version: broker.version,
      pid: process.pid,
      uptime_s: Math.round((Date.now() - engine.startedAt) / 1000),
      started_at: new Date(engine.startedAt).toISOString(),
      node_version: process.version,
      store: engine.store.kind,
    },
    config: broker.configSource,
    listeners: broker.listenerStates(),
    store: { kind: engine.store.kind, healthy: engine.store.error === null, error: engine.store.error, unstored: c.publishUnstored },
    sessions: { online, offline: engine.sessions.size - online, total: engine.sessions.size },
    subscriptions: { count: engine.router.subscriptionCount, shared: engine.router.sharedSubscriptionCount },
    topics: { subscribed_filters: engine.router.filterCount },
    retained: { count: engine.retained.size - sysRetained, sys: sysRetained },
    auth: {
      accounts: access.accountCount,
      topic_rules: access.listTopicRules().length,
      ip_rules: access.listIpRules().length,
      allow_anonymous: broker.config.allow_anonymous,
      authentication,
      topic_access: access.restricted ? 'rules' : 'open',
      failures: { total: c.authFailuresTotal, ...c.authFailures },
    },
    messages: {
      inflight,
      queued,
      queued_bytes: queuedBytes,
      queue_dropped: c.queueDropped,
      output_dropped: c.outputDropped,
      received: { total: c.publishReceived, per_s: m.rate('publishReceived') },
      sent: { total: c.publishSent, per_s: m.rate('publishSent') },
      dropped: { total: c.publishDropped, per_s: m.rate('publishDropped') },
    },
    bytes: {
      received: { total: c.bytesReceived, per_s: m.rate('bytesReceived') },
      sent: { total: c.bytesSent, per_s: m.rate('bytesSent') },
    },
    connections: { open: engine.connections.size, accepted: c.connectionsAccepted, refused: c.connectionsRefused, refusal_episodes: c.refusalEpisodes, protocol_errors: c.protocolErrors },
    memory: { rss_bytes: mem.rss, heap_used_bytes: mem.heapUsed, heap_total_bytes: mem.heapTotal, external_bytes: mem.external },
    event_loop: { lag_ms: round(lag.mean), lag_p99_ms: round(lag.p99) },
    load_average: loadavg().map(round) as [number, number, number],
    cluster,
    warnings,
  }
}

function round (n: number): number {
  return Math.round(n * 100) / 100
}
