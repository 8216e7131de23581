/**
 * Test harness for clusters: nodes are real brokers in this process (127.0.0.1 port 0, memory
 * store, their own data dirs) joined to one test redis-server (test/helpers/redis-server.ts), each
 * closed after the test. Failure tests that kill a node use separate processes instead.
 */
import type { TestContext } from 'node:test'
import { startBroker, type TestBroker } from './broker.js'
import type { TestRedis } from './redis-server.js'

/** Starts a node named `name` of the cluster on `redis` (key prefix per test: parallel tests do not meet). */
export function startNode (t: TestContext, redis: TestRedis, name: string, cfg: Record<string, unknown> = {}): Promise<TestBroker> {
  const { cluster, ...rest } = cfg
  return startBroker(t, {
    node_name: name,
    cluster: { redis: redis.url, heartbeat: 1, lease: 3, ...(cluster as Record<string, unknown> | undefined) },
    ...rest,
  })
}

/** Starts nodes `names` one after the other (each joins a cluster the earlier ones are in). */
export async function startCluster (t: TestContext, redis: TestRedis, names: readonly string[], cfg: Record<string, unknown> = {}): Promise<TestBroker[]> {
  const nodes: TestBroker[] = []
  for (const name of names) nodes.push(await startNode(t, redis, name, cfg))
  return nodes
}
