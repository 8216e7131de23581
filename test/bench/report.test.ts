/**
 * The comparison harness's arithmetic (bench/report.ts): medians over valid runs only, ratios to
 * Mosquitto and Aedes, invalid runs counted and shown, and the Markdown table's shape.
 */
import { describe, test, type TestContext } from 'node:test'
import { markdown, median, summarize, type RunRecord } from '../../bench/report.js'
import type { Scenario } from '../../bench/scenarios.js'

const scenario: Scenario = {
  name: 'fan-in-100-q0',
  description: 'test',
  args: [],
  quickArgs: [],
  metrics: [{ key: 'received_msgs_per_s', label: 'msgs/s received', better: 'higher' }],
}

function run (broker: RunRecord['broker'], round: number, value: number, valid = true): RunRecord {
  return { scenario: scenario.name, broker, round, figures: { received_msgs_per_s: value }, valid, note: valid ? null : '3 lost' }
}

describe('bench comparison report', () => {
  test('median of odd and even counts', (t: TestContext) => {
    t.assert.equal(median([3, 1, 2]), 2)
    t.assert.equal(median([4, 1, 3, 2]), 2.5)
    t.assert.equal(median([]), null)
  })

  test('medians leave invalid runs out; ratios are ours ÷ theirs', (t: TestContext) => {
    const runs = [
      run('ours', 1, 100), run('aedes', 1, 50), run('mosquitto', 1, 80),
      run('ours', 2, 120), run('aedes', 2, 40), run('mosquitto', 2, 100),
      run('ours', 3, 999, false), run('aedes', 3, 60), run('mosquitto', 3, 90),
    ]
    const [s] = summarize([scenario], ['ours', 'aedes', 'mosquitto'], runs, new Map())
    const m = s.metrics[0]
    t.assert.equal(m.brokers.ours?.median, 110)
    t.assert.equal(m.brokers.ours?.invalid, 1)
    t.assert.equal(m.brokers.mosquitto?.median, 90)
    t.assert.ok(Math.abs((m.vs_mosquitto ?? 0) - 110 / 90) < 1e-9)
    t.assert.equal(m.vs_aedes, 110 / 50)
    const md = markdown({
      machine: { date: 'd', cpu: 'c', cores: 2, memory_gib: 1, kernel: 'k', node: 'v20', mosquitto: '2', aedes: '1' },
      rounds: 3,
      quick: false,
      brokers: ['ours', 'aedes', 'mosquitto'],
      pinning: 'p',
      notes: [],
    }, [s], runs)
    t.assert.match(md, /\| fan-in-100-q0 \| msgs\/s received ↑ \| 110 \(1 invalid\) \| 50.0 \| 90.0 \| 1.22x \| 2.20x \|/)
    t.assert.match(md, /\| fan-in-100-q0 \| ours \| 3 \| received_msgs_per_s 999 \| \*\*no\*\*: 3 lost \|/)
  })
})
