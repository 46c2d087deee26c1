/**
 * Escape-rate statistics (docs/compute.md, "Measuring the escape rate"): trials in which colluding
 * executors returned the same wrong result, how many of them escaped (were accepted), and whether
 * the formula's rate lies inside the measured rate's 95 % interval.
 */

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

/**
 * The Wilson score interval for `successes` out of `trials` at 95 %: unlike the normal
 * approximation it stays inside [0, 1] and keeps its coverage for rates near 0, where escapes live
 * (a rate of a few per cent over a few thousand trials). [0, 1] for no trials.
 */
export function wilsonInterval95(successes: number, trials: number): { readonly low: number; readonly high: number } {
  if (!Number.isSafeInteger(trials) || trials < 0 || !Number.isSafeInteger(successes) || successes < 0 || successes > trials) throw new RangeError(`wilsonInterval95: need integers 0 <= successes <= trials, got ${successes} of ${trials}`);
  if (trials === 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface EscapeFigures {
  readonly trials: number;
  readonly escapes: number;
  readonly escapeRate: number;
  readonly theoreticalEscape: number;
  readonly interval95: { readonly low: number; readonly high: number };
  /** The theoretical rate lies inside the measured 95 % interval. */
  readonly formulaInside: boolean;
}

/** The report's figures from a count of trials and escapes and the formula's rate C(c, r) / C(n, r). */
export function escapeFigures(trials: number, escapes: number, theoreticalEscape: number): EscapeFigures {
  const interval95 = wilsonInterval95(escapes, trials);
  return { trials, escapes, escapeRate: trials > 0 ? escapes / trials : 0, theoreticalEscape, interval95, formulaInside: theoreticalEscape >= interval95.low && theoreticalEscape <= interval95.high };
}
