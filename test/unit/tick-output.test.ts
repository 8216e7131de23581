/**
 * TickOutput (core/output.ts): the bytes written are exactly the packets added, in order; a lone
 * packet is written as it is (no copy); a shared packet is never written into; a burst leaves in
 * pieces of at most CHUNK_LIMIT while it is produced; a packet above the limit goes out whole.
 */
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { PassThrough } from 'node:stream'
import { CHUNK_LIMIT, TickOutput } from '../../src/core/output.js'

/** A stream that records every write. */
function recorder (): { stream: PassThrough; writes: Buffer[] } {
  const writes: Buffer[] = []
  const stream = new PassThrough()
  const write = stream.write.bind(stream)
  stream.write = ((chunk: Buffer) => { writes.push(chunk); return write(chunk) }) as typeof stream.write
  stream.resume()
  return { stream, writes }
}

function packet (size: number, fill: number): Buffer {
  return Buffer.alloc(size, fill)
}

/** Adds `p` either by reserve + fill (as sendPublish encodes) or by append. */
function add (out: TickOutput, p: Buffer, encodeInPlace: boolean): void {
  if (encodeInPlace) {
    const buf = out.reserve(p.length)
    p.copy(buf, out.offset)
  } else {
    out.append(p)
  }
}

test('a lone packet is written as it is', (t: TestContext) => {
  const { stream, writes } = recorder()
  const out = new TickOutput(stream)
  const p = packet(10, 1)
  out.append(p)
  t.assert.equal(out.used, 10)
  out.flush()
  t.assert.equal(writes.length, 1)
  t.assert.equal(writes[0], p)
  t.assert.equal(out.pending, false)
})

test('packets of a tick leave in one write, in order, and a shared packet is not modified', (t: TestContext) => {
  const { stream, writes } = recorder()
  const out = new TickOutput(stream)
  const shared = packet(7, 9)
  const expected: Buffer[] = [shared]
  out.append(shared)
  for (let i = 0; i < 50; i++) {
    const p = packet(1 + (i * 37) % 300, i)
    expected.push(p)
    add(out, p, i % 2 === 0)
  }
  out.flush()
  t.assert.equal(writes.length, 1)
  t.assert.deepStrictEqual(writes[0], Buffer.concat(expected))
  t.assert.deepStrictEqual(shared, packet(7, 9))
})

test('a burst is written in pieces of at most CHUNK_LIMIT while it is produced', (t: TestContext) => {
  const { stream, writes } = recorder()
  const out = new TickOutput(stream)
  const expected: Buffer[] = []
  for (let i = 0; i < 2000; i++) {
    const p = packet(150, i % 251)
    expected.push(p)
    add(out, p, true)
  }
  t.assert.ok(writes.length >= 4, `written before the flush: ${writes.length} pieces`)
  out.flush()
  for (const w of writes) t.assert.ok(w.length <= CHUNK_LIMIT)
  t.assert.deepStrictEqual(Buffer.concat(writes), Buffer.concat(expected))
})

test('a packet larger than CHUNK_LIMIT goes out whole, after what was pending', (t: TestContext) => {
  const { stream, writes } = recorder()
  const out = new TickOutput(stream)
  const small = packet(100, 1)
  const big = packet(CHUNK_LIMIT + 10, 2)
  const after = packet(50, 3)
  add(out, small, true)
  out.append(big)
  add(out, after, true)
  out.flush()
  t.assert.deepStrictEqual(writes.map((w) => w.length), [100, CHUNK_LIMIT + 10, 50])
  t.assert.equal(writes[1], big)
  t.assert.deepStrictEqual(Buffer.concat(writes), Buffer.concat([small, big, after]))
})

test('nothing is written to an ended stream', (t: TestContext) => {
  const { stream, writes } = recorder()
  const out = new TickOutput(stream)
  stream.end()
  writes.length = 0
  out.append(packet(5, 1))
  out.flush()
  t.assert.equal(writes.length, 0)
  t.assert.equal(out.pending, false)
})
