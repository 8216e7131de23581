/**
 * Reproducible randomness for tests: a seeded PRNG (the fuzz test's mutations, the property tests
 * of the topic tries), and random topic names and filters, so a failing case replays from its seed.
 */

/** Deterministic 32-bit PRNG (mulberry32) returning floats in [0, 1). */
export function seededRandom (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function pick<T> (random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

/** 1 to 5 levels of a, b, c, empty or $x. */
export function randomTopic (random: () => number): string {
  const depth = 1 + Math.floor(random() * 5)
  const levels: string[] = []
  for (let i = 0; i < depth; i++) levels.push(pick(random, ['a', 'b', 'c', '', '$x']))
  return levels.join('/')
}

/** 1 to 5 levels of a, b, empty, + or $x, ending in # three times in ten. */
export function randomFilter (random: () => number): string {
  const depth = 1 + Math.floor(random() * 5)
  const levels: string[] = []
  for (let i = 0; i < depth; i++) levels.push(pick(random, ['a', 'b', '', '+', '+', '$x']))
  if (random() < 0.3) levels[depth - 1] = '#'
  return levels.join('/')
}
