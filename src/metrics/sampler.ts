/**
 * MetricsSampler: turns the engine's monotonically increasing Counters into rates, once a second.
 *
 * - `rate(name)`: events per second over the last RATE_WINDOW seconds (for `mqttctl state`).
 * - `load(name, minutes)`: Mosquitto-style load averages, exponentially weighted over 1, 5 and 15
 *   minutes of the per-second rate (`$SYS/broker/load/.../1min|5min|15min`, per minute like
 *   Mosquitto's).
 * - Event-loop lag from `perf_hooks.monitorEventLoopDelay` (mean and p99 over the last period).
 * - The highest V8 heap use seen (`$SYS/broker/heap/maximum`), read through `readMemory`, which
 *   cannot throw at the descriptor limit (the RSS reading needs a file) and reports it instead.
 * One timer, unref'd; nothing on the message path.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type { Counters } from './counters.js'
import { readMemory } from './memory.js'

/** Counters that get rates and load averages. */
export const SAMPLED = ['publishReceived', 'publishSent', 'publishDropped', 'packetsReceived', 'packetsSent',
  'bytesReceived', 'bytesSent', 'connectionsAccepted', 'connectionsRefused'] as const
export type SampledCounter = (typeof SAMPLED)[number]

const RATE_WINDOW = 5
const RESOLUTION_MS = 20
const LOAD_MINUTES = [1, 5, 15] as const

export class MetricsSampler {
  private readonly history: Array<Record<SampledCounter, number> & { at: number }> = []
  private readonly loads = new Map<string, number>()
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  private timer: NodeJS.Timeout | null = null
  private lagMs = 0
  private lagP99Ms = 0
  private heapUsedMax = 0

  /** `onDescriptorsExhausted` hears when a reading failed for lack of file descriptors. */
  constructor (private readonly counters: Counters, private readonly onDescriptorsExhausted?: (err: NodeJS.ErrnoException) => void) {}

  start (): void {
    this.delay.enable()
    this.sample()
    this.timer = setInterval(() => { this.sample() }, 1000)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.delay.disable()
  }

  /** Events per second of `name` over the last few seconds. */
  rate (name: SampledCounter): number {
    const h = this.history
    if (h.length < 2) return 0
    const first = h[0]
    const last = h[h.length - 1]
    const seconds = (last.at - first.at) / 1000
    return seconds > 0 ? (last[name] - first[name]) / seconds : 0
  }

  /** Load average of `name` (events per minute) over `minutes` = 1, 5 or 15. */
  load (name: SampledCounter, minutes: (typeof LOAD_MINUTES)[number]): number {
    return this.loads.get(`${name}/${minutes}`) ?? 0
  }

  /**
   * Records a reading of the V8 heap in use and returns the highest seen since start (sampled once
   * a second and at every reading: a short peak between two readings is missed).
   */
  heapUsedMaximum (heapUsed: number): number {
    if (heapUsed > this.heapUsedMax) this.heapUsedMax = heapUsed
    return this.heapUsedMax
  }

  /** Event-loop lag over the last second: mean and 99th percentile, in ms. */
  eventLoopLag (): { mean: number; p99: number } {
    return { mean: this.lagMs, p99: this.lagP99Ms }
  }

  private sample (): void {
    const now = Date.now()
    const snapshot = { at: now } as Record<SampledCounter, number> & { at: number }
    for (const name of SAMPLED) snapshot[name] = this.counters[name]
    const previous = this.history[this.history.length - 1]
    this.history.push(snapshot)
    if (this.history.length > RATE_WINDOW + 1) this.history.shift()
    if (previous !== undefined) {
      const seconds = (now - previous.at) / 1000
      for (const name of SAMPLED) {
        const perMinute = seconds > 0 ? (snapshot[name] - previous[name]) / seconds * 60 : 0
        for (const minutes of LOAD_MINUTES) {
          const key = `${name}/${minutes}`
          const factor = Math.exp(-seconds / (minutes * 60))
          const old = this.loads.get(key) ?? perMinute
          this.loads.set(key, old * factor + perMinute * (1 - factor))
        }
      }
    }
    // The histogram measures each tick of its own RESOLUTION_MS timer: the lag is what exceeds it.
    this.lagMs = Number.isNaN(this.delay.mean) ? 0 : Math.max(0, this.delay.mean / 1e6 - RESOLUTION_MS)
    this.lagP99Ms = Math.max(0, this.delay.percentile(99) / 1e6 - RESOLUTION_MS)
    this.delay.reset()
    this.heapUsedMaximum(readMemory(this.onDescriptorsExhausted).heapUsed)
  }
}
