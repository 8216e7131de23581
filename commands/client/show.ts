import { Args } from '@oclif/core'
import { BaseCommand } from '../../src/cli/base-command.js'
import type { ClientDetail } from '../../src/control/schema.js'
import { clientShowView } from '../../src/cli/views/client-show.js'

export default class ClientShow extends BaseCommand<typeof ClientShow> {
  static override summary = 'Show one client session: connection, MQTT 5 limits, will, counters and subscriptions.'
  static override description = `Looks the session up by client id (online or offline); in a cluster on this node first, then on the others ("node" says which holds it). Key: value lines, then the session's subscriptions as a table. With --json, the whole ClientDetail object.

Exit codes: 0 found, 65 no session with that client id (on any node), 69 broker not running.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> sensor-17',
    '<%= config.bin %> <%= command.id %> sensor-17 --json',
  ]

  static override args = {
    id: Args.string({ required: true, description: 'Client identifier.' }),
  }

  async run (): Promise<ClientDetail> {
    return this.view(clientShowView)
  }
}
