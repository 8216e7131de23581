/**
 * The `retained` scenario: how long a broker takes to deliver many retained messages to a new
 * subscriber. Runs in one thread, in three steps:
 *   1. load: --clients publishers each publish --messages retained messages at QoS 1, each on its
 *      own topic (`topic(i)/<n>`), and wait for every PUBACK (so the broker has stored them);
 *   2. measure: a new connection subscribes to --filter (default: the pattern with `%i` → `+`,
 *      then `/#`); the clock runs from just before SUBSCRIBE is written to the last expected
 *      message (time to SUBACK and to the first message are reported too);
 *   3. clean up: an empty retained message on every loaded topic removes them again.
 * Losses and duplicates are counted as in the other scenarios (stamp in the payload).
 */
import { BenchConnection } from './connection.js'
import { PublishTemplate } from './packets.js'
import { makePayload, nowNs, readPublisher, readSeq, stamp, STAMP_SIZE } from './payload.js'
import { topicOf, type BenchOptions } from './plan.js'
import { SequenceTracker } from './sequence.js'
import { eachLimited } from './shard.js'

export interface RetainedResult {
  messages: number
  received: number
  lost: number
  duplicates: number
  unexpected: number
  load_ms: number
  suback_ms: number
  first_ms: number | null
  last_ms: number | null
  msgs_per_s: number | null
  errors: string[]
}

export async function runRetained (o: BenchOptions, onProgress: (loaded: number, received: number) => void): Promise<RetainedResult> {
  const base = { version: o.version, keepalive: 0, clean: true }
  const errors: string[] = []
  const loaders = await Promise.all(Array.from({ length: o.clients }, (_, i) =>
    BenchConnection.open(o.endpoint, { ...base, clientId: `${o.idPrefix}-p${i}` })))
  const perPublisher = o.messages ?? 0
  let loaded = 0
  const loadStart = nowNs()
  try {
    await eachLimited(loaders.map((c, i) => [c, i] as const), loaders.length, async ([conn, i]) => {
      await publishAll(conn, perPublisher, o.inflight, (n) => {
        const tpl = new PublishTemplate(`${topicOf(o.topic, i)}/${n}`, 1, makePayload(o.size, i), o.version, true)
        return { tpl, seq: n }
      }, () => { onProgress(++loaded, 0) })
    })
  } catch (err) {
    for (const c of loaders) c.close()
    throw err
  }
  const loadMs = (nowNs() - loadStart) / 1e6

  const total = perPublisher * o.clients
  const trackers = new Map<number, SequenceTracker>()
  let distinct = 0
  let unexpected = 0
  let firstNs = 0
  let lastNs = 0
  let subscribedNs = 0
  const sub = await BenchConnection.open(o.endpoint, { ...base, clientId: `${o.idPrefix}-s0` })
  sub.onMessage = (buf, start, end, receivedNs) => {
    if (end - start < STAMP_SIZE || readPublisher(buf, start) >= o.clients) {
      unexpected++
      return
    }
    const p = readPublisher(buf, start)
    let t = trackers.get(p)
    if (t === undefined) trackers.set(p, t = new SequenceTracker())
    const before = t.distinct
    t.record(readSeq(buf, start))
    if (t.distinct > before) distinct++
    if (firstNs === 0) firstNs = receivedNs
    lastNs = receivedNs
    onProgress(loaded, distinct)
  }
  sub.onClose = (err) => { errors.push(`subscriber: ${err?.message ?? 'closed'}`) }
  const t0 = nowNs()
  await sub.subscribeNow([o.filter ?? `${o.topic.replaceAll('%i', '+')}/#`], o.qos)
  const subackMs = (nowNs() - t0) / 1e6
  subscribedNs = t0
  let last = distinct
  let quietSince = Date.now()
  while (distinct < total && !sub.closed) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    if (distinct !== last) {
      last = distinct
      quietSince = Date.now()
    } else if (Date.now() - quietSince >= o.drainMs) {
      break
    }
  }
  sub.close()

  // Clean up: an empty retained payload deletes a retained message [MQTT-3.3.1-6].
  const empty = Buffer.alloc(0)
  await eachLimited(loaders.map((c, i) => [c, i] as const), loaders.length, async ([conn, i]) => {
    await publishAll(conn, perPublisher, o.inflight, (n) => ({ tpl: new PublishTemplate(`${topicOf(o.topic, i)}/${n}`, 1, empty, o.version, true), seq: -1 }), () => {})
  }).catch((err: Error) => { errors.push(`clean-up: ${err.message}`) })
  for (const c of loaders) c.close()

  let duplicates = 0
  for (const t of trackers.values()) duplicates += t.duplicates
  const lastMs = lastNs > 0 && distinct > 0 ? (lastNs - subscribedNs) / 1e6 : null
  return {
    messages: total,
    received: distinct,
    lost: total - distinct,
    duplicates,
    unexpected,
    load_ms: round(loadMs),
    suback_ms: round(subackMs),
    first_ms: firstNs > 0 ? round((firstNs - subscribedNs) / 1e6) : null,
    last_ms: lastMs === null ? null : round(lastMs),
    msgs_per_s: lastMs === null || lastMs === 0 ? null : Math.round(distinct / (lastMs / 1000)),
    errors,
  }
}

/** Publishes `count` QoS 1 messages built by `make`, at most `window` unacknowledged; resolves when all are acked. */
function publishAll (conn: BenchConnection, count: number, window: number, make: (n: number) => { tpl: PublishTemplate; seq: number }, onAcked: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0
    let acked = 0
    const pump = (): void => {
      const now = nowNs()
      while (next < count && conn.inflight < window) {
        const { tpl, seq } = make(next++)
        const slab = conn.outbox.reserve(tpl.size)
        const off = conn.outbox.offset
        tpl.writeTo(slab, off, conn.takePacketId())
        if (seq >= 0) stamp(slab, off + tpl.payloadOffset, now, seq)
        conn.outbox.commit(off + tpl.size)
      }
    }
    conn.onCompleted = () => {
      acked++
      onAcked()
      if (acked === count) resolve()
      else pump()
    }
    conn.onClose = (err) => { reject(err ?? new Error('closed')) }
    if (count === 0) resolve()
    else pump()
  })
}

function round (ms: number): number {
  return Math.round(ms * 1000) / 1000
}
