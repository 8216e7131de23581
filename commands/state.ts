import type { State } from '../src/control/schema.js'
import { BaseCommand } from '../src/cli/base-command.js'
import { stateView } from '../src/cli/views/state.js'

export default class StateCommand extends BaseCommand<typeof StateCommand> {
  static override summary = 'Show a snapshot of the running broker: node, listeners, sessions, messages, memory.'
  static override description = 'One structured view of the node: uptime, the config file and command-line overrides it runs with (what restart reuses), listeners with their connections, sessions online/offline, subscriptions, retained messages (those of clients, as retained list shows them, and apart the broker\'s own $SYS values), inflight and queued messages, message and byte rates, memory, event-loop lag and load; on a cluster node also the cluster (nodes up, clients, subscriptions and message rates summed over the live nodes, and this node\'s cross-node messages). With --json, the whole State object ("cluster" null on a standalone broker).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run (): Promise<State> {
    return this.view(stateView)
  }
}
