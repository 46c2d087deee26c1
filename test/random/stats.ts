import { expect } from 'vitest';

/**
 * Tolerances for statistical assertions. The seeds are fixed, so every test is deterministic; the
 * tolerances are still chosen as if they were not (about 5 standard errors, or a chi-square
 * critical value at p = 1e-4), so a change of seed or generator cannot make a correct
 * implementation fail except by a once-in-ten-thousand fluke, while a real bias is caught.
 */
export const Z = 5;

/** `hits` out of `n` is consistent with probability `p`. */
export function expectRate(hits: number, n: number, p: number, z = Z): void {
  const sd = Math.sqrt((p * (1 - p)) / n);
  const rate = hits / n;
  expect(Math.abs(rate - p), `rate ${rate} vs expected ${p} (±${(z * sd).toPrecision(3)})`).toBeLessThanOrEqual(z * sd + 1e-12);
}

/**
 * The empirical CDF at the theoretical q-quantile `x` is q, within a binomial tolerance. This
 * tests the quantile without assuming anything about the density near it.
 */
export function expectQuantile(samples: readonly number[], q: number, x: number, z = Z): void {
  let below = 0;
  for (const s of samples) if (s <= x) below++;
  expectRate(below, samples.length, q, z);
}

/** Sample mean within z standard errors of `mean`, given the distribution's standard deviation. */
export function expectMean(samples: readonly number[], mean: number, sd: number, z = Z): void {
  const m = samples.reduce((a, b) => a + b, 0) / samples.length;
  const se = sd / Math.sqrt(samples.length);
  expect(Math.abs(m - mean), `mean ${m} vs expected ${mean} (±${(z * se).toPrecision(3)})`).toBeLessThanOrEqual(z * se);
}

export function chiSquare(counts: readonly number[], expected: readonly number[]): number {
  let x = 0;
  counts.forEach((c, i) => {
    const e = expected[i] as number;
    x += ((c - e) * (c - e)) / e;
  });
  return x;
}

/** Upper critical value of chi-square with `df` degrees of freedom (Wilson–Hilferty), p ≈ 1e-4. */
export function chiSquareCritical(df: number, z = 3.719): number {
  const a = 2 / (9 * df);
  return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
}

export function sampleStd(samples: readonly number[]): number {
  const m = samples.reduce((a, b) => a + b, 0) / samples.length;
  return Math.sqrt(samples.reduce((a, b) => a + (b - m) * (b - m), 0) / (samples.length - 1));
}
