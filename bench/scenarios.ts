/**
 * The comparison's scenarios: stable names, the `mqttctl bench` arguments of each (full and
 * --quick), and the figure compared. Throughput runs send a fixed number of messages as fast as
 * the broker takes them (a fixed count, not a duration, so that a broker that queues instead of
 * pushing back cannot pile up an unbounded backlog) and compare messages received per second,
 * from the first send to the last delivery. Latency runs are paced (1000 msg/s) after a warmup.
 */
export type Better = 'higher' | 'lower'

export interface Metric {
  /** Key in a run's figures (figures.ts). */
  key: string
  label: string
  better: Better
}

export interface Scenario {
  name: string
  description: string
  args: string[]
  quickArgs: string[]
  metrics: Metric[]
  /** The connection storm: sample the broker's RSS while the connections are held. */
  sampleRss?: boolean
  /** Open files the run needs in broker and generator. */
  files?: number
}

const RECEIVED: Metric = { key: 'received_msgs_per_s', label: 'msgs/s received', better: 'higher' }
const P50: Metric = { key: 'latency_p50_ms', label: 'latency p50 ms', better: 'lower' }
const P99: Metric = { key: 'latency_p99_ms', label: 'latency p99 ms', better: 'lower' }

function throughput (name: string, description: string, topology: string, clients: number, subscribers: number, qos: number, messages: number): Scenario {
  const base = ['pubsub', '--topology', topology, '--clients', String(clients), '--subscribers', String(subscribers), '--qos', String(qos), '--size', '128', '--inflight', '100']
  return {
    name,
    description,
    args: [...base, '--messages', String(messages)],
    quickArgs: [...base, '--messages', String(Math.max(1, Math.round(messages / 10)))],
    metrics: [RECEIVED, P50, P99],
    files: clients + subscribers + 100,
  }
}

function latency (qos: number): Scenario {
  const base = ['pubsub', '--topology', 'pairs', '--clients', '1', '--qos', String(qos), '--size', '128', '--rate', '1000']
  return {
    name: `latency-1k-q${qos}`,
    description: `1 → 1 at a fixed 1000 msg/s, QoS ${qos}`,
    args: [...base, '--warmup', '2s', '--duration', '10s'],
    quickArgs: [...base, '--warmup', '0.5s', '--duration', '2s'],
    metrics: [P50, P99, { key: 'latency_p999_ms', label: 'latency p99.9 ms', better: 'lower' }],
  }
}

export const SCENARIOS: Scenario[] = [
  throughput('fan-in-100-q0', '100 publishers → 1 subscriber (+ wildcard), QoS 0, 100 × 5000 msgs', 'fan-in', 100, 1, 0, 5000),
  throughput('fan-in-100-q1', '100 → 1, QoS 1', 'fan-in', 100, 1, 1, 5000),
  throughput('fan-in-100-q2', '100 → 1, QoS 2', 'fan-in', 100, 1, 2, 5000),
  throughput('fan-out-100-q0', '1 publisher → 100 subscribers, QoS 0, 5000 msgs (500k deliveries)', 'fan-out', 1, 100, 0, 5000),
  throughput('fan-out-100-q1', '1 → 100, QoS 1', 'fan-out', 1, 100, 1, 5000),
  throughput('fan-out-1000-q0', '1 → 1000, QoS 0, 500 msgs (500k deliveries)', 'fan-out', 1, 1000, 0, 500),
  throughput('fan-out-1000-q1', '1 → 1000, QoS 1', 'fan-out', 1, 1000, 1, 500),
  throughput('pairs-100-q0', '100 publisher → subscriber pairs, QoS 0, 100 × 5000 msgs', 'pairs', 100, 100, 0, 5000),
  throughput('pairs-100-q1', '100 pairs, QoS 1', 'pairs', 100, 100, 1, 5000),
  throughput('pairs-1000-q0', '1000 pairs, QoS 0, 1000 × 500 msgs', 'pairs', 1000, 1000, 0, 500),
  throughput('pairs-1000-q1', '1000 pairs, QoS 1', 'pairs', 1000, 1000, 1, 500),
  latency(0),
  latency(1),
  {
    name: 'conn-10k',
    description: '10k connections opened (100 handshakes at a time), then held idle',
    args: ['conn', '--clients', '10000', '--concurrency', '100', '--hold', '4s'],
    quickArgs: ['conn', '--clients', '1000', '--concurrency', '100', '--hold', '2s'],
    metrics: [
      { key: 'conns_per_s', label: 'connections/s', better: 'higher' },
      { key: 'rss_per_conn_kib', label: 'RSS KiB per idle connection', better: 'lower' },
    ],
    sampleRss: true,
    files: 10_000 + 200,
  },
  {
    name: 'retained-10k',
    description: '10k retained messages (loaded at QoS 1), then a new subscriber to # (QoS 0): SUBSCRIBE → last message',
    args: ['retained', '--clients', '1', '--messages', '10000', '--filter', '#', '--qos', '0'],
    quickArgs: ['retained', '--clients', '1', '--messages', '1000', '--filter', '#', '--qos', '0'],
    metrics: [{ key: 'retained_last_ms', label: 'ms to the last retained message', better: 'lower' }],
  },
]
