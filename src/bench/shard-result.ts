/**
 * What one shard (the clients of one thread) reports to the coordinator: plain data, so that it
 * crosses postMessage unchanged, and merged by `run.ts` into the run's result.
 */
import type { HistogramData } from './histogram.js'

/** Counters a shard reports while running (for the progress bar). */
export interface Progress { sent: number; received: number; connections: number }

/** What arrived against what should have: per subscriber, and summed over a run. */
export interface Integrity {
  /** Messages expected (null when unknown: `sub`). */
  expected: number | null
  /** Distinct messages received. */
  received: number
  lost: number
  duplicates: number
  out_of_order: number
  /** Messages from publishers this subscriber should not hear, or without our stamp. */
  unexpected: number
}

export interface SubscriberResult extends Integrity {
  index: number
}

export interface ShardResult {
  /** Messages sent in the measured window (after warmup), their payload bytes, first/last send time (ns). */
  sent: number
  sentBytes: number
  firstSendNs: number
  lastSendNs: number
  /** QoS 1/2 messages completed (PUBACK / PUBCOMP), warmup included. */
  acked: number
  /** Messages received that were sent in the measured window, their payload bytes, first and last arrival (ns). */
  received: number
  receivedBytes: number
  firstReceiveNs: number
  lastReceiveNs: number
  latency: HistogramData
  subscribers: SubscriberResult[]
  errors: string[]
}
