import { Args, Flags } from '@oclif/core'
import type { Methods } from '../../src/control/schema.js'
import { BaseCommand } from '../../src/cli/base-command.js'

export type ClientKickResult = Methods['client.kick']['result']

export default class ClientKick extends BaseCommand<typeof ClientKick> {
  static override summary = 'Disconnect a client (MQTT 5: DISCONNECT 0x98 Administrative action).'
  static override description = `Closes the client's connection, on whichever cluster node holds it (this node is asked first, then the others). A persistent session stays (the client can reconnect and resume) unless --discard-session, which also removes an offline session.

Prints "kicked <id>", or "<id> was offline" when the session had no connection. With --json: {client_id, kicked, session_discarded, node}.

Exit codes: 0 done (also when the client was offline), 65 no session with that client id (on any node), 69 broker not running.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> sensor-17',
    '<%= config.bin %> <%= command.id %> sensor-17 --discard-session --json',
  ]

  static override args = {
    id: Args.string({ required: true, description: 'Client identifier.' }),
  }

  static override flags = {
    'discard-session': Flags.boolean({ summary: 'Also end the session: subscriptions and queued messages are dropped.' }),
  }

  async run (): Promise<ClientKickResult> {
    const control = await this.control()
    const res = await control.request('client.kick', { client_id: this.args.id, discard_session: this.flags['discard-session'] }, this.timeoutMs)
    if (this.jsonEnabled()) return res
    const discarded = res.session_discarded ? ' (session discarded)' : ''
    this.log(res.kicked ? `kicked ${res.client_id}${discarded}` : `${res.client_id} was offline${discarded}`)
    return res
  }
}
