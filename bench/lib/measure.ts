/** The median (of the middle two, for an even count), least and greatest of a benchmark's samples. */
export function stats(samples: readonly number[]): { median: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** Milliseconds since a `process.hrtime.bigint()` reading. */
export const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
