import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createLinkShaper,
  MAX_STAGE_DELAY_MS,
  type DelayDist,
  type LinkProfile,
  type ShapingConfig,
} from '../../src/net/shaping/index.js';
import { createRng } from '../../src/random/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import { FakeTimerHost } from '../time/fake-timers.js';
import { A, B, C, T0, delayArb, lossArb, makeShaper, ms, prob, sendMany } from './helpers.js';

/** Serialization time in ms of `bytes` at `bps`. */
const serMs = (bytes: number, bps: number): number => (bytes * 8000) / bps;

describe('sender-side composition: queues run on the undelayed timeline', () => {
  it('a bandwidth cap after a variable-delay stage keeps the delays independent samples', () => {
    // The review's reproduction: a variable uplink delay followed by a fast link. Before the fix
    // the link's queue was fed at the delayed times, out of order, so every datagram waited
    // behind the slowest predecessor (299 550 957 956 955 … instead of 299 550 957 65 840 …).
    const up: LinkProfile = { delay: { kind: 'uniform', minMs: 0, maxMs: 1000 } };
    const bps = 100e6;
    const capped = makeShaper({ accessLinks: { [A]: { up } }, default: { bandwidthBps: bps } }, 'repro').shaper;
    const uncapped = makeShaper({ accessLinks: { [A]: { up } } }, 'repro').shaper;
    const n = 2000;
    const withCap = sendMany(capped, n, 1).map((d, i) => (d.deliveries[0] as number) - (T0 + i));
    const without = sendMany(uncapped, n, 1).map((d, i) => (d.deliveries[0] as number) - (T0 + i));
    const s = serMs(100, bps);
    withCap.forEach((x, i) => {
      const diff = x - (without[i] as number);
      expect(diff).toBeGreaterThanOrEqual(-1e-9);
      expect(diff).toBeLessThanOrEqual(s + 1e-9);
    });
    // Still independent: about half of the datagrams arrive before their predecessor.
    let overtaking = 0;
    for (let i = 1; i < n; i++) if ((withCap[i] as number) + 1 < (withCap[i - 1] as number)) overtaking++;
    expect(overtaking).toBeGreaterThan(n / 4);
  });

  it('back-to-back datagrams through two capped stages: the k-th finishes at start + (k+2)·S·8/B (+ delay)', () => {
    const S = 1000;
    const BPS = 1_000_000;
    const s = serMs(S, BPS);
    const { shaper } = makeShaper({
      accessLinks: { [A]: { up: { bandwidthBps: BPS, delay: { kind: 'constant', ms: 3 } } } },
      default: { bandwidthBps: BPS, delay: { kind: 'constant', ms: 2 } },
    });
    const ds = Array.from({ length: 40 }, () => shaper.outbound(A, B, S, T0));
    // Uplink: k-th done at T0 + (k+1)·s; the link serializes each one as it comes: + s.
    ds.forEach((d, k) => expect(d.deliveries[0]).toBeCloseTo(T0 + (k + 2) * s + 3 + 2, 9));
  });

  it('an inOrder stage orders by the full time, including the delays of the stages before it', () => {
    const { shaper } = makeShaper({
      accessLinks: { [A]: { up: { delay: { kind: 'uniform', minMs: 0, maxMs: 100 } } } },
      default: { inOrder: true, delay: { kind: 'constant', ms: 1 }, bandwidthBps: 100e6 },
    });
    const ref = makeShaper({ accessLinks: { [A]: { up: { delay: { kind: 'uniform', minMs: 0, maxMs: 100 } } } } }).shaper;
    const n = 5000;
    const due = sendMany(shaper, n, 0.5).map((d) => d.deliveries[0] as number);
    const upOnly = sendMany(ref, n, 0.5).map((d) => d.deliveries[0] as number);
    let horizon = -Infinity;
    for (let i = 0; i < n; i++) {
      if (i > 0) expect(due[i]).toBeGreaterThanOrEqual(due[i - 1] as number);
      // Each leaves at its own full time, or right behind the slowest predecessor.
      horizon = Math.max(horizon, (upOnly[i] as number) + serMs(100, 100e6) + 1);
      expect(due[i]).toBeCloseTo(horizon, 6);
    }
  });

  it('a reorder hold from an earlier stage holds nobody back on a later inOrder stage', () => {
    const { shaper } = makeShaper({
      accessLinks: { [A]: { up: { reorder: { p: 0.5, extraDelayMs: 20 } } } },
      default: { inOrder: true, delay: { kind: 'constant', ms: 5 } },
    });
    const ds = sendMany(shaper, 2000, 1);
    expect(ds.some((d) => d.reordered)).toBe(true);
    ds.forEach((d, i) => expect(d.deliveries).toEqual([T0 + i + 5 + (d.reordered ? 20 : 0)]));
  });
});

/** The default composition: independent delays (no inOrder), no bandwidth cap of its own. */
const independentProfileArb: fc.Arbitrary<LinkProfile> = fc
  .record(
    { delay: delayArb, jitterMs: ms, loss: lossArb, duplicate: prob, reorder: fc.record({ p: prob, extraDelayMs: ms }) },
    { requiredKeys: [] },
  )
  .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as LinkProfile);

describe('sender-side composition (property)', () => {
  it('a bandwidth cap far above the offered load moves no delay by more than a few serialization times', () => {
    const BPS = 1e9; // 1500 bytes in 0.012 ms; the traffic below offers at most ~2.4% of that
    fc.assert(
      fc.property(
        independentProfileArb,
        independentProfileArb,
        fc.array(fc.tuple(fc.double({ min: 1, max: 5, noNaN: true }), fc.integer({ min: 0, max: 1500 })), { minLength: 1, maxLength: 150 }),
        fc.integer(),
        (up, link, traffic, seed) => {
          const make = (cap: boolean): ReturnType<typeof createLinkShaper> => {
            const config: ShapingConfig = cap
              ? { default: { ...link, bandwidthBps: BPS }, accessLinks: { [A]: { up: { ...up, bandwidthBps: BPS } } } }
              : { default: link, accessLinks: { [A]: { up } } };
            return createLinkShaper(config, { rng: createRng(seed), clock: new ManualClock(T0) });
          };
          const capped = make(true);
          const free = make(false);
          // Up to 4 copies per instant through the shared uplink, each of at most 1500 bytes.
          const tolerance = 8 * serMs(1500, BPS);
          let t = T0;
          for (const [gap, bytes] of traffic) {
            t += gap;
            const a = capped.outbound(A, B, bytes, t);
            const b = free.outbound(A, B, bytes, t);
            capped.outbound(A, C, bytes, t); // shares A's uplink
            free.outbound(A, C, bytes, t);
            expect(a.drop).toBe(b.drop);
            expect(a.duplicated).toBe(b.duplicated);
            expect(a.reordered).toBe(b.reordered);
            expect(a.deliveries).toHaveLength(b.deliveries.length);
            a.deliveries.forEach((due, k) => {
              const diff = due - (b.deliveries[k] as number);
              expect(diff).toBeGreaterThanOrEqual(-1e-9);
              expect(diff).toBeLessThanOrEqual(tolerance);
            });
          }
        },
      ),
      { numRuns: 300, seed: 20240502 },
    );
  });
});

describe('delay samples are bounded', () => {
  it('is exported as 10 minutes', () => {
    expect(MAX_STAGE_DELAY_MS).toBe(600_000);
  });

  it('pareto with shape 0.01: every due time is finite, <= now + stages × MAX, and schedulable', () => {
    const tail: DelayDist = { kind: 'pareto', scaleMs: 1, shape: 0.01 };
    const { shaper } = makeShaper({
      accessLinks: {
        [A]: { up: { delay: tail, inOrder: true, duplicate: 0.3 } },
        [B]: { down: { delay: tail, jitterMs: 5 } },
      },
      default: { delay: tail, reorder: { p: 0.3, extraDelayMs: Number.MAX_VALUE }, duplicate: 0.3 },
    });
    const clock = new ManualClock(T0);
    const queue = createTimerQueue({ clock, timers: new FakeTimerHost(clock) });
    let atMax = 0;
    for (let i = 0; i < 10_000; i++) {
      const now = T0 + i;
      const out = shaper.outbound(A, B, 100, now);
      for (const due of out.deliveries) {
        expect(Number.isFinite(due)).toBe(true);
        expect(due).toBeGreaterThanOrEqual(now);
        expect(due).toBeLessThanOrEqual(now + 2 * MAX_STAGE_DELAY_MS);
        if (due - now >= MAX_STAGE_DELAY_MS) atMax++;
        expect(() => queue.schedule(due, () => undefined)).not.toThrow();
      }
      const inn = shaper.inbound(B, A, 100, now);
      for (const due of inn.deliveries) {
        expect(Number.isFinite(due)).toBe(true);
        expect(due).toBeGreaterThanOrEqual(now);
        expect(due).toBeLessThanOrEqual(now + MAX_STAGE_DELAY_MS);
        expect(() => queue.schedule(due, () => undefined)).not.toThrow();
      }
    }
    // The clamp really was exercised: most samples of this tail are beyond 10 minutes.
    expect(atMax).toBeGreaterThan(5000);
    queue.close();
  });

  it('a constant delay beyond the maximum is clamped to it', () => {
    const { shaper } = makeShaper({ default: { delay: { kind: 'constant', ms: 1e12 } } });
    expect(shaper.outbound(A, B, 10, T0).deliveries).toEqual([T0 + MAX_STAGE_DELAY_MS]);
  });
});
