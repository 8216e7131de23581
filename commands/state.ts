import type { State } from '../src/control/schema.js'
import { BaseCommand } from '../src/cli/base-command.js'
import { describeConfigSource } from '../src/cli/config-source.js'
import { uptime } from '../src/cli/durations.js'
import { chalkStderr, humanBytes, humanRate, renderFields, renderTable } from '../src/cli/output.js'

export default class StateCommand extends BaseCommand<typeof StateCommand> {
  static override summary = 'Show a snapshot of the running broker: node, listeners, sessions, messages, memory.'
  static override description = 'One structured view of the node (fubar\'s `make state`): uptime, the config file and command-line overrides it runs with (what restart reuses), listeners with their connections, sessions online/offline, subscriptions, retained messages (those of clients, as retained list shows them, and apart the broker\'s own $SYS values), inflight and queued messages, message and byte rates, memory, event-loop lag and load. With --json, the whole State object.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run (): Promise<State> {
    const control = await this.control()
    const s = await control.request('state', {}, this.timeoutMs)
    if (this.jsonEnabled()) return s
    this.log(renderFields([
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
    ]))
    this.log('')
    this.log(renderTable(s.listeners, [
      { header: 'listener', get: (l) => l.type },
      { header: 'address', get: (l) => `${l.host}:${l.port}${l.path ?? ''}` },
      { header: 'connections', get: (l) => l.connections, numeric: true },
    ]))
    for (const w of s.warnings) process.stderr.write(chalkStderr.yellow(`warning: ${w}`) + '\n')
    return s
  }
}

/** `0`, or `5 (3 bad password, 2 unknown user)`: the reasons that occurred. */
function authFailures (f: State['auth']['failures']): string {
  const { total, ...byReason } = f
  const reasons = Object.entries(byReason).filter(([, n]) => n > 0).map(([reason, n]) => `${n} ${reason.replaceAll('_', ' ')}`)
  return reasons.length === 0 ? String(total) : `${total} (${reasons.join(', ')})`
}
