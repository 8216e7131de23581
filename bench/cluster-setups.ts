/**
 * The setups of a cluster run, each started fresh for every run, every process pinned like the
 * brokers of the comparison (CPU 0, the generator alone on CPU 1):
 * - ours-cluster: a redis-server (redis-server.ts) and two `mqttctl start --foreground` nodes
 *   (`--node-name a|b --cluster redis://…`, the comparison's broker configuration otherwise);
 * - aedes-cluster: a redis-server and two Aedes nodes with mqemitter-redis (aedes-server.ts);
 * - ours: one standalone `mqttctl start --foreground`, publishers and subscribers both on it.
 * For a cross-node run publishers go to node a and subscribers to node b; for a local run both
 * go to node a.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startBroker, type RunningBroker } from './brokers.js'
import type { Placement, SetupName } from './cluster-scenarios.js'
import { startRedis, type BenchRedis } from './redis-server.js'

export interface SetupProcess { role: string; pid: number; exited (): string | null }

export interface RunningSetup {
  pubUrl: string
  subUrl: string
  redis: BenchRedis | null
  /** Every server process of the setup (nodes, Redis), for CPU times and crash checks. */
  processes: SetupProcess[]
  stop (): Promise<void>
}

/** Starts `setup`; `ports` are two free MQTT ports (node a, node b). */
export async function startSetup (setup: SetupName, placement: Placement, dir: string, ports: [number, number], prefix: string[], nodeOptions: string[]): Promise<RunningSetup> {
  const brokers: RunningBroker[] = []
  let redis: BenchRedis | null = null
  const stop = async (): Promise<void> => {
    for (const b of brokers.reverse()) await b.stop()
    await redis?.stop()
  }
  try {
    if (setup === 'ours') {
      brokers.push(await startBroker('ours', ports[0], subdir(dir, 'a'), prefix, nodeOptions))
    } else {
      redis = await startRedis(subdir(dir, 'redis'), prefix)
      const kind = setup === 'ours-cluster' ? 'ours' : 'aedes'
      for (const [i, name] of ['a', 'b'].entries()) {
        brokers.push(await startBroker(kind, ports[i], subdir(dir, name), prefix, kind === 'ours' ? nodeOptions : [], { name, redis: redis.url }))
      }
    }
  } catch (err) {
    await stop()
    throw err
  }
  const url = (b: RunningBroker): string => `mqtt://127.0.0.1:${b.port}`
  const a = brokers[0]
  const b = placement === 'cross' && brokers.length > 1 ? brokers[1] : a
  const processes: SetupProcess[] = brokers.map((x, i) => ({ role: brokers.length > 1 ? `node ${'ab'[i]}` : 'broker', pid: x.pid, exited: x.exited }))
  if (redis !== null) processes.push({ role: 'redis', pid: redis.pid, exited: redis.exited })
  return { pubUrl: url(a), subUrl: url(b), redis, processes, stop }
}

function subdir (dir: string, name: string): string {
  const d = join(dir, name)
  mkdirSync(d, { recursive: true })
  return d
}
