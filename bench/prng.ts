/** A repeatable pseudo-random sequence (mulberry32), so every run of a benchmark works on the same data. Integer
 * arithmetic throughout: a linear congruential step in floating point loses precision and cycles after a few
 * hundred values. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
