/**
 * `mqttctl state`: one snapshot of the node (uptime, the configuration it runs with, listeners,
 * sessions, messages, memory, event loop; on a cluster node the cluster's totals) as key: value lines and a table of listeners. The
 * password of a `--cluster` Redis URL is redacted, in --json too.
 */
import type { ClusterTotals, State } from '../../control/schema.js'
import { describeConfigSource, redactedConfigSource } from '../config-source.js'
import { uptime } from '../durations.js'
import { chalkStderr, humanBytes, humanRate, renderFields, renderTable } from '../output.js'
import type { ViewIo } from './view.js'

export async function stateView (io: ViewIo<object>): Promise<State> {
  const answer = await io.request('state', {})
  // The Redis URL of --cluster travels whole on the control socket (restart reuses it); never shown with its password.
  const s = { ...answer, config: redactedConfigSource(answer.config) }
  if (io.json) return s
  io.log(renderFields([
    ['node', `${s.node.name} (mqttd ${s.node.version}, pid ${s.node.pid}, node ${s.node.node_version})`],
    ['uptime', `${uptime(s.node.uptime_s)} (since ${s.node.started_at})`],
    ['config', describeConfigSource(s.config)],
    ['store', s.node.store],
    ['sessions', `${s.sessions.online} online, ${s.sessions.offline} offline`],
    ['subscriptions', `${s.subscriptions.count} (${s.subscriptions.shared} shared), ${s.topics.subscribed_filters} distinct filters`],
    ['retained', `${s.retained.count} (what retained list shows), and ${s.retained.sys} $SYS values of the broker`],
    ['access', `${s.auth.accounts} accounts, authentication ${s.auth.authentication}, anonymous ${s.auth.allow_anonymous ? 'allowed' : 'refused'}, ` +
      `${s.auth.topic_rules} topic rules (${s.auth.topic_access === 'open' ? 'topic access open' : 'deny by default'}), ${s.auth.ip_rules} IP rules`],
    ['auth failures', authFailures(s.auth.failures)],
    ['inflight / queued', `${s.messages.inflight} / ${s.messages.queued} (${humanBytes(s.messages.queued_bytes)}; ${s.messages.queue_dropped} dropped, queue full; ${s.messages.output_dropped} QoS 0 dropped, subscriber not reading)`],
    ['messages in', `${s.messages.received.total} (${humanRate(s.messages.received.per_s)})`],
    ['messages out', `${s.messages.sent.total} (${humanRate(s.messages.sent.per_s)})`],
    ['dropped', `${s.messages.dropped.total} (${humanRate(s.messages.dropped.per_s)})`],
    ['bytes in / out', `${humanBytes(s.bytes.received.total)} (${humanBytes(s.bytes.received.per_s)}/s) / ${humanBytes(s.bytes.sent.total)} (${humanBytes(s.bytes.sent.per_s)}/s)`],
    ['connections', `${s.connections.open} open, ${s.connections.accepted} accepted, ${s.connections.refused} refused, ${s.connections.protocol_errors} protocol errors`],
    ['memory', `rss ${humanBytes(s.memory.rss_bytes)}, heap ${humanBytes(s.memory.heap_used_bytes)} / ${humanBytes(s.memory.heap_total_bytes)}`],
    ['event loop lag', `${s.event_loop.lag_ms} ms (p99 ${s.event_loop.lag_p99_ms} ms)`],
    ['load average', s.load_average.join(' ')],
    ...(s.cluster === null ? [] : clusterLines(s.cluster)),
  ]))
  io.log('')
  io.log(renderTable(s.listeners, [
    { header: 'listener', get: (l) => l.type },
    { header: 'address', get: (l) => `${l.host}:${l.port}${l.path ?? ''}` },
    { header: 'connections', get: (l) => l.connections, numeric: true },
  ]))
  for (const w of s.warnings) io.note(chalkStderr.yellow(`warning: ${w}`))
  return s
}

/** A cluster node's `cluster` lines: the nodes up and their totals, then this node's cross-node messages. */
function clusterLines (c: ClusterTotals): Array<[string, string]> {
  return [
    ['cluster', `${c.nodes_up} node${c.nodes_up === 1 ? '' : 's'} up (of ${c.nodes}), ${c.clients} clients, ${c.subscriptions} subscriptions, ` +
      `messages in ${humanRate(c.messages_in_per_s)}, out ${humanRate(c.messages_out_per_s)}`],
    ['cross-node messages', `${c.forwarded} forwarded, ${c.received} received, ${c.dropped} dropped, ${c.duplicates} duplicates dropped`],
  ]
}

/** `0`, or `5 (3 bad password, 2 unknown user)`: the reasons that occurred. */
function authFailures (f: State['auth']['failures']): string {
  const { total, ...byReason } = f
  const reasons = Object.entries(byReason).filter(([, n]) => n > 0).map(([reason, n]) => `${n} ${reason.replaceAll('_', ' ')}`)
  return reasons.length === 0 ? String(total) : `${total} (${reasons.join(', ')})`
}
