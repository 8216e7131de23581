import type { ClusterStatus } from '../../src/control/schema.js'
import { BaseCommand } from '../../src/cli/base-command.js'
import { clusterStatusView } from '../../src/cli/views/cluster-status.js'

export default class ClusterStatusCommand extends BaseCommand<typeof ClusterStatusCommand> {
  static override summary = 'Show every node of the cluster: state, clients, subscriptions, message rates, last heartbeat.'
  static override description = `Asks the local broker, which reads its cluster's Redis: one row per node that holds a lease, live (up), stopping (leaving) or whose lease ran out (down). A node that stopped cleanly is gone at once. Rates are PUBLISH packets per second from and to clients, as of the node's last heartbeat.

With --json, {"node": NAME, "nodes": [{"name", "state", "clients", "subscriptions", "messages_in_per_s", "messages_out_per_s", "pid", "host", "version", "incarnation", "advertise", "last_heartbeat", "lease_until", "self"}]}. A standalone broker (no cluster in its configuration) answers with exit 65.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run (): Promise<ClusterStatus> {
    return this.view(clusterStatusView)
  }
}
