/**
 * The cluster part of the comparison harness (bench/cluster-report.ts, bench/redis-server.ts):
 * medians over valid runs, the ratios to the Aedes cluster and to the standalone broker, the
 * targets, Redis commands per published message from INFO commandstats, and CPU shares.
 */
import { describe, test, type TestContext } from 'node:test'
import { clusterMarkdown, summarizeCluster } from '../../bench/cluster-report.js'
import type { ClusterRunRecord } from '../../bench/cluster-run.js'
import { CLUSTER_SCENARIOS, SETUPS, type SetupName } from '../../bench/cluster-scenarios.js'
import { parseCommandStats } from '../../bench/redis-server.js'

const fanIn = CLUSTER_SCENARIOS[0]

function run (setup: SetupName, round: number, rate: number, valid = true): ClusterRunRecord {
  return {
    scenario: fanIn.name,
    setup,
    round,
    figures: { received_msgs_per_s: rate, latency_p50_ms: 10, latency_p99_ms: 20 },
    valid,
    note: valid ? null : '5 lost',
    published: 1000,
    redis: setup === 'ours' ? null : setup === 'ours-cluster' ? { xadd: 16, xreadgroup: 1 } : { publish: 1000 },
    cpu: setup === 'ours' ? { broker: 1 } : { 'node a': 1, 'node b': 0.5, redis: 0.1 },
    cores: [2, 1.5],
    wall_s: 2,
  }
}

describe('bench cluster report', () => {
  test('INFO commandstats: calls per command', (t: TestContext) => {
    const info = '# Commandstats\r\ncmdstat_xadd:calls=12,usec=40,usec_per_call=3.33,rejected_calls=0,failed_calls=0\r\ncmdstat_evalsha:calls=3,usec=9\r\n'
    t.assert.deepEqual([...parseCommandStats(info)], [['xadd', 12], ['evalsha', 3]])
  })

  test('medians of valid runs, ratios to the Aedes cluster and to the standalone broker, the target, commands per message', (t: TestContext) => {
    const runs = [
      run('ours-cluster', 1, 90), run('aedes-cluster', 1, 30), run('ours', 1, 100),
      run('ours-cluster', 2, 70), run('aedes-cluster', 2, 20), run('ours', 2, 200),
      run('ours-cluster', 3, 1, false), run('aedes-cluster', 3, 25), run('ours', 3, 150),
    ]
    const [s] = summarizeCluster([fanIn], SETUPS, runs)
    const rate = s.metrics[0]
    t.assert.equal(rate.setups['ours-cluster']?.median, 80)
    t.assert.equal(rate.setups['ours-cluster']?.invalid, 1)
    t.assert.equal(rate.vs_aedes_cluster, 80 / 25)
    t.assert.equal(rate.vs_standalone, 80 / 150)
    t.assert.deepEqual(s.target, { over: 'aedes-cluster', at_least: 3, ratio: 80 / 25, met: true })
    // two valid runs of 1000 messages each: 32 XADDs over 2000 messages
    t.assert.deepEqual(s.redis_per_message['ours-cluster'], { xadd: 0.016, xreadgroup: 0.001 })
    t.assert.deepEqual(s.redis_per_message['aedes-cluster'], { publish: 1 })
    t.assert.equal(s.redis_per_message.ours, undefined)
    t.assert.equal(s.cpu_share['ours-cluster']?.['node a'], 0.5)
    t.assert.equal(s.cpu_share['ours-cluster']?.cpu0, 1)
    const md = clusterMarkdown({ redis: '7.0.15', mqemitter_redis: '7.2.1', placement: 'pinned' }, SETUPS, [s], runs)
    t.assert.match(md, /\| cluster-fan-in-100-q0 \| msgs\/s received ↑ \| 80\.0 \(1 invalid\) \| 25\.0 \| 150 \| 3\.20x \| 0\.53x \|/)
    t.assert.match(md, /\| cluster-fan-in-100-q0 \| ours-cluster \| XADD 0\.016, XREADGROUP 0\.001 \(total 0\.017\) \|/)
    t.assert.match(md, /\| cluster-fan-in-100-q0 \| msgs\/s ours-cluster ÷ aedes-cluster ≥ 3 \| 3\.20x \| yes \|/)
    t.assert.match(md, /\*\*no\*\*: 5 lost/)
  })
})
