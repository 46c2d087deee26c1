import type { LatencySummary } from '../src/metrics/index.js';

/** `--name N` from the command line, or the fallback. */
export const numberArg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

export const ms = (n: number) => n.toFixed(2);
export const pct = (a: number, b: number) => (b === 0 ? '—' : `${((100 * a) / b).toFixed(2)} %`);
export const latencyLine = (s: LatencySummary) => `p50 ${ms(s.p50)} / p90 ${ms(s.p90)} / p99 ${ms(s.p99)} / max ${ms(s.max)} ms (n = ${s.count})`;

/** The 95 % Wilson score interval of a binomial proportion `hits / trials` (sensible at 0 hits too, unlike the normal approximation). */
export function wilsonInterval(hits: number, trials: number, z = 1.96): { low: number; high: number } {
  if (trials === 0) return { low: 0, high: 1 };
  const p = hits / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
