/**
 * The generator's payload layout: what a subscriber needs to measure latency and to find losses,
 * duplicates and reordering, in the first 16 bytes of every message; the rest is padding.
 *
 *   [0, 8)   send time: process.hrtime in ns as a float64 (CLOCK_MONOTONIC, shared by every thread
 *            and process of the host, so publisher and subscriber may even be separate processes)
 *   [8, 12)  publisher index (uint32, unique within a run)
 *   [12, 16) sequence number of the message for that publisher (uint32, from 0)
 *
 * A float64 of nanoseconds since boot stays exact to a few ns for months of uptime.
 */
export const STAMP_SIZE = 16

/** Now, in ns, on the clock the payload stamps use. */
export function nowNs (): number {
  return Number(process.hrtime.bigint())
}

/** A payload template of `size` bytes (at least STAMP_SIZE) for one publisher. */
export function makePayload (size: number, publisher: number): Buffer {
  const buf = Buffer.alloc(Math.max(size, STAMP_SIZE), 0x2e) // '.' padding
  buf.writeUInt32BE(publisher, 8)
  return buf
}

/** Stamps the send time and sequence number into a payload at `off`. */
export function stamp (buf: Buffer, off: number, sentNs: number, seq: number): void {
  buf.writeDoubleBE(sentNs, off)
  buf.writeUInt32BE(seq >>> 0, off + 12)
}

export function readSentNs (buf: Buffer, off: number): number {
  return buf.readDoubleBE(off)
}

export function readPublisher (buf: Buffer, off: number): number {
  return buf.readUInt32BE(off + 8)
}

export function readSeq (buf: Buffer, off: number): number {
  return buf.readUInt32BE(off + 12)
}
