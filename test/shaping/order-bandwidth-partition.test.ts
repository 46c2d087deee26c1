import { describe, expect, it } from 'vitest';
import { expectRate } from '../random/stats.js';
import { createLinkShaper } from '../../src/net/shaping/index.js';
import { createRng } from '../../src/random/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { A, B, C, D, T0, makeShaper, sendMany } from './helpers.js';

const N = 20_000;

describe('FIFO and reordering', () => {
  it('an inOrder stage is FIFO without reorder, whatever the delay distribution', () => {
    const { shaper } = makeShaper({
      default: { delay: { kind: 'pareto', scaleMs: 5, shape: 1.2 }, jitterMs: 30, inOrder: true },
      accessLinks: { [A]: { up: { delay: { kind: 'uniform', minMs: 0, maxMs: 40 }, inOrder: true } } },
    });
    const due = sendMany(shaper, N, 0.5).map((d) => d.deliveries[0] as number);
    for (let i = 1; i < due.length; i++) expect(due[i]).toBeGreaterThanOrEqual(due[i - 1] as number);
  });

  it('by default delays are independent samples even when datagrams are closer than the spread', () => {
    // 0.1 ms apart, uniform 10–30 ms: an in-order link would push nearly every delay to ~30 ms.
    const { shaper } = makeShaper({ default: { delay: { kind: 'uniform', minMs: 10, maxMs: 30 } } });
    const ds = sendMany(shaper, N, 0.1);
    const oneWay = ds.map((d, i) => (d.deliveries[0] as number) - (T0 + i * 0.1)).sort((a, b) => a - b);
    const q = (p: number) => oneWay[Math.floor(p * (oneWay.length - 1))] as number;
    expect(q(0.5)).toBeCloseTo(20, 0);
    expect(q(0.1)).toBeCloseTo(12, 0);
    expect(q(0.9)).toBeCloseTo(28, 0);
    let overtaken = 0;
    for (let i = 1; i < ds.length; i++) if ((ds[i]!.deliveries[0] as number) < (ds[i - 1]!.deliveries[0] as number)) overtaken++;
    expect(overtaken).toBeGreaterThan(N / 4);
    expect(ds.some((d) => d.reordered)).toBe(false);
  });

  it('reorders a fraction p; held datagrams are overtaken, the rest stay in order', () => {
    const extra = 50;
    const { shaper } = makeShaper({ default: { delay: { kind: 'constant', ms: 10 }, reorder: { p: 0.1, extraDelayMs: extra } } });
    const ds = sendMany(shaper, N, 1);
    const held = ds.map((d) => d.reordered);
    expectRate(held.filter(Boolean).length, N, 0.1);
    ds.forEach((d, i) => expect(d.deliveries).toEqual([T0 + i + 10 + (d.reordered ? extra : 0)]));
    // Observed out-of-order arrivals, counted as a receiver would: a datagram arriving after one
    // sent later. With the hold (50 ms) far above the spacing (1 ms) every held one is overtaken.
    const due = ds.map((d) => d.deliveries[0] as number);
    let overtaken = 0;
    for (let i = 0; i < N - 1; i++) if (due[i] as number > (due[i + 1] as number)) overtaken++;
    expect(overtaken).toBe(held.slice(0, N - 1).filter((h, i) => h && !held[i + 1]).length);
    expectRate(overtaken, N, 0.1 * 0.9);
    const inOrder = due.filter((_, i) => !held[i]);
    for (let i = 1; i < inOrder.length; i++) expect(inOrder[i]).toBeGreaterThanOrEqual(inOrder[i - 1] as number);
  });

  it('reordering on an access uplink survives the directed link after it', () => {
    const { shaper } = makeShaper({
      default: { delay: { kind: 'constant', ms: 5 } },
      accessLinks: { [A]: { up: { reorder: { p: 0.5, extraDelayMs: 20 } } } },
    });
    const ds = sendMany(shaper, 2000, 1);
    ds.forEach((d, i) => expect(d.deliveries).toEqual([T0 + i + 5 + (d.reordered ? 20 : 0)]));
  });
});

describe('bandwidth cap', () => {
  const S = 1000; // bytes
  const BPS = 1_000_000; // 1 Mbit/s → 8 ms per datagram
  const ser = (S * 8 * 1000) / BPS;

  it('serializes back-to-back datagrams: the k-th is due at start + k·S·8/B (+ delay)', () => {
    const n = 50;
    const { shaper } = makeShaper({ default: { bandwidthBps: BPS, delay: { kind: 'constant', ms: 3 } } });
    const ds = Array.from({ length: n }, () => shaper.outbound(A, B, S, T0));
    ds.forEach((d, k) => expect(d.deliveries[0]).toBeCloseTo(T0 + (k + 1) * ser + 3, 9));
    expect(ds[n - 1]?.deliveries[0]).toBeCloseTo(T0 + (n * S * 8 * 1000) / BPS + 3, 9);
  });

  it('drops with queue-overflow beyond queueLimitBytes, and accepts again once drained', () => {
    const { shaper } = makeShaper({ default: { bandwidthBps: BPS, queueLimitBytes: 5 * S } });
    const ds = Array.from({ length: 8 }, () => shaper.outbound(A, B, S, T0));
    expect(ds.map((d) => d.drop ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'queue-overflow', 'queue-overflow', 'queue-overflow']);
    expect(ds[4]?.deliveries[0]).toBeCloseTo(T0 + 5 * ser, 9);
    // After 2 serialization times, 2 datagrams' worth of room.
    const later = Array.from({ length: 3 }, () => shaper.outbound(A, B, S, T0 + 2 * ser));
    expect(later.map((d) => d.drop ?? 'ok')).toEqual(['ok', 'ok', 'queue-overflow']);
    expect(later[1]?.deliveries[0]).toBeCloseTo(T0 + 7 * ser, 9);
    expect(shaper.stats().dropped['queue-overflow']).toBe(4);
  });

  it('an overloaded link delivers at its rate, not the offered one', () => {
    const { shaper } = makeShaper({ default: { bandwidthBps: BPS, queueLimitBytes: 10 * S } });
    // Offer 8x the capacity (one datagram per ms) for 10 s.
    const ds = sendMany(shaper, 10_000, 1, A, B, S);
    const delivered = ds.filter((d) => d.deliveries.length > 0);
    const last = Math.max(...delivered.map((d) => d.deliveries[0] as number));
    expect(Math.abs(delivered.length - (last - T0) / ser)).toBeLessThanOrEqual(1);
    expect(delivered.length).toBeGreaterThan(1240);
    expect(delivered.length).toBeLessThan(1262);
  });

  it('a downlink cap is shared by everyone sending to that receiver', () => {
    const { shaper } = makeShaper({ accessLinks: { [B]: { down: { bandwidthBps: BPS } } } });
    expect(shaper.isOutboundIdentity(A, B)).toBe(true);
    expect(shaper.isInboundIdentity(B)).toBe(false);
    const a = shaper.inbound(B, A, S, T0);
    const c = shaper.inbound(B, C, S, T0);
    const d = shaper.inbound(D, C, S, T0);
    expect(a.deliveries[0]).toBeCloseTo(T0 + ser, 9);
    expect(c.deliveries[0]).toBeCloseTo(T0 + 2 * ser, 9);
    expect(d.deliveries).toEqual([T0]);
  });

  it('an idle gap empties the queue', () => {
    const { shaper } = makeShaper({ default: { bandwidthBps: BPS } });
    shaper.outbound(A, B, S, T0);
    expect(shaper.outbound(A, B, S, T0 + 100).deliveries[0]).toBeCloseTo(T0 + 100 + ser, 9);
  });
});

describe('partitions', () => {
  const config = {
    partitions: [{ name: 'split', sides: [[A, C], [B]], startMs: 100, endMs: 200 }],
  };

  it('drop only between different sides and only inside [startMs, endMs)', () => {
    const { shaper } = makeShaper(config);
    const at = (rel: number, from: string, to: string) => shaper.outbound(from, to, 10, T0 + rel);
    expect(at(99.999, A, B).deliveries).toEqual([T0 + 99.999]);
    expect(at(100, A, B)).toEqual({ deliveries: [], drop: 'partition', duplicated: false, reordered: false });
    expect(at(150, B, A).drop).toBe('partition');
    expect(at(199.999, C, B).drop).toBe('partition');
    expect(at(200, A, B).deliveries).toEqual([T0 + 200]);
    // Same side, or not named in the partition at all: unaffected.
    expect(at(150, A, C).deliveries).toHaveLength(1);
    expect(at(150, A, D).deliveries).toHaveLength(1);
    expect(at(150, D, B).deliveries).toHaveLength(1);
    // Partitions are checked on the sender side only.
    expect(shaper.inbound(B, A, 10, T0 + 150).deliveries).toEqual([T0 + 150]);
    expect(shaper.stats().dropped.partition).toBe(3);
  });

  it('windows are relative to the start time given at construction', () => {
    const shaper = createLinkShaper(config, { rng: createRng(1), clock: new ManualClock(0) }, { startMs: 1000 });
    expect(shaper.outbound(A, B, 10, 150).drop).toBeUndefined();
    expect(shaper.outbound(A, B, 10, 1150).drop).toBe('partition');
  });

  it('make a pair non-identity, and the whole shaper', () => {
    const { shaper } = makeShaper(config);
    expect(shaper.isIdentity).toBe(false);
    expect(shaper.isOutboundIdentity(A, B)).toBe(false);
    expect(shaper.isOutboundIdentity(A, C)).toBe(true);
    expect(shaper.isOutboundIdentity(A, D)).toBe(true);
  });

  it('drop before any stage, so they do not perturb the link state', () => {
    const profile = { delay: { kind: 'uniform' as const, minMs: 0, maxMs: 100 }, loss: { kind: 'bernoulli' as const, p: 0.3 } };
    const withPart = makeShaper({ default: profile, partitions: [{ name: 'p', sides: [[A], [B]], startMs: 0, endMs: 1000 }] }).shaper;
    const without = makeShaper({ default: profile }).shaper;
    for (let i = 0; i < 100; i++) expect(withPart.outbound(A, B, 10, T0 + i).drop).toBe('partition');
    // After the window, A→B sees exactly what a never-partitioned A→B sees from its first datagram.
    for (let i = 0; i < 500; i++) {
      const t = T0 + 1000 + i * 1000;
      expect(withPart.outbound(A, B, 10, t)).toEqual(without.outbound(A, B, 10, t));
    }
  });
});
