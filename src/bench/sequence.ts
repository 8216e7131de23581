/**
 * Per (subscriber, publisher) bookkeeping of sequence numbers: counts distinct messages received,
 * duplicates and messages that arrived out of order, in O(1) memory when messages arrive in order
 * (which MQTT guarantees per topic and QoS, [MQTT-4.6.0-5]).
 *
 * `next` is the lowest sequence number not yet seen after the highest one seen; a jump ahead
 * records the skipped range as a gap. A number below `next` fills a gap (out of order) or, if it is
 * in no gap, is a duplicate. Gaps are kept as a flat list of [from, to) pairs: short unless the
 * stream is badly reordered. Losses are what is still missing at the end: expected − distinct.
 */
export class SequenceTracker {
  next = 0
  distinct = 0
  duplicates = 0
  outOfOrder = 0
  private gaps: number[] = []

  record (seq: number): void {
    if (seq === this.next) {
      this.next++
      this.distinct++
      return
    }
    if (seq > this.next) {
      this.gaps.push(this.next, seq)
      this.next = seq + 1
      this.distinct++
      return
    }
    const gaps = this.gaps
    for (let i = 0; i < gaps.length; i += 2) {
      const from = gaps[i]
      const to = gaps[i + 1]
      if (seq < from || seq >= to) continue
      this.distinct++
      this.outOfOrder++
      if (to - from === 1) gaps.splice(i, 2)
      else if (seq === from) gaps[i] = from + 1
      else if (seq === to - 1) gaps[i + 1] = to - 1
      else gaps.splice(i, 2, from, seq, seq + 1, to)
      return
    }
    this.duplicates++
  }

  /** Numbers below the highest one seen that are still missing. */
  get holes (): number {
    let n = 0
    for (let i = 0; i < this.gaps.length; i += 2) n += this.gaps[i + 1] - this.gaps[i]
    return n
  }
}
