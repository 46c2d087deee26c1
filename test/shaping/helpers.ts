import fc from 'fast-check';
import { createLinkShaper, type DelayDist, type LinkShaper, type LossModel, type ShapingConfig, type ShapingDecision } from '../../src/net/shaping/index.js';
import { createRng } from '../../src/random/index.js';
import { ManualClock } from '../../src/time/clock.js';

export const A = '127.0.0.1:40001';
export const B = '127.0.0.1:40002';
export const C = '127.0.0.1:40003';
export const D = '127.0.0.1:40004';

/** An arbitrary origin, so no test accidentally relies on the clock starting at 0. */
export const T0 = 5_000;

export function makeShaper(config: ShapingConfig, seed: number | string = 1): { clock: ManualClock; shaper: LinkShaper } {
  const clock = new ManualClock(T0);
  const shaper = createLinkShaper(config, { rng: createRng(seed).fork('shaping'), clock });
  return { clock, shaper };
}

/**
 * One-way delays of `n` datagrams sent `spacingMs` apart on from→to. With a spacing larger than
 * any delay the spacing alone guarantees raw samples of the delay distribution, inOrder or not.
 */
export function delays(shaper: LinkShaper, n: number, spacingMs: number, from = A, to = B): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = T0 + i * spacingMs;
    const d = shaper.outbound(from, to, 100, t);
    for (const due of d.deliveries) out.push(due - t);
  }
  return out;
}

export function sendMany(shaper: LinkShaper, n: number, spacingMs: number, from = A, to = B, bytes = 100): ShapingDecision[] {
  return Array.from({ length: n }, (_, i) => shaper.outbound(from, to, bytes, T0 + i * spacingMs));
}

/** fast-check arbitraries for valid shaping parameters, shared by the property tests. */
export const prob = fc.double({ min: 0, max: 1, noNaN: true });
export const ms = fc.double({ min: 0, max: 200, noNaN: true });

export const delayArb: fc.Arbitrary<DelayDist> = fc.oneof(
  fc.record({ kind: fc.constant('constant' as const), ms }),
  fc.tuple(ms, ms).map(([a, b]) => ({ kind: 'uniform' as const, minMs: Math.min(a, b), maxMs: Math.max(a, b) })),
  fc.record({ kind: fc.constant('normal' as const), meanMs: ms, stdMs: ms }),
  fc.record({ kind: fc.constant('pareto' as const), scaleMs: fc.double({ min: 0.1, max: 50, noNaN: true }), shape: fc.double({ min: 0.5, max: 5, noNaN: true }) }),
);

export const lossArb: fc.Arbitrary<LossModel> = fc.oneof(
  fc.record({ kind: fc.constant('bernoulli' as const), p: prob }),
  fc.record({ kind: fc.constant('gilbert-elliott' as const), pGoodToBad: prob, pBadToGood: prob, lossInGood: prob, lossInBad: prob }),
);
