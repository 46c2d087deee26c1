/** Deterministic latency samples (integer µs) for histogram tests: no Math.random, so failures replay. */
export function seededLatenciesUs(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const next = (): number => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = next();
    // Mostly a lognormal-ish body around a few ms, with a heavy tail into seconds and some
    // sub-2 ms values that HdrHistogram keeps exactly.
    if (u < 0.1) out.push(Math.floor(next() * 2048));
    else if (u < 0.98) out.push(Math.round(Math.exp(7 + 2 * next() + next())));
    else out.push(Math.round(1e6 + next() * 5e7));
  }
  return out;
}

/** Nearest-rank percentile (the definition HdrHistogram implements), for p with at most one decimal. */
export function exactPercentile(sorted: readonly number[], p: number): number {
  const tenths = Math.round(p * 10);
  const rank = Math.max(1, Math.ceil((tenths * sorted.length) / 1000));
  return sorted[rank - 1] as number;
}
