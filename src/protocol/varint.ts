/** MQTT's Variable Byte Integer (MQTT 5.0 §1.5.5): size and encoding, for the hand-written encoders. */

/** Bytes needed for `n` as a variable byte integer. */
export function varintSize (n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4
}

/** Writes `n` as a variable byte integer at `off`; returns the offset after it. */
export function writeVarint (buf: Buffer, off: number, n: number): number {
  let v = n
  do {
    let byte = v % 128
    v = Math.floor(v / 128)
    if (v > 0) byte |= 128
    buf[off++] = byte
  } while (v > 0)
  return off
}
