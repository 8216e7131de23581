/**
 * A latency histogram in microseconds with log-linear buckets (HDR-style): exact below 128 µs,
 * then 64 buckets per power of two, so every recorded value is within 1.6% of its bucket (≤ 0.8%
 * from the bucket's middle, which percentiles report). 1,664 buckets cover up to 2^31 µs (36 min);
 * larger values are clamped. Recording is one clz and an array increment; histograms of several
 * threads merge by adding counts (`toJSON`/`merge` carry them across postMessage).
 */
const SUB_BITS = 7
const SUB = 1 << SUB_BITS
const HALF = SUB >> 1
const BUCKETS = (31 - (SUB_BITS - 1)) * HALF + SUB
const MAX_VALUE = 2 ** 31 - 1

function bucketOf (us: number): number {
  const v = us < 0 ? 0 : us > MAX_VALUE ? MAX_VALUE : Math.floor(us)
  if (v < SUB) return v
  const shift = 31 - Math.clz32(v) - (SUB_BITS - 1)
  return shift * HALF + (v >>> shift)
}

/** The middle of a bucket, in µs. */
function valueOf (bucket: number): number {
  if (bucket < SUB) return bucket
  const shift = Math.floor(bucket / HALF) - 1
  const low = (bucket - shift * HALF) * 2 ** shift
  return low + (2 ** shift - 1) / 2
}

export interface HistogramData { counts: number[]; total: number; sum: number; min: number; max: number }

export interface LatencySummary {
  samples: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS)
  total = 0
  private sum = 0
  private min = Infinity
  private max = 0

  record (us: number): void {
    this.counts[bucketOf(us)]++
    this.total++
    this.sum += us
    if (us > this.max) this.max = us
    if (us < this.min) this.min = us
  }

  /** The value at quantile `q` (0..1), in µs. */
  quantile (q: number): number {
    if (this.total === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.total))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]
      if (seen >= rank) return Math.min(valueOf(i), this.max)
    }
    return this.max
  }

  merge (other: HistogramData): void {
    for (let i = 0; i < other.counts.length; i += 2) this.counts[other.counts[i]] += other.counts[i + 1]
    this.total += other.total
    this.sum += other.sum
    if (other.max > this.max) this.max = other.max
    if (other.min < this.min) this.min = other.min
  }

  /** Sparse form ([bucket, count, ...]) for postMessage. */
  toJSON (): HistogramData {
    const counts: number[] = []
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] > 0) counts.push(i, this.counts[i])
    return { counts, total: this.total, sum: this.sum, min: this.min, max: this.max }
  }

  /** Percentiles in milliseconds (3 decimals), or null without samples. */
  summaryMs (): LatencySummary | null {
    if (this.total === 0) return null
    const ms = (us: number): number => Math.round(us) / 1000
    return {
      samples: this.total,
      mean: ms(this.sum / this.total),
      p50: ms(this.quantile(0.5)),
      p90: ms(this.quantile(0.9)),
      p99: ms(this.quantile(0.99)),
      p999: ms(this.quantile(0.999)),
      max: ms(this.max),
    }
  }
}
