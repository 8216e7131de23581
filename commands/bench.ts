/**
 * `mqttctl bench`: a load generator for any MQTT broker (ours or not), over plain MQTT.
 *
 * Scenarios: pub, sub, pubsub (fan-in, fan-out, pairs), conn (connection storm) and retained
 * (many retained messages to a new subscriber). The engine (src/bench) is loaded lazily: it speaks
 * MQTT itself with hand-written encoders, batched writes and, with --workers, worker threads, so
 * that the generator is not what limits the measurement. Ctrl-C stops the load and reports what
 * was measured (marked interrupted); a second Ctrl-C exits 130.
 */
import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../src/cli/base-command.js'
import { ExitCode } from '../src/cli/exit-codes.js'
import { parseDuration } from '../src/cli/trace-format.js'
import type { BenchResult } from '../src/bench/result.js'

const durationFlag = (summary: string, allowZero: boolean) => Flags.custom<number>({
  summary,
  parse: async (input) => {
    if (allowZero && /^0+(\.0*)?(ms|s|m|h)?$/.test(input.trim())) return 0
    const ms = parseDuration(input)
    if (ms === null) throw new Error(`invalid duration '${input}' (e.g. 10, 10s, 500ms, 2m)`)
    return ms
  },
})

export default class Bench extends BaseCommand<typeof Bench> {
  static override summary = 'Generate MQTT load against a broker and measure throughput, latency, losses and connection rates.'
  static override description = `Scenarios:
  pub       --clients publishers send messages (QoS 1/2: rate of completed messages)
  sub       --subscribers subscribe to --filter (default: --topic with %i as +) and measure what arrives
  pubsub    publishers and subscribers together; --topology fan-in (N → 1, subscribers use a + wildcard), fan-out (1 → N), pairs (i → i)
  conn      open --clients connections as fast as possible (--concurrency at a time), report connections/s, keep them open idle for --hold
  retained  publish --messages retained messages (QoS 1), then time their delivery to a new subscriber of --filter; removes them afterwards

Each payload carries a send timestamp (process.hrtime), the publisher's index and a sequence number: subscribers measure latency (publisher and subscriber on the same host) and count losses, duplicates and reordering. A run with a loss, a duplicate or a connection error is reported INVALID.

Rates are per second of the measured window (after --warmup); MB/s counts payload bytes (10^6). --rate is the total over all publishers (0 = as fast as possible). With --workers N the clients are spread over N worker threads. A progress bar is shown on stderr when it is a terminal; --json prints one JSON document.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> pubsub --topology fan-in --clients 100 --qos 1 --duration 10s',
    '<%= config.bin %> <%= command.id %> pubsub --topology fan-out --subscribers 1000 --qos 0 --messages 10000 --workers 2',
    '<%= config.bin %> <%= command.id %> pubsub --topology pairs --clients 100 --rate 1000 --duration 30s --json',
    '<%= config.bin %> <%= command.id %> conn --clients 10000 --concurrency 200 --hold 10s --url mqtt://10.0.0.5:1883',
    '<%= config.bin %> <%= command.id %> retained --messages 10000 --filter \'#\'',
    '<%= config.bin %> <%= command.id %> pub --clients 10 --rate 5000 --duration 1m --url mqtt://user:secret@broker:1883',
  ]

  static override args = {
    scenario: Args.string({ description: 'What to run.', required: true, options: ['pub', 'sub', 'pubsub', 'conn', 'retained'] }),
  }

  static override flags = {
    url: Flags.string({ char: 'u', summary: 'Broker: mqtt://[user[:password]@]host[:port].', default: 'mqtt://127.0.0.1:1883' }),
    'sub-url': Flags.string({ summary: 'sub, pubsub: subscribers connect here instead of --url (e.g. another node of a cluster: publishers on one node, subscribers on the other).' }),
    topology: Flags.string({ summary: 'pubsub: who hears whom.', options: ['fan-in', 'fan-out', 'pairs'], default: 'fan-in' }),
    clients: Flags.integer({ char: 'n', summary: 'Publishers (conn: connections; default pub 1, fan-in 10, fan-out 1, pairs 10, conn 1000).', min: 1 }),
    subscribers: Flags.integer({ summary: 'Subscribers (default fan-in 1, fan-out 10, pairs = --clients, sub 1).', min: 1 }),
    messages: Flags.integer({ char: 'm', summary: 'Messages per publisher (sub: per subscriber, then stop).', min: 1, exclusive: ['duration'] }),
    duration: durationFlag('Run for this long (10, 10s, 2m; default 10s when --messages is not given).', false)(),
    warmup: durationFlag('Load before measuring starts (not counted in rates or latency).', true)({ default: 0 }),
    size: Flags.integer({ char: 's', summary: 'Payload bytes (at least 16: timestamp, publisher, sequence).', default: 128, min: 0 }),
    qos: Flags.string({ char: 'q', summary: 'QoS of publishes and subscriptions.', options: ['0', '1', '2'], default: '0' }),
    rate: Flags.integer({ char: 'r', summary: 'Total messages/s over all publishers (0 = as fast as possible).', default: 0, min: 0 }),
    topic: Flags.string({ char: 't', summary: 'Topic pattern; %i is the publisher index.', default: 'bench/%i' }),
    filter: Flags.string({ summary: 'sub, retained: the subscription filter (default: --topic with %i as +; retained: then /#).' }),
    'mqtt-version': Flags.string({ summary: 'Protocol version of every client.', options: ['3.1.1', '5'], default: '3.1.1' }),
    inflight: Flags.integer({ summary: 'QoS 1/2: unacknowledged messages per publisher.', default: 100, min: 1, max: 65534 }),
    workers: Flags.integer({ char: 'w', summary: 'Worker threads to spread the clients over (1 = this thread).', default: 1, min: 1, max: 64 }),
    concurrency: Flags.integer({ summary: 'conn: connection handshakes in flight at once.', default: 100, min: 1 }),
    hold: durationFlag('conn: keep the connections open (idle) this long once all are up.', true)({ default: 0 }),
    'drain-timeout': durationFlag('Stop waiting for the last messages after this long without one.', false)({ default: 5000 }),
    retain: Flags.boolean({ summary: 'pub, pubsub: publish with the retain flag.' }),
    persistent: Flags.boolean({ summary: 'sub, pubsub: subscribers keep persistent sessions (clean session 0; MQTT 5: Session Expiry 300 s), removed at the end.' }),
    progress: Flags.boolean({ summary: 'Progress bar on stderr (only on a terminal).', default: true, allowNo: true }),
  }

  async run (): Promise<BenchResult> {
    const { buildOptions, BenchUsageError } = await import('../src/bench/options.js')
    const { runBench, BenchConnectError } = await import('../src/bench/run.js')
    const { startProgressBar } = await import('../src/bench/progress.js')
    const f = this.flags
    let options
    try {
      options = buildOptions(this.args.scenario as 'pub', {
        url: f.url,
        subUrl: f['sub-url'],
        topology: f.topology as 'fan-in',
        clients: f.clients,
        subscribers: f.subscribers,
        messages: f.messages,
        durationMs: f.duration,
        warmupMs: f.warmup,
        size: f.size,
        qos: Number(f.qos),
        rate: f.rate,
        topic: f.topic,
        filter: f.filter,
        mqttVersion: f['mqtt-version'],
        inflight: f.inflight,
        workers: f.workers,
        concurrency: f.concurrency,
        holdMs: f.hold,
        drainMs: f['drain-timeout'],
        retain: f.retain,
        persistent: f.persistent,
      })
    } catch (err) {
      if (err instanceof BenchUsageError) this.fail(err.message, ExitCode.Usage, 'USAGE')
      throw err
    }

    const abort = new AbortController()
    const onSigint = (): void => {
      if (abort.signal.aborted) process.exit(ExitCode.Interrupted)
      abort.abort()
    }
    process.on('SIGINT', onSigint)
    const bar = startProgressBar(f.progress)
    let result: BenchResult
    try {
      result = await runBench(options, {
        signal: abort.signal,
        onProgress: (fraction, p, elapsedS) => { bar.update(fraction, p, elapsedS) },
        // Always on stderr, also under --json: scripts (npm run bench) wait for this line to
        // sample the broker's memory while the connections are held.
        onHolding: (n, s) => {
          bar.stop()
          process.stderr.write(`holding ${n} idle connections for ${s}s\n`)
        },
      })
    } catch (err) {
      if (err instanceof BenchConnectError) {
        const exit = err.kind === 'unavailable' ? ExitCode.Unavailable : err.kind === 'refused' ? ExitCode.Permission : err.kind === 'timeout' ? ExitCode.Timeout : ExitCode.Internal
        this.fail(err.message, exit, err.kind.toUpperCase())
      }
      throw err
    } finally {
      bar.stop()
      process.off('SIGINT', onSigint)
    }
    if (!this.jsonEnabled()) {
      const { formatResult } = await import('../src/bench/format.js')
      this.log(formatResult(result))
    }
    return result
  }
}
