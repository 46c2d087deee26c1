import type { LatencySummary } from '../src/metrics/index.js';

/** `--name N` from the command line, or the fallback. */
export const numberArg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

export const ms = (n: number) => n.toFixed(2);
export const pct = (a: number, b: number) => (b === 0 ? '—' : `${((100 * a) / b).toFixed(2)} %`);
export const latencyLine = (s: LatencySummary) => `p50 ${ms(s.p50)} / p90 ${ms(s.p90)} / p99 ${ms(s.p99)} / max ${ms(s.max)} ms (n = ${s.count})`;
