/**
 * `mqttctl trace`: live trace of clients and topics, with timings.
 *
 * Starts the `trace.start` control stream and prints each event as it arrives: one human line, or
 * one TraceEvent as JSON per line with --json (NDJSON). It ends on Ctrl-C (the stream is cancelled,
 * exit 0; a second Ctrl-C exits 130), after --duration or --count, when the reader of stdout leaves,
 * or when the broker ends the stream (src/cli/stream-end.ts). `run()` stays pending until then
 * (oclif flushes and exits once it resolves).
 */
import { Flags } from '@oclif/core'
import type { StreamEnd, StreamHandle } from '../src/control/client.js'
import type { TraceEvent } from '../src/control/schema.js'
import { BaseCommand } from '../src/cli/base-command.js'
import { ExitCode } from '../src/cli/exit-codes.js'
import { finishStream } from '../src/cli/stream-end.js'
import { formatTraceEvent, parseDuration } from '../src/cli/trace-format.js'
import { parseSharedFilter, validateTopicFilter } from '../src/protocol/topic.js'

/** How long a cancelled stream may take to confirm its end before we leave anyway. */
const CANCEL_WAIT_MS = 1000

type StopReason = 'interrupted' | 'duration' | 'count' | 'stdout_closed'

export default class Trace extends BaseCommand<typeof Trace> {
  static override summary = 'Trace the packets of clients and the PUBLISHes on topics, live, with timings.'
  static override description = `Every packet a traced client sends or receives (CONNECT, CONNACK, PUBLISH, PUBACK…, SUBSCRIBE, SUBACK, PINGREQ, DISCONNECT…), and every PUBLISH in or out whose topic matches a traced topic filter (MQTT wildcards, any client). --client and --topic can be repeated and combine with OR; at least one is required.

Each line: time (µs), ← in / → out, client, packet type, q<QoS> m<packet id> r<retain> d<dup>, "topic", size in bytes, payload, rc=<reason code>, and for an outgoing PUBLISH the time since the message reached the broker (+210µs).

On a cluster node the trace follows its clients and topics on every node: the other nodes stream their events to this one, and each event names the node the packet passed through (client@node on the line, "node" under --json).

--payload preview (default) shows the first 64 bytes (UTF-8, else base64 as b64:…), full the whole payload (up to 512 KiB), none nothing. --json prints one TraceEvent per line (NDJSON).

The broker never slows down for a trace: when this reader falls behind, events are dropped and "dropped N events" is printed on stderr. Stops on Ctrl-C, after --duration or after --count events, all with exit 0.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --client sensor-17',
    "<%= config.bin %> <%= command.id %> --topic 'factory/+/temp' --topic 'alerts/#' --payload full",
    '<%= config.bin %> <%= command.id %> --client c1 --client c2 --json --count 100 > trace.ndjson',
    '<%= config.bin %> <%= command.id %> --topic \'#\' --payload none --duration 30s',
  ]

  static override flags = {
    client: Flags.string({ summary: 'Trace every packet of this client id (repeatable).', multiple: true }),
    topic: Flags.string({ summary: 'Trace every PUBLISH whose topic matches this filter (repeatable).', multiple: true }),
    payload: Flags.string({
      summary: 'How much payload to show.',
      options: ['none', 'preview', 'full'],
      default: 'preview',
    }),
    duration: Flags.string({ summary: 'Stop after this long: seconds (30) or with a unit (500ms, 30s, 5m, 1h).' }),
    count: Flags.integer({ summary: 'Stop after this many events.', min: 1 }),
  }

  async run (): Promise<void> {
    const clients = this.flags.client ?? []
    const topics = this.flags.topic ?? []
    if (clients.length === 0 && topics.length === 0) {
      this.fail('trace needs at least one --client or --topic', ExitCode.Usage, 'USAGE',
        ['mqttctl trace --client <id>', "mqttctl trace --topic 'sensors/#'"])
    }
    for (const filter of topics) {
      const error = parseSharedFilter(filter) !== null ? 'a $share filter selects no topic' : validateTopicFilter(filter, 65535, 65535)
      if (error !== null) this.fail(`invalid topic filter '${filter}' (${error})`, ExitCode.Usage, 'USAGE')
    }
    let durationMs: number | null = null
    if (this.flags.duration !== undefined) {
      durationMs = parseDuration(this.flags.duration)
      if (durationMs === null) this.fail(`invalid --duration '${this.flags.duration}' (e.g. 30, 30s, 5m, 500ms)`, ExitCode.Usage, 'USAGE')
    }
    const limit = this.flags.count ?? Infinity
    const json = this.jsonEnabled()

    let stop!: (reason: StopReason) => void
    const stopped = new Promise<StopReason>((resolve) => { stop = resolve })
    let interrupts = 0
    const onSigint = (): void => {
      if (++interrupts > 1) process.exit(ExitCode.Interrupted)
      stop('interrupted')
    }
    const onStdoutClosed = (): void => { stop('stdout_closed') } // EPIPE: the reader (e.g. `head`) left
    process.on('SIGINT', onSigint)
    this.stdoutClosed.addEventListener('abort', onStdoutClosed)
    let timer: NodeJS.Timeout | null = null

    try {
      const control = await this.control()
      let seen = 0
      let droppedReported = 0
      // Announced once the broker has taken the trace, or at its first event (which can be parsed
      // in the same read as the acknowledgement, before the awaiting code below runs).
      let announced = json
      const announce = (): void => {
        if (announced) return
        announced = true
        const what = [...clients.map((c) => `client ${c}`), ...topics.map((t) => `topic ${t}`)].join(', ')
        process.stderr.write(`tracing ${what} (Ctrl-C to stop)\n`)
      }
      const onEvent = (event: TraceEvent): void => {
        if (seen >= limit) return
        announce()
        seen++
        process.stdout.write((json ? JSON.stringify(event) : formatTraceEvent(event)) + '\n')
        if (seen >= limit) stop('count')
      }
      const onDropped = (n: number): void => {
        droppedReported += n
        process.stderr.write(`dropped ${n} events\n`)
      }
      const payload = this.flags.payload as 'none' | 'preview' | 'full'
      const handle: StreamHandle = await control.stream('trace.start', { clients, topics, payload }, onEvent, onDropped)
      if (durationMs !== null) timer = setTimeout(() => { stop('duration') }, durationMs)
      if (interrupts === 0) announce()

      const outcome = await Promise.race([stopped, handle.done])
      let end: StreamEnd | null
      if (typeof outcome === 'string') {
        // We stop: cancel, and wait a little for the broker's final drop count.
        end = await Promise.race([
          handle.cancel(),
          new Promise<null>((resolve) => { setTimeout(() => { resolve(null) }, CANCEL_WAIT_MS).unref() }),
        ])
      } else {
        end = outcome
      }
      if (end !== null && end.dropped > droppedReported) onDropped(end.dropped - droppedReported)
      if (typeof outcome !== 'string') finishStream(outcome, 'trace', (m) => { process.stderr.write(m + '\n') })
    } finally {
      if (timer !== null) clearTimeout(timer)
      process.off('SIGINT', onSigint)
      this.stdoutClosed.removeEventListener('abort', onStdoutClosed)
    }
  }
}
