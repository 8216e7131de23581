/**
 * Newline-delimited JSON framing for the control channel, used by both ends. Splits a byte stream
 * into lines without re-scanning what was already searched, and refuses a line longer than
 * MAX_FRAME instead of buffering it (a peer cannot make the broker hold unbounded memory).
 */
import { MAX_FRAME } from './schema.js'

export class FrameTooLarge extends Error {
  override readonly name = 'FrameTooLarge'
}

/** Feeds chunks in, calls `onFrame` with each parsed JSON value; a bad line calls `onError`. */
export class NdjsonDecoder {
  private parts: Buffer[] = []
  private size = 0

  constructor (
    private readonly onFrame: (value: unknown) => void,
    private readonly onError: (err: Error) => void
  ) {}

  push (chunk: Buffer): void {
    let start = 0
    let nl = chunk.indexOf(0x0a, start)
    while (nl !== -1) {
      const piece = chunk.subarray(start, nl)
      const line = this.size === 0 ? piece : Buffer.concat([...this.parts, piece])
      this.parts = []
      this.size = 0
      if (line.length > MAX_FRAME) {
        this.onError(new FrameTooLarge(`frame of ${line.length} bytes exceeds ${MAX_FRAME}`))
        return
      }
      if (line.length > 0) this.parse(line)
      start = nl + 1
      nl = chunk.indexOf(0x0a, start)
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start)
      this.size += rest.length
      if (this.size > MAX_FRAME) {
        this.parts = []
        this.size = 0
        this.onError(new FrameTooLarge(`frame exceeds ${MAX_FRAME} bytes`))
        return
      }
      this.parts.push(rest)
    }
  }

  private parse (line: Buffer): void {
    let value: unknown
    try {
      value = JSON.parse(line.toString('utf8'))
    } catch (err) {
      this.onError(err as Error)
      return
    }
    this.onFrame(value)
  }
}

/** One frame as bytes on the wire. */
export function encodeFrame (value: unknown): string {
  return JSON.stringify(value) + '\n'
}
