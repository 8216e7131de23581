/**
 * `npm run bench`: our broker, Aedes and Mosquitto side by side on this machine.
 *
 *   npm run bench -- [--quick] [--rounds 3] [--scenarios fan-in-100-q0,conn-10k]
 *                    [--brokers ours,aedes,mosquitto] [--port 18830] [--json] [--list]
 *                    [--node-options '--max-semi-space-size=4'] [--cluster]
 *
 * For every scenario, `--rounds` rounds; in each round every broker once, in turn (A B C A B C …),
 * each run on a fresh broker process pinned to CPU 0 while the load generator (`mqttctl bench`
 * as a child process, brokers.ts/generator.ts) runs pinned to CPU 1. The connection storm also
 * reads the broker's VmRSS before the storm and while the connections are held, and divides by
 * their number. Prints Markdown (medians, ratios to Mosquitto and Aedes, every run) on stdout, or
 * one JSON document with --json; progress on stderr. `--node-options` starts our broker's Node.js
 * with those flags (to measure a heap setting; the generator and Aedes keep the defaults). Needs Linux, `taskset`, and for Mosquitto
 * `apt-get install mosquitto`; a missing Mosquitto or Aedes is reported and skipped.
 *
 * The cluster scenarios (cluster-scenarios.ts: cross-node and local traffic of a two-node mqttd
 * cluster, a two-node Aedes cluster with mqemitter-redis and a standalone mqttd, every server
 * process on CPU 0, a redis-server of the run's own included) run with --cluster, or when
 * --scenarios names them; not by default: they need redis-server, and the default run is already
 * an hour. `--brokers ours` keeps ours-cluster and ours, `--brokers aedes` aedes-cluster. Their
 * report follows the standalone one (JSON: the `cluster` key).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BROKERS, ROOT, mosquittoPath, startBroker, type BrokerName, type RunningBroker } from './brokers.js'
import { clusterMarkdown, summarizeCluster } from './cluster-report.js'
import { runClusterScenarios, type ClusterRunRecord } from './cluster-run.js'
import { CLUSTER_SCENARIOS, SETUPS, type ClusterScenario, type SetupName } from './cluster-scenarios.js'
import { runGenerator } from './generator.js'
import { figuresOf, invalidity, markdown, markdownHeader, summarize, type RunRecord } from './report.js'
import { SCENARIOS } from './scenarios.js'
import { redisVersion } from './redis-server.js'
import { describeMachine, fdLimitPrefix, fileLimits, pinning, rssKiB } from './system.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    scenarios: { type: 'string' },
    brokers: { type: 'string' },
    port: { type: 'string', default: '18830' },
    'node-options': { type: 'string' },
    cluster: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

const WANT_FILES = 65_536
/** Time for a broker to settle after start, and for the held connections to be accounted. */
const SETTLE_MS = 300
const HOLD_SETTLE_MS = 1500

function fail (message: string, code = 64): never {
  process.stderr.write(`npm run bench: ${message}\n`)
  process.exit(code)
}

function note (message: string): void {
  process.stderr.write(message + '\n')
}

function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function packageVersion (name: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return null
  }
}

/** Setups of the cluster scenarios that `--brokers` keeps (ours: ours-cluster and ours; aedes: aedes-cluster). */
function clusterSetups (brokers: BrokerName[]): SetupName[] {
  return SETUPS.filter((s) => brokers.includes(s === 'aedes-cluster' ? 'aedes' : 'ours'))
}

async function main (): Promise<void> {
  if (args.help) {
    process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0].replace(/^\/\*\*|^ \* ?/gm, '') + '\n')
    return
  }
  if (args.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(16)} ${s.description}\n`)
    process.stdout.write('\ncluster scenarios (--cluster; ours-cluster, aedes-cluster and ours standalone):\n')
    for (const s of CLUSTER_SCENARIOS) process.stdout.write(`${s.name.padEnd(28)} ${s.description}\n`)
    return
  }
  const rounds = Number(args.rounds)
  if (!Number.isInteger(rounds) || rounds < 1) fail('--rounds must be a positive integer')
  const basePort = Number(args.port)
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65000) fail('--port must be between 1024 and 65000')

  const named = args.scenarios?.split(',').map((n) => n.trim())
  for (const n of named ?? []) {
    if (!SCENARIOS.some((x) => x.name === n) && !CLUSTER_SCENARIOS.some((x) => x.name === n)) fail(`unknown scenario '${n}' (npm run bench -- --list)`)
  }
  const scenarios = named === undefined
    ? (args.cluster ? [] : SCENARIOS)
    : named.map((n) => SCENARIOS.find((x) => x.name === n)).filter((s) => s !== undefined)
  const namedCluster = named?.map((n) => CLUSTER_SCENARIOS.find((x) => x.name === n)).filter((s) => s !== undefined) ?? []
  const clusterScenarios: ClusterScenario[] = namedCluster.length > 0 ? namedCluster : args.cluster ? CLUSTER_SCENARIOS : []
  const notes: string[] = []
  let brokers: BrokerName[] = BROKERS
  if (args.brokers !== undefined) {
    brokers = args.brokers.split(',').map((b) => {
      if (!BROKERS.includes(b.trim() as BrokerName)) fail(`unknown broker '${b}' (ours, aedes, mosquitto)`)
      return b.trim() as BrokerName
    })
  }
  const mosquitto = mosquittoPath()
  if (brokers.includes('mosquitto') && mosquitto === null) {
    if (args.brokers !== undefined) fail('mosquitto is not installed: apt-get install mosquitto', 69)
    brokers = brokers.filter((b) => b !== 'mosquitto')
    notes.push('Mosquitto is not installed (apt-get install mosquitto): left out')
  }
  const aedes = packageVersion('aedes')
  const mqemitterRedis = packageVersion('mqemitter-redis')
  const redis = clusterScenarios.length > 0 ? redisVersion() : null
  if (clusterScenarios.length > 0 && redis === null) fail('the cluster scenarios need redis-server: apt-get install redis-server', 69)
  if (clusterScenarios.length > 0 && brokers.includes('aedes') && mqemitterRedis === null) {
    if (args.brokers !== undefined) fail('mqemitter-redis is not installed: npm ci (it is a devDependency)', 69)
    notes.push('mqemitter-redis is not installed (npm ci installs the devDependencies): the Aedes cluster is left out')
  }
  if (brokers.includes('aedes') && aedes === null) {
    if (args.brokers !== undefined) fail('aedes is not installed: npm ci (it is a devDependency)', 69)
    brokers = brokers.filter((b) => b !== 'aedes')
    notes.push('Aedes is not installed (npm ci installs the devDependencies): left out')
  }

  const setups = clusterSetups(brokers).filter((s) => s !== 'aedes-cluster' || mqemitterRedis !== null)
  if (clusterScenarios.length > 0 && setups.length === 0) fail('the cluster scenarios run ours and aedes (--brokers ours,aedes)')

  const pin = pinning()
  if (pin.note !== null) notes.push(pin.note)
  const limits = fileLimits()
  const skipped = new Map<string, string>()
  for (const s of scenarios) {
    if (s.files !== undefined && limits.hard < s.files) {
      const why = `needs ${s.files} open files, the hard limit is ${limits.hard} (raise it: ulimit -Hn, /etc/security/limits.conf or LimitNOFILE)`
      skipped.set(s.name, why)
      note(`${s.name}: skipped: ${why}`)
    }
  }
  if (limits.soft < 10_300) notes.push(`open-file limit raised for brokers and generator from ${limits.soft} to ${Math.min(limits.hard, WANT_FILES)} (ulimit -n)`)
  const fd = fdLimitPrefix(WANT_FILES)
  const nodeOptions = args['node-options']?.split(' ').filter((o) => o !== '') ?? []
  if (nodeOptions.length > 0) notes.push(`our broker ran with node ${nodeOptions.join(' ')}`)

  const tmp = mkdtempSync(join(tmpdir(), 'mqttd-bench-'))
  const live: { broker: RunningBroker | null } = { broker: null }
  let interrupted = false
  const onSignal = (): void => {
    if (interrupted) process.exit(130)
    interrupted = true
    note('interrupted: stopping the broker and reporting what ran')
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  const runs: RunRecord[] = []
  let clusterRuns: ClusterRunRecord[] = []
  const todo = scenarios.filter((s) => !skipped.has(s.name))
  const total = todo.length * rounds * brokers.length
  let n = 0
  let port = basePort
  try {
    for (const sc of todo) {
      for (let round = 1; round <= rounds && !interrupted; round++) {
        for (const b of brokers) {
          if (interrupted) break
          n++
          port = basePort + (n % 100) // a new port per run: no TIME_WAIT left over from the previous one
          const dir = join(tmp, `${sc.name}-${b}-${round}`)
          mkdirSync(dir)
          const record: RunRecord = { scenario: sc.name, broker: b, round, figures: {}, valid: false, note: null }
          try {
            const broker = await startBroker(b, port, dir, [...fd, ...pin.broker], nodeOptions)
            live.broker = broker
            await sleep(SETTLE_MS)
            const rssBefore = rssKiB(broker.pid)
            let rssHeld: number | null = null
            const res = await runGenerator(args.quick ? sc.quickArgs : sc.args, `mqtt://127.0.0.1:${port}`, [...fd, ...pin.generator],
              sc.sampleRss === true ? async () => { await sleep(HOLD_SETTLE_MS); rssHeld = rssKiB(broker.pid) } : undefined)
            const opened = res.connections?.opened ?? 0
            const perConn = rssBefore !== null && rssHeld !== null && opened > 0 ? Math.round(((rssHeld - rssBefore) / opened) * 100) / 100 : null
            record.figures = figuresOf(res, perConn)
            const crashed = broker.exited()
            record.valid = res.valid && crashed === null
            record.note = crashed !== null ? `broker exited (${crashed})` : invalidity(res)
          } catch (err) {
            record.note = (err as Error).message.split('\n')[0]
            note(`${sc.name} ${b} round ${round}: ${(err as Error).message}`)
          } finally {
            await live.broker?.stop()
            live.broker = null
            rmSync(dir, { recursive: true, force: true })
          }
          runs.push(record)
          const first = sc.metrics[0]
          note(`[${n}/${total}] ${sc.name} round ${round} ${b}: ${first.label} ${record.figures[first.key] ?? '–'}${record.valid ? '' : ` INVALID (${record.note ?? ''})`}`)
        }
      }
    }
    if (clusterScenarios.length > 0 && !interrupted) {
      clusterRuns = await runClusterScenarios(clusterScenarios, {
        rounds,
        quick: args.quick,
        setups,
        tmp,
        serverPrefix: [...fd, ...pin.broker],
        generatorPrefix: [...fd, ...pin.generator],
        nodeOptions,
        nextPorts: () => { // fresh ports per run, above the standalone runs' range: no TIME_WAIT left over
          const k = (n++ % 50) * 2
          return [basePort + 100 + k, basePort + 101 + k]
        },
        interrupted: () => interrupted,
        note,
      })
    }
  } finally {
    await live.broker?.stop()
    rmSync(tmp, { recursive: true, force: true })
  }

  const machine = describeMachine(mosquitto, aedes)
  const summaries = summarize(scenarios, brokers, runs, skipped)
  const cluster = clusterScenarios.length === 0
    ? null
    : {
        header: {
          redis,
          mqemitter_redis: mqemitterRedis,
          placement: pin.note === null ? 'every server process (both nodes and Redis, or the standalone broker) pinned to CPU 0 (taskset -c 0), the load generator to CPU 1' : pin.note,
        },
        setups,
      }
  const header = {
    machine,
    rounds,
    quick: args.quick,
    brokers,
    pinning: pin.note === null ? 'each broker pinned to CPU 0 (taskset -c 0), the load generator (mqttctl bench, 1 worker) to CPU 1' : pin.note,
    notes: interrupted ? [...notes, 'interrupted before the end'] : notes,
  }
  const clusterSummaries = cluster === null ? [] : summarizeCluster(clusterScenarios, cluster.setups, clusterRuns)
  if (args.json) {
    const clusterDoc = cluster === null ? {} : { cluster: { ...cluster.header, setups: cluster.setups, scenarios: clusterSummaries, runs: clusterRuns } }
    process.stdout.write(JSON.stringify({ ...header, scenarios: summaries, runs, ...clusterDoc }, null, 2) + '\n')
  } else {
    if (scenarios.length > 0 || cluster === null) process.stdout.write(markdown(header, summaries, runs))
    else process.stdout.write(markdownHeader(header).join('\n') + '\n\n')
    if (cluster !== null) process.stdout.write((scenarios.length > 0 ? '\n' : '') + clusterMarkdown(cluster.header, cluster.setups, clusterSummaries, clusterRuns))
  }
  if (interrupted) process.exitCode = 130
}

await main()
