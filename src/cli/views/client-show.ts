/** `mqttctl client show ID`: one session (on whichever cluster node holds it): its node, connection, MQTT 5 limits, will, counters and subscriptions. */
import type { ClientDetail } from '../../control/schema.js'
import { subscriptionColumns } from '../columns.js'
import { chalk, humanBytes, renderFields, renderTable } from '../output.js'
import { ago } from '../time.js'
import type { ViewIo } from './view.js'

export async function clientShowView (io: ViewIo<object>): Promise<ClientDetail> {
  const c = await io.request('client.show', { client_id: io.args.id ?? '' })
  if (io.json) return c

  const now = Date.now()
  const fields: Array<[string, unknown]> = [
    ['client_id', c.client_id],
    ['node', c.node],
    ['state', c.state === 'online' ? chalk.green('online') : chalk.yellow('offline')],
    ['user', c.user],
    ['peer', c.peer],
    ['listener', c.listener],
    ['protocol', `MQTT ${c.protocol}`],
    ['connected_at', c.connected_at === null ? null : `${c.connected_at} (${ago(c.connected_at, now)})`],
    ['disconnected_at', c.disconnected_at === null ? null : `${c.disconnected_at} (${ago(c.disconnected_at, now)})`],
    ['keepalive', c.keepalive === null ? null : `${c.keepalive}s`],
    ['clean', c.clean],
    ['session_expiry', c.session_expiry === 0xffffffff ? 'never' : `${c.session_expiry}s`],
    ['receive_maximum', c.receive_maximum],
    ['maximum_packet_size', c.maximum_packet_size === null ? null : humanBytes(c.maximum_packet_size)],
    ['topic_alias_maximum', c.topic_alias_maximum],
    ['inflight / queued', `${c.inflight} / ${c.queued} (${humanBytes(c.queued_bytes)})`],
    ['dropped', `${c.queue_dropped} queue full, ${c.output_dropped} QoS 0 not read in time`],
    ['messages in / out', `${c.messages_in} / ${c.messages_out}`],
    ['will', c.will === null
      ? null
      : `${c.will.topic} (qos ${c.will.qos}${c.will.retain ? ', retained' : ''}${c.will.delay_s > 0 ? `, delay ${c.will.delay_s}s` : ''})`],
  ]
  io.log(renderFields(fields))
  io.log('')
  if (c.subscriptions_list.length === 0) {
    io.log('no subscriptions')
  } else {
    io.log(`subscriptions (${c.subscriptions_list.length}):`)
    io.log(renderTable(c.subscriptions_list, subscriptionColumns(false)))
  }
  return c
}
