import { Args } from '@oclif/core'
import type { ClientDetail } from '../../src/control/schema.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { subscriptionColumns } from '../../src/cli/columns.js'
import { chalk, humanBytes, renderFields, renderTable } from '../../src/cli/output.js'
import { ago } from '../../src/cli/time.js'

export default class ClientShow extends BaseCommand<typeof ClientShow> {
  static override summary = 'Show one client session: connection, MQTT 5 limits, will, counters and subscriptions.'
  static override description = `Looks the session up by client id (online or offline). Key: value lines, then the session's subscriptions as a table. With --json, the whole ClientDetail object.

Exit codes: 0 found, 65 no session with that client id, 69 broker not running.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> sensor-17',
    '<%= config.bin %> <%= command.id %> sensor-17 --json',
  ]

  static override args = {
    id: Args.string({ required: true, description: 'Client identifier.' }),
  }

  async run (): Promise<ClientDetail> {
    const control = await this.control()
    const c = await control.request('client.show', { client_id: this.args.id }, this.timeoutMs)
    if (this.jsonEnabled()) return c

    const now = Date.now()
    const fields: Array<[string, unknown]> = [
      ['client_id', c.client_id],
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
    this.log(renderFields(fields))
    this.log('')
    if (c.subscriptions_list.length === 0) {
      this.log('no subscriptions')
    } else {
      this.log(`subscriptions (${c.subscriptions_list.length}):`)
      this.log(renderTable(c.subscriptions_list, subscriptionColumns(false)))
    }
    return c
  }
}
