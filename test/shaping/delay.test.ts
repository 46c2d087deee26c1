import { describe, expect, it } from 'vitest';
import { expectMean, expectQuantile, expectRate } from '../random/stats.js';
import { A, B, C, T0, delays, makeShaper, sendMany } from './helpers.js';

const N = 20_000;
// Far beyond any delay drawn below, so FIFO never binds and every delay is a raw sample.
const SPACING = 1e7;

describe('delay distributions', () => {
  it('constant delay is exact', () => {
    const { shaper } = makeShaper({ default: { delay: { kind: 'constant', ms: 25 } } });
    const decisions = sendMany(shaper, 1000, 0.37);
    decisions.forEach((d, i) => expect(d.deliveries).toEqual([T0 + i * 0.37 + 25]));
    expect(decisions.every((d) => !d.duplicated && !d.reordered && d.drop === undefined)).toBe(true);
  });

  it('uniform delay quantiles match [min, max)', () => {
    const { shaper } = makeShaper({ default: { delay: { kind: 'uniform', minMs: 20, maxMs: 80 } } });
    const xs = delays(shaper, N, SPACING);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...xs)).toBeLessThan(80);
    for (const q of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) expectQuantile(xs, q, 20 + 60 * q);
    expectMean(xs, 50, 60 / Math.sqrt(12));
  });

  it('normal delay quantiles match N(mean, std)', () => {
    const { shaper } = makeShaper({ default: { delay: { kind: 'normal', meanMs: 100, stdMs: 15 } } });
    const xs = delays(shaper, N, SPACING);
    for (const [z, q] of [[-2, 0.02275], [-1, 0.158655], [0, 0.5], [1, 0.841345], [2, 0.97725]] as const) {
      expectQuantile(xs, q, 100 + 15 * z);
    }
  });

  it('normal delay is clamped at 0, never negative', () => {
    const { shaper } = makeShaper({ default: { delay: { kind: 'normal', meanMs: 5, stdMs: 10 } } });
    const xs = delays(shaper, N, SPACING);
    expect(Math.min(...xs)).toBe(0);
    // P(N(5,10) <= 0) = Φ(-0.5)
    expectRate(xs.filter((x) => x === 0).length, N, 0.308538);
  });

  it('pareto delay quantiles match scale·(1-q)^(-1/shape)', () => {
    const { shaper } = makeShaper({ default: { delay: { kind: 'pareto', scaleMs: 10, shape: 1.5 } } });
    const xs = delays(shaper, N, SPACING);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(10);
    for (const q of [0.1, 0.5, 0.9, 0.99, 0.999]) expectQuantile(xs, q, 10 * Math.pow(1 - q, -1 / 1.5));
  });
});

describe('jitter', () => {
  it('is uniform in [-j, +j] around the delay', () => {
    const { shaper } = makeShaper({ default: { delay: { kind: 'constant', ms: 50 }, jitterMs: 10 } });
    const xs = delays(shaper, N, SPACING);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...xs)).toBeLessThanOrEqual(60);
    for (const q of [0.05, 0.25, 0.5, 0.75, 0.95]) expectQuantile(xs, q, 40 + 20 * q);
  });

  it('is clamped at 0: a delay never goes negative', () => {
    const { shaper } = makeShaper({ default: { delay: { kind: 'constant', ms: 5 }, jitterMs: 10 } });
    const xs = delays(shaper, N, SPACING);
    expect(Math.min(...xs)).toBe(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(15);
    // P(5 + U(-10,10) <= 0) = 1/4
    expectRate(xs.filter((x) => x === 0).length, N, 0.25);
  });

  it('applies without a delay distribution, and never reorders on an inOrder link', () => {
    const { shaper } = makeShaper({ default: { jitterMs: 20, inOrder: true } });
    const ds = sendMany(shaper, 5000, 1);
    const due = ds.map((d) => d.deliveries[0] as number);
    for (let i = 1; i < due.length; i++) expect(due[i]).toBeGreaterThanOrEqual(due[i - 1] as number);
    due.forEach((t, i) => expect(t - (T0 + i)).toBeLessThanOrEqual(20 + 1e-9));
  });
});

describe('stages', () => {
  it('access uplink + directed link + access downlink delays add up', () => {
    const { shaper } = makeShaper({
      default: { delay: { kind: 'constant', ms: 1000 } },
      links: [{ from: A, to: B, profile: { delay: { kind: 'constant', ms: 20 } } }],
      accessLinks: { [A]: { up: { delay: { kind: 'constant', ms: 10 } } }, [B]: { down: { delay: { kind: 'constant', ms: 30 } } } },
    });
    const out = shaper.outbound(A, B, 100, T0);
    expect(out.deliveries).toEqual([T0 + 30]);
    const inn = shaper.inbound(B, A, 100, T0 + 30);
    expect(inn.deliveries).toEqual([T0 + 60]);
    // A directed rule replaces `default`; other links still get `default` (plus A's uplink).
    expect(shaper.outbound(A, C, 100, T0 + 100).deliveries).toEqual([T0 + 100 + 10 + 1000]);
    expect(shaper.outbound(C, A, 100, T0 + 100).deliveries).toEqual([T0 + 100 + 1000]);
    // Downlinks belong to the receiver: A has none.
    expect(shaper.inbound(A, C, 100, T0 + 2000).deliveries).toEqual([T0 + 2000]);
  });

  it('an explicit empty directed rule switches the default off for that link', () => {
    const { shaper } = makeShaper({
      default: { delay: { kind: 'constant', ms: 40 } },
      links: [{ from: A, to: B, profile: {} }],
    });
    expect(shaper.isIdentity).toBe(false);
    expect(shaper.isOutboundIdentity(A, B)).toBe(true);
    expect(shaper.isOutboundIdentity(B, A)).toBe(false);
    expect(shaper.outbound(A, B, 10, T0).deliveries).toEqual([T0]);
    expect(shaper.outbound(B, A, 10, T0).deliveries).toEqual([T0 + 40]);
  });

  it('an empty configuration is the identity and says so', () => {
    for (const config of [{}, { default: {} }, { default: { delay: { kind: 'constant' as const, ms: 0 }, loss: { kind: 'bernoulli' as const, p: 0 } } }]) {
      const { shaper, clock } = makeShaper(config);
      expect(shaper.isIdentity).toBe(true);
      expect(shaper.isOutboundIdentity(A, B)).toBe(true);
      expect(shaper.isInboundIdentity(B)).toBe(true);
      expect(shaper.outbound(A, B, 1200)).toEqual({ deliveries: [clock.nowMs()], duplicated: false, reordered: false });
      expect(shaper.inbound(B, A, 1200, T0 + 3)).toEqual({ deliveries: [T0 + 3], duplicated: false, reordered: false });
    }
  });

  it('uses the clock when no time is given', () => {
    const { shaper, clock } = makeShaper({ default: { delay: { kind: 'constant', ms: 7 } } });
    clock.advance(123);
    expect(shaper.outbound(A, B, 10).deliveries).toEqual([T0 + 130]);
    expect(shaper.startMs).toBe(T0);
  });
});
