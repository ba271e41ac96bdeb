/** z for a two-sided 95% interval: the 0.975 quantile of the standard normal distribution. */
export const Z_95 = 1.959963984540054;

/** A confidence interval for a proportion, both ends within [0, 1]. */
export interface Interval {
  low: number;
  high: number;
}

function requireCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name}: must be a non-negative integer, got ${String(value)}`);
  }
}

/**
 * The Wilson score interval for a binomial proportion: `successes` out of `trials`, 95% by default.
 *
 * Chosen over the textbook normal ("Wald") interval because attack success rates sit near 0 or 1, where Wald
 * collapses to zero width (0 of 10 would read as "exactly 0%") while Wilson still says how little ten attempts
 * prove (0 of 10 → 0% to 27.8%). No trials means no knowledge: the whole range [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval {
  requireCount('trials', trials);
  requireCount('successes', successes);
  if (successes > trials) throw new Error(`successes: must not exceed trials (${successes} > ${trials})`);
  if (!Number.isFinite(z) || z <= 0) throw new Error(`z: must be a positive finite number, got ${String(z)}`);
  if (trials === 0) return { low: 0, high: 1 };

  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const halfWidth = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // At the edges the formula gives 0 and 1 up to rounding; pin them so "0 of n" never reads as a tiny positive rate.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - halfWidth),
    high: successes === trials ? 1 : Math.min(1, centre + halfWidth),
  };
}
