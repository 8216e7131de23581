/**
 * The cluster scenarios (`npm run bench -- --cluster`): the same `mqttctl bench pubsub` loads as
 * the throughput scenarios (scenarios.ts), run against setups of several processes
 * (cluster-setups.ts) instead of one broker:
 * - cross-node: publishers connect to node a, subscribers to node b (`mqttctl bench --sub-url`),
 *   for our two-node cluster, a two-node Aedes cluster (mqemitter-redis), and, as the reference,
 *   our standalone broker with both sides on it;
 * - local: publishers and subscribers on node a of our two-node cluster (node b up and idle), and
 *   the same load on our standalone broker: what being a cluster node costs a node's own traffic.
 * The loads are those of the standalone scenarios of the same shape (fan-in-100-*: 100 × 5000
 * messages, fan-out-100-q0: 5000 messages to 100 subscribers), so the standalone column can be
 * read beside the standalone report.
 */
import type { Metric } from './scenarios.js'

export type Placement = 'cross' | 'local'
export type SetupName = 'ours-cluster' | 'aedes-cluster' | 'ours'

export const SETUPS: SetupName[] = ['ours-cluster', 'aedes-cluster', 'ours']

export interface ClusterScenario {
  name: string
  description: string
  placement: Placement
  setups: SetupName[]
  args: string[]
  quickArgs: string[]
  metrics: Metric[]
  /** The figure a target is checked on: setup ÷ other ≥ at least. */
  target?: { over: SetupName; atLeast: number }
}

const RECEIVED: Metric = { key: 'received_msgs_per_s', label: 'msgs/s received', better: 'higher' }
const P50: Metric = { key: 'latency_p50_ms', label: 'latency p50 ms', better: 'lower' }
const P99: Metric = { key: 'latency_p99_ms', label: 'latency p99 ms', better: 'lower' }

function scenario (name: string, description: string, placement: Placement, topology: string, clients: number, subscribers: number, qos: number, messages: number,
  target?: ClusterScenario['target']): ClusterScenario {
  const base = ['pubsub', '--topology', topology, '--clients', String(clients), '--subscribers', String(subscribers), '--qos', String(qos), '--size', '128', '--inflight', '100']
  return {
    name,
    description,
    placement,
    setups: placement === 'cross' ? SETUPS : ['ours-cluster', 'ours'],
    args: [...base, '--messages', String(messages)],
    quickArgs: [...base, '--messages', String(Math.max(1, Math.round(messages / 10)))],
    metrics: [RECEIVED, P50, P99],
    ...(target === undefined ? {} : { target }),
  }
}

export const CLUSTER_SCENARIOS: ClusterScenario[] = [
  scenario('cluster-fan-in-100-q0', 'cross-node: 100 publishers on node a → 1 subscriber (+ wildcard) on node b, QoS 0, 100 × 5000 msgs', 'cross', 'fan-in', 100, 1, 0, 5000,
    { over: 'aedes-cluster', atLeast: 3 }),
  scenario('cluster-fan-in-100-q1', 'cross-node: 100 → 1, QoS 1', 'cross', 'fan-in', 100, 1, 1, 5000, { over: 'aedes-cluster', atLeast: 3 }),
  scenario('cluster-fan-out-100-q0', 'cross-node: 1 publisher on node a → 100 subscribers on node b, QoS 0, 5000 msgs (500k deliveries)', 'cross', 'fan-out', 1, 100, 0, 5000),
  scenario('cluster-local-fan-in-100-q0', 'local on a cluster node: 100 → 1 on node a (node b up, idle), QoS 0, 100 × 5000 msgs', 'local', 'fan-in', 100, 1, 0, 5000,
    { over: 'ours', atLeast: 0.9 }),
  scenario('cluster-local-fan-in-100-q1', 'local on a cluster node: 100 → 1 on node a, QoS 1', 'local', 'fan-in', 100, 1, 1, 5000, { over: 'ours', atLeast: 0.9 }),
]
