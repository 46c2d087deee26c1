import { describe, expect, it } from 'vitest';
import { counterRates, createCounters, mergeCounterSnapshots, type CounterSnapshot } from '../../src/metrics/index.js';

const NAMES = ['sent', 'received', 'dropped'] as const;
type Name = (typeof NAMES)[number];

describe('createCounters', () => {
  it('counts by 1 by default and by any non-negative integer', () => {
    const c = createCounters(NAMES);
    c.inc('sent');
    c.inc('sent');
    c.inc('received', 40);
    c.inc('dropped', 0);
    expect(c.get('sent')).toBe(2);
    expect(c.get('received')).toBe(40);
    expect(c.snapshot()).toEqual({ sent: 2, received: 40, dropped: 0 });
    expect(c.names).toEqual(NAMES);
  });

  it('snapshot is an independent plain object that survives structured clone', () => {
    const c = createCounters(NAMES);
    const before = c.snapshot();
    c.inc('sent');
    expect(before.sent).toBe(0);
    expect(structuredClone(c.snapshot())).toEqual({ sent: 1, received: 0, dropped: 0 });
  });

  it('throws on unknown names at runtime', () => {
    const c = createCounters(NAMES);
    expect(() => c.inc('sennt' as Name)).toThrow(RangeError);
    expect(() => c.inc('sennt' as Name)).toThrow(/unknown counter "sennt"/);
    expect(() => c.get('toString' as Name)).toThrow(RangeError);
  });

  it('rejects negative, fractional and non-finite increments without changing the count', () => {
    const c = createCounters(NAMES);
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => c.inc('sent', bad)).toThrow(RangeError);
    expect(() => c.inc('sent', '1' as unknown as number)).toThrow(RangeError);
    expect(c.get('sent')).toBe(0);
  });

  it('refuses to lose increments beyond 2^53', () => {
    const c = createCounters(['n']);
    c.inc('n', Number.MAX_SAFE_INTEGER);
    expect(() => c.inc('n')).toThrow(RangeError);
    expect(c.get('n')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects empty, duplicate and non-string names', () => {
    expect(() => createCounters([])).toThrow(RangeError);
    expect(() => createCounters(['a', 'a'])).toThrow(/duplicate/);
    expect(() => createCounters(['a', ''])).toThrow(TypeError);
    expect(() => createCounters([1 as unknown as string])).toThrow(TypeError);
  });
});

describe('mergeCounterSnapshots', () => {
  it('sums snapshots key by key', () => {
    const workers = [1, 2, 3].map((k) => {
      const c = createCounters(NAMES);
      c.inc('sent', 10 * k);
      c.inc('dropped', k);
      return c.snapshot();
    });
    expect(mergeCounterSnapshots(workers)).toEqual({ sent: 60, received: 0, dropped: 6 });
    expect(mergeCounterSnapshots([workers[0]!])).toEqual(workers[0]);
  });

  it('throws on an empty list, mismatched names or bad values', () => {
    expect(() => mergeCounterSnapshots([])).toThrow(RangeError);
    const a: CounterSnapshot<Name> = { sent: 1, received: 1, dropped: 1 };
    expect(() => mergeCounterSnapshots([a, { sent: 1, received: 1 } as CounterSnapshot<Name>])).toThrow(/missing: dropped/);
    expect(() => mergeCounterSnapshots([a, { ...a, extra: 1 } as CounterSnapshot<Name>])).toThrow(/extra: extra/);
    expect(() => mergeCounterSnapshots([a, { ...a, sent: -1 }])).toThrow(RangeError);
    expect(() => mergeCounterSnapshots([a, { ...a, sent: Number.NaN }])).toThrow(RangeError);
  });
});

describe('counterRates', () => {
  it('gives per-second rates over the interval', () => {
    const prev = { sent: 100, received: 50, dropped: 0 };
    const next = { sent: 350, received: 50, dropped: 5 };
    expect(counterRates(prev, next, 500)).toEqual({ sent: 500, received: 0, dropped: 10 });
    expect(counterRates(prev, next, 2000)).toEqual({ sent: 125, received: 0, dropped: 2.5 });
  });

  it('throws on a non-positive interval, a counter going backwards or mismatched names', () => {
    const s = { sent: 1, received: 1, dropped: 1 };
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => counterRates(s, s, bad)).toThrow(RangeError);
    expect(() => counterRates(s, { ...s, sent: 0 }, 1000)).toThrow(/went backwards/);
    expect(() => counterRates(s, { sent: 1, received: 1 } as typeof s, 1000)).toThrow(RangeError);
  });
});
