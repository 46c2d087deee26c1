import { describe, expect, it } from 'vitest';
import type { LossModel } from '../../src/net/shaping/index.js';
import { expectRate, Z } from '../random/stats.js';
import { T0, makeShaper, sendMany } from './helpers.js';

const N = 50_000;

function lossPattern(loss: LossModel, seed = 1): boolean[] {
  const { shaper } = makeShaper({ default: { loss } }, seed);
  return sendMany(shaper, N, 1).map((d) => {
    if (d.deliveries.length === 0) expect(d.drop).toBe('loss');
    return d.deliveries.length === 0;
  });
}

function bursts(lost: boolean[]): number[] {
  const out: number[] = [];
  let run = 0;
  for (const l of lost) {
    if (l) run++;
    else if (run > 0) {
      out.push(run);
      run = 0;
    }
  }
  if (run > 0) out.push(run);
  return out;
}

describe('Bernoulli loss', () => {
  it.each([0.001, 0.05, 0.3])('drops a fraction p = %s within a binomial tolerance', (p) => {
    const lost = lossPattern({ kind: 'bernoulli', p });
    expectRate(lost.filter(Boolean).length, N, p);
  });

  it('p = 0 never drops, p = 1 always drops', () => {
    expect(lossPattern({ kind: 'bernoulli', p: 0 }).some(Boolean)).toBe(false);
    expect(lossPattern({ kind: 'bernoulli', p: 1 }).every(Boolean)).toBe(true);
  });

  it('has no bursts beyond chance: mean run length is 1/(1-p)', () => {
    const b = bursts(lossPattern({ kind: 'bernoulli', p: 0.2 }));
    const mean = b.reduce((a, x) => a + x, 0) / b.length;
    // Geometric run length with mean 1/(1-p) = 1.25 and sd sqrt(p)/(1-p) = 0.559.
    expect(Math.abs(mean - 1.25)).toBeLessThan((Z * 0.559) / Math.sqrt(b.length));
  });
});

describe('Gilbert–Elliott loss', () => {
  const pGoodToBad = 0.05;
  const pBadToGood = 0.25;
  const piBad = pGoodToBad / (pGoodToBad + pBadToGood);
  // Successive states are correlated with coefficient λ = 1 − pGB − pBG, which inflates the
  // variance of a time average by (1 + λ)/(1 − λ) compared with independent draws.
  const lambda = 1 - pGoodToBad - pBadToGood;
  const inflation = (1 + lambda) / (1 - lambda);

  it('with lossInBad = 1, lossInGood = 0: loss rate = π_B and mean burst length = 1/pBadToGood', () => {
    const lost = lossPattern({ kind: 'gilbert-elliott', pGoodToBad, pBadToGood, lossInGood: 0, lossInBad: 1 });
    expectRate(lost.filter(Boolean).length, N, piBad, Z * Math.sqrt(inflation));
    const b = bursts(lost);
    const mean = b.reduce((a, x) => a + x, 0) / b.length;
    // Bad-state sojourns are geometric: mean 1/pBG, sd sqrt(1 − pBG)/pBG.
    const sd = Math.sqrt(1 - pBadToGood) / pBadToGood;
    expect(Math.abs(mean - 1 / pBadToGood)).toBeLessThan((Z * sd) / Math.sqrt(b.length));
    // Bursty, unlike Bernoulli at the same rate, whose mean run is 1/(1 − π_B) = 1.2.
    expect(mean).toBeGreaterThan(3);
  });

  it('with partial loss in both states: loss rate = π_G·lossInGood + π_B·lossInBad', () => {
    const lossInGood = 0.02;
    const lossInBad = 0.6;
    const lost = lossPattern({ kind: 'gilbert-elliott', pGoodToBad, pBadToGood, lossInGood, lossInBad });
    const rate = (1 - piBad) * lossInGood + piBad * lossInBad;
    // Variance per datagram: the state's share (inflated by the chain's memory) plus the
    // independent per-datagram draw given the state.
    const stateVar = (lossInBad - lossInGood) ** 2 * piBad * (1 - piBad) * inflation;
    const drawVar = (1 - piBad) * lossInGood * (1 - lossInGood) + piBad * lossInBad * (1 - lossInBad);
    const sd = Math.sqrt((stateVar + drawVar) / N);
    const observed = lost.filter(Boolean).length / N;
    expect(Math.abs(observed - rate)).toBeLessThan(Z * sd);
  });

  it('a chain that never leaves Good only loses at lossInGood', () => {
    const lost = lossPattern({ kind: 'gilbert-elliott', pGoodToBad: 0, pBadToGood: 1, lossInGood: 0.1, lossInBad: 1 });
    expectRate(lost.filter(Boolean).length, N, 0.1);
  });
});

describe('duplication', () => {
  it('duplicates a fraction p, each copy with its own delay', () => {
    const { shaper } = makeShaper({ default: { delay: { kind: 'uniform', minMs: 10, maxMs: 50 }, duplicate: 0.2 } });
    const ds = sendMany(shaper, N, 1000);
    const dup = ds.filter((d) => d.duplicated);
    expectRate(dup.length, N, 0.2);
    expect(dup.every((d) => d.deliveries.length === 2)).toBe(true);
    expect(ds.filter((d) => !d.duplicated).every((d) => d.deliveries.length === 1)).toBe(true);
    const outOfRange = ds.filter((d, i) => d.deliveries.some((t) => t - (T0 + i * 1000) < 10 || t - (T0 + i * 1000) >= 50));
    expect(outOfRange).toHaveLength(0);
    expect(dup.filter((d) => (d.deliveries[0] as number) > (d.deliveries[1] as number))).toHaveLength(0);
    // Each copy draws its own delay (the copy is not merely queued behind its original).
    expect(dup.filter((d) => d.deliveries[0] !== d.deliveries[1]).length).toBe(dup.length);
  });

  it('duplicates on two stages compound to up to four copies', () => {
    const { shaper } = makeShaper({ default: { duplicate: 1 }, accessLinks: { '127.0.0.1:40001': { up: { duplicate: 1 } } } });
    expect(shaper.outbound('127.0.0.1:40001', '127.0.0.1:40002', 10, 5000).deliveries).toHaveLength(4);
  });
});
