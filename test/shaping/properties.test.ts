import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLinkShaper, type LinkProfile, type ShapingConfig } from '../../src/net/shaping/index.js';
import { createRng } from '../../src/random/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { A, B, C, T0, delayArb, lossArb, ms, prob } from './helpers.js';

const profileArb: fc.Arbitrary<LinkProfile> = fc
  .record(
    {
      delay: delayArb,
      jitterMs: ms,
      loss: lossArb,
      duplicate: prob,
      reorder: fc.record({ p: prob, extraDelayMs: ms }),
      bandwidthBps: fc.double({ min: 1e4, max: 1e8, noNaN: true }),
      queueLimitBytes: fc.integer({ min: 1, max: 100_000 }),
    },
    { requiredKeys: [] },
  )
  // In send order is only promised on inOrder stages, which is what this property checks.
  .map((p) => ({ ...(p.bandwidthBps === undefined ? { ...p, queueLimitBytes: undefined } : p), inOrder: true }));

function clean(p: LinkProfile): LinkProfile {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as LinkProfile;
}

describe('shaper invariants for arbitrary valid profiles (property)', () => {
  it('deliveries are never early, ascending, bounded in number, and on inOrder links in send order unless reordered', () => {
    fc.assert(
      fc.property(
        profileArb,
        fc.option(profileArb, { nil: undefined }),
        fc.option(profileArb, { nil: undefined }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 5, noNaN: true }), fc.integer({ min: 0, max: 1500 })), { minLength: 1, maxLength: 150 }),
        fc.integer(),
        (link, up, down, traffic, seed) => {
          const config: ShapingConfig = {
            default: clean(link),
            accessLinks: { [A]: { ...(up ? { up: clean(up) } : {}) }, [B]: { ...(down ? { down: clean(down) } : {}) } },
          };
          const shaper = createLinkShaper(config, { rng: createRng(seed), clock: new ManualClock(T0) });
          let t = T0;
          let lastInOrder = -Infinity;
          for (const [gap, bytes] of traffic) {
            t += gap;
            const d = shaper.outbound(A, B, bytes, t);
            shaper.outbound(A, C, bytes, t); // shares A's uplink
            expect(d.deliveries.length).toBeLessThanOrEqual(4);
            expect(d.drop === undefined).toBe(d.deliveries.length > 0);
            if (!d.duplicated) expect(d.deliveries.length).toBeLessThanOrEqual(1);
            for (let k = 0; k < d.deliveries.length; k++) {
              expect(d.deliveries[k]).toBeGreaterThanOrEqual(t);
              if (k > 0) expect(d.deliveries[k]).toBeGreaterThanOrEqual(d.deliveries[k - 1] as number);
            }
            if (d.deliveries.length > 0 && !d.reordered) {
              expect(d.deliveries[0]).toBeGreaterThanOrEqual(lastInOrder);
              lastInOrder = d.deliveries[0] as number;
            }
            const r = shaper.inbound(B, A, bytes, t);
            for (const due of r.deliveries) expect(due).toBeGreaterThanOrEqual(t);
          }
        },
      ),
      { numRuns: 300, seed: 20240501 },
    );
  });

  it('does not follow later mutations of the configuration object', () => {
    const config: ShapingConfig = { default: { delay: { kind: 'constant', ms: 10 } } };
    const shaper = createLinkShaper(config, { rng: createRng(1), clock: new ManualClock(T0) });
    (config.default as { delay: { kind: 'constant'; ms: number } }).delay.ms = 999;
    expect(shaper.outbound(A, B, 10, T0).deliveries).toEqual([T0 + 10]);
  });
});
