import fc from 'fast-check';
import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  LATENCY_HIGHEST_TRACKABLE_US,
  LATENCY_LOWEST_DISCERNIBLE_US,
  LATENCY_SIGNIFICANT_DIGITS,
  createLatencyHistogram,
  decodeLatencyHistogram,
  mergeEncodedHistograms,
  type LatencyHistogram,
} from '../../src/metrics/index.js';
import { exactPercentile, seededLatenciesUs } from './helpers/values.js';

const PERCENTILES = [
  ['p50', 50],
  ['p90', 90],
  ['p99', 99],
  ['p999', 99.9],
] as const;

function fromMicros(values: readonly number[]): LatencyHistogram {
  const h = createLatencyHistogram();
  h.recordMsMany(values.map((us) => us / 1000));
  return h;
}

/** Checks a histogram's summary against the exact statistics of the values it was fed. */
function expectMatchesBruteForce(h: LatencyHistogram, valuesUs: readonly number[]): void {
  const sorted = [...valuesUs].sort((a, b) => a - b);
  const s = h.summary();
  expect(s.count).toBe(sorted.length);
  expect(Math.round(s.min * 1000)).toBe(sorted[0]);
  expect(Math.round(s.max * 1000)).toBe(sorted[sorted.length - 1]);
  for (const [key, p] of PERCENTILES) {
    const exact = exactPercentile(sorted, p);
    const got = Math.round(s[key] * 1000);
    // HdrHistogram reports the top of the bucket: never below the exact value, and at 3
    // significant digits at most 1/1024 of it above.
    expect(got, `${key}`).toBeGreaterThanOrEqual(exact);
    expect(got - exact, `${key}`).toBeLessThanOrEqual(exact / 1000);
  }
  // The mean comes from an exact running sum, not from bucket midpoints.
  const exactMeanUs = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  expect(s.mean * 1000).toBeCloseTo(exactMeanUs, 6);
}

describe('LatencyHistogram bounds', () => {
  it('exports explicit bounds: 1 µs to 10 min at 3 significant digits', () => {
    expect(LATENCY_LOWEST_DISCERNIBLE_US).toBe(1);
    expect(LATENCY_HIGHEST_TRACKABLE_US).toBe(600_000_000);
    expect(LATENCY_SIGNIFICANT_DIGITS).toBe(3);
  });
});

describe('LatencyHistogram recording', () => {
  it('summary is all zeros when empty, and the curve is empty', () => {
    const h = createLatencyHistogram();
    expect(h.summary()).toEqual({ count: 0, overflow: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
    expect(h.percentileCurve()).toEqual([]);
    expect(h.valueAtPercentileMs(99)).toBe(0);
  });

  it('rounds milliseconds to the nearest microsecond', () => {
    const h = createLatencyHistogram();
    h.recordMs(1.2344);
    expect(h.summary().max).toBe(1.234);
    h.reset();
    h.recordMs(1.2346);
    expect(h.summary().min).toBe(1.235);
    h.reset();
    h.recordMs(0.0004);
    expect(h.summary()).toMatchObject({ count: 1, min: 0, max: 0, p99: 0 });
  });

  it('a single value is reported exactly at every percentile, not at its bucket edge', () => {
    const h = createLatencyHistogram();
    h.recordMs(123.457);
    const s = h.summary();
    expect([s.min, s.mean, s.p50, s.p90, s.p99, s.p999, s.max]).toEqual(Array(7).fill(123.457));
  });

  it('summary percentiles match a brute-force sorted-array percentile within 3 significant digits', () => {
    const values = seededLatenciesUs(20_000, 1);
    expectMatchesBruteForce(fromMicros(values), values);
  });

  it('matches brute force on arbitrary value sets (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 3000 }),
            fc.integer({ min: 0, max: 200_000 }),
            fc.integer({ min: 0, max: LATENCY_HIGHEST_TRACKABLE_US }),
          ),
          { minLength: 1, maxLength: 400 },
        ),
        (values) => {
          expectMatchesBruteForce(fromMicros(values), values);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('recordMsWithCount equals recording the value that many times', () => {
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    a.recordMsWithCount(7.5, 1000);
    for (let i = 0; i < 1000; i++) b.recordMs(7.5);
    expect(a.encode()).toBe(b.encode());
  });

  it('rejects negative, NaN, infinite and non-number latencies and records nothing', () => {
    const h = createLatencyHistogram();
    for (const bad of [-0.001, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => h.recordMs(bad)).toThrow(RangeError);
      expect(() => h.recordMsWithCount(bad, 2)).toThrow(RangeError);
    }
    expect(() => h.recordMs('5' as unknown as number)).toThrow(TypeError);
    for (const badCount of [0, -1, 1.5, Number.NaN]) expect(() => h.recordMsWithCount(1, badCount)).toThrow(RangeError);
    expect(h.count).toBe(0);
  });

  it('recordMsMany is all-or-nothing', () => {
    const h = createLatencyHistogram();
    expect(() => h.recordMsMany([1, 2, Number.NaN, 4])).toThrow(RangeError);
    expect(h.count).toBe(0);
    h.recordMsMany(new Float64Array([1, 2, 3]));
    expect(h.count).toBe(3);
  });

  it('clamps values above 10 min to the bound and counts them as overflow', () => {
    const h = createLatencyHistogram();
    h.recordMs(5);
    h.recordMs(600_000); // exactly the bound: trackable, not overflow
    h.recordMs(700_000);
    h.recordMsWithCount(1e12, 3);
    const s = h.summary();
    expect(s.count).toBe(6);
    expect(s.overflow).toBe(4);
    expect(h.overflow).toBe(4);
    expect(s.max).toBe(600_000);
    expect(s.p50).toBe(600_000);
    expect(s.min).toBe(5);
  });

  it('reset empties everything, including overflow', () => {
    const h = fromMicros([1, 2, 3]);
    h.recordMs(1e9);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.overflow).toBe(0);
    expect(h.summary().max).toBe(0);
    expect(h.encode()).toBe(createLatencyHistogram().encode());
  });

  it('valueAtPercentileMs validates its argument', () => {
    const h = fromMicros([1000, 2000]);
    expect(h.valueAtPercentileMs(0)).toBe(1);
    expect(h.valueAtPercentileMs(100)).toBe(2);
    for (const bad of [-1, 100.1, Number.NaN]) expect(() => h.valueAtPercentileMs(bad)).toThrow(RangeError);
  });
});

describe('LatencyHistogram percentile curve', () => {
  it('is monotone, starts at min and ends at (100, max)', () => {
    const values = seededLatenciesUs(5000, 2);
    const h = fromMicros(values);
    const curve = h.percentileCurve();
    const s = h.summary();
    expect(curve[0]).toEqual({ percentile: 0, ms: s.min });
    expect(curve[curve.length - 1]).toEqual({ percentile: 100, ms: s.max });
    for (let i = 1; i < curve.length; i++) {
      const prev = curve[i - 1]!;
      const cur = curve[i]!;
      expect(cur.percentile).toBeGreaterThan(prev.percentile);
      expect(cur.ms).toBeGreaterThanOrEqual(prev.ms);
    }
    // 5 points per halving of the tail until less than one sample remains (2^12 < 5000 < 2^13).
    expect(curve.length).toBe(5 * 13 + 1);
    expect(h.percentileCurve(1).length).toBe(13 + 1);
  });

  it('rejects a bad tick count', () => {
    const h = fromMicros([1]);
    for (const bad of [0, 1.5, -1, 1001]) expect(() => h.percentileCurve(bad)).toThrow(RangeError);
  });
});

describe('LatencyHistogram encoding', () => {
  it('round trip preserves count, overflow, percentiles, max and the curve', () => {
    const values = seededLatenciesUs(10_000, 3);
    const h = fromMicros(values);
    h.recordMs(1e7);
    const encoded = h.encode();
    expect(typeof encoded).toBe('string');
    const d = decodeLatencyHistogram(encoded);
    expect(d.count).toBe(h.count);
    expect(d.overflow).toBe(1);
    expect(d.summary()).toEqual(h.summary());
    expect(d.percentileCurve()).toEqual(h.percentileCurve());
    expect(d.encode()).toBe(encoded);
  });

  it('round trip of an empty histogram', () => {
    const d = decodeLatencyHistogram(createLatencyHistogram().encode());
    expect(d.count).toBe(0);
    expect(d.summary().max).toBe(0);
    d.recordMs(3);
    expect(d.summary()).toMatchObject({ count: 1, min: 3, max: 3 });
  });

  it('the last field is a standard HdrHistogram encoding with the declared bounds', () => {
    const encoded = fromMicros([10, 20]).encode();
    const hdrPart = encoded.split(':').at(-1)!;
    expect(hdrPart.startsWith('HISTF')).toBe(true);
  });

  it('throws a clear error on garbage', () => {
    const good = fromMicros([10, 20, 30]).encode();
    expect(good.startsWith('lh1:3:0:10:30:60:')).toBe(true);
    const b64 = good.split(':').at(-1)!;
    const garbage = [
      '',
      'garbage',
      'lh1:3:0:10:30:60',
      `lh2:3:0:10:30:60:${b64}`,
      `lh1:x:0:10:30:60:${b64}`,
      `lh1:-3:0:10:30:60:${b64}`,
      `lh1:3.0:0:10:30:60:${b64}`,
      `lh1:4:0:10:30:60:${b64}`, // count does not match the histogram
      `lh1:3:4:10:30:60:${b64}`, // overflow > count
      `lh1:3:0:10:99999:60:${b64}`, // max outside the recorded buckets
      `lh1:3:0:10:30:5:${b64}`, // sum below 3 x min
      `lh1:3:0:10:30:91:${b64}`, // sum above 3 x max
      `lh1:3:0:10:30:60:${b64.slice(0, 20)}`, // truncated
      'lh1:3:0:10:30:60:!!!!',
      'lh1:3:0:10:30:60:AAAAAAAAAAAA',
      `lh1:0:0:0:0:0:${encodeIntoCompressedBase64(build({ useWebAssembly: false })).replace('HISTF', 'HISTG')}`,
      `lh1:0:0:0:0:7:${createLatencyHistogram().encode().split(':').at(-1)}`,
    ];
    for (const g of garbage) {
      expect(() => decodeLatencyHistogram(g), g).toThrow(RangeError);
      expect(() => decodeLatencyHistogram(g), g).toThrow(/decodeLatencyHistogram/);
    }
    expect(() => decodeLatencyHistogram(42 as unknown as string)).toThrow(TypeError);
    // A bare HdrHistogram encoding lacks the overflow/min/max/sum header.
    expect(() => decodeLatencyHistogram(b64)).toThrow(RangeError);
  });

  it('refuses an encoding with different bounds or precision', () => {
    const other = build({
      bitBucketSize: 64,
      autoResize: false,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 2,
      useWebAssembly: false,
    });
    other.recordValue(100);
    const encoded = `lh1:1:0:100:100:100:${encodeIntoCompressedBase64(other)}`;
    expect(() => decodeLatencyHistogram(encoded)).toThrow(/bounds .* differ/);
    expect(() => createLatencyHistogram().mergeEncoded([encoded])).toThrow(RangeError);
  });
});

describe('LatencyHistogram merge', () => {
  const values = seededLatenciesUs(30_000, 4);
  const reference = fromMicros(values);
  reference.recordMsWithCount(900_000, 2);

  function shards(n: number): LatencyHistogram[] {
    const parts = Array.from({ length: n }, () => createLatencyHistogram());
    values.forEach((us, i) => parts[(i * 7919) % n]!.recordMs(us / 1000));
    parts[n - 1]!.recordMsWithCount(900_000, 2);
    return parts;
  }

  it('merging N histograms equals one histogram fed all values (exactly)', () => {
    const merged = createLatencyHistogram();
    for (const part of shards(5)) merged.merge(part);
    expect(merged.count).toBe(values.length + 2);
    expect(merged.overflow).toBe(2);
    expect(merged.summary()).toEqual(reference.summary());
    expect(merged.percentileCurve()).toEqual(reference.percentileCurve());
    expect(merged.encode()).toBe(reference.encode());
  });

  it('merging encodings equals one histogram fed all values (exactly)', () => {
    const encoded = shards(7).map((p) => p.encode());
    expect(mergeEncodedHistograms(encoded).encode()).toBe(reference.encode());
    expect(createLatencyHistogram().mergeEncoded(encoded).summary()).toEqual(reference.summary());
  });

  it('never averages: the merged p99 is not the mean of the shards p99', () => {
    const fast = fromMicros(Array(990).fill(1000));
    const slow = fromMicros(Array(10).fill(500_000));
    const merged = createLatencyHistogram().merge(fast).merge(slow);
    expect(merged.summary().p99).toBe(1);
    expect(merged.summary().p999).toBe(500);
    expect((fast.summary().p99 + slow.summary().p99) / 2).not.toBe(merged.summary().p99);
  });

  it('mergeEncoded with one bad entry leaves the target untouched', () => {
    const target = fromMicros([1, 2, 3]);
    const before = target.encode();
    expect(() => target.mergeEncoded([fromMicros([4]).encode(), 'garbage'])).toThrow(RangeError);
    expect(target.encode()).toBe(before);
  });

  it('merging a histogram into itself doubles it', () => {
    const h = fromMicros([1000, 2000]);
    h.recordMs(1e9);
    h.merge(h);
    expect(h.count).toBe(6);
    expect(h.overflow).toBe(2);
  });

  it('merging into an empty histogram and merging an empty one keep min and max exact', () => {
    const h = createLatencyHistogram().merge(createLatencyHistogram());
    expect(h.summary().min).toBe(0);
    h.merge(fromMicros([5000, 7000]));
    h.merge(createLatencyHistogram());
    expect(h.summary()).toMatchObject({ count: 2, min: 5, max: 7 });
  });

  it('refuses to merge something that is not a LatencyHistogram', () => {
    const fake = { ...createLatencyHistogram() } as LatencyHistogram;
    expect(() => createLatencyHistogram().merge(fake)).toThrow(TypeError);
    expect(() => createLatencyHistogram().mergeEncoded('x' as unknown as string[])).toThrow(TypeError);
  });
});

describe('LatencyHistogram counts at or below a value (Prometheus buckets)', () => {
  it('counts the values at or below a bound, exactly away from the bound\'s own bucket', () => {
    const values = seededLatenciesUs(20_000, 7);
    const h = fromMicros(values);
    for (const boundMs of [0.001, 0.5, 5, 25, 100, 150, 300, 1000, 5000, 1e6]) {
      const boundUs = boundMs * 1000;
      // Values within the bound's bucket (0.1 %) may fall either side of it.
      const surely = values.filter((us) => us <= boundUs * (1 - 2 / 1024)).length;
      const atMost = values.filter((us) => us <= boundUs * (1 + 2 / 1024)).length;
      const got = h.countAtOrBelowMs(boundMs);
      expect(got, `${boundMs} ms`).toBeGreaterThanOrEqual(surely);
      expect(got, `${boundMs} ms`).toBeLessThanOrEqual(atMost);
    }
    expect(h.countAtOrBelowMs(1e9)).toBe(values.length);
    expect(createLatencyHistogram().countAtOrBelowMs(100)).toBe(0);
  });

  it('never falls as the bound grows (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2_000_000 }), { minLength: 1, maxLength: 300 }), fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 2, maxLength: 12 }), (values, bounds) => {
        const h = fromMicros(values);
        const counts = [...bounds].sort((a, b) => a - b).map((ms) => h.countAtOrBelowMs(ms));
        for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1] as number);
        expect(counts[counts.length - 1]).toBeLessThanOrEqual(values.length);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a bound that is not a number', () => {
    expect(() => createLatencyHistogram().countAtOrBelowMs(Number.NaN)).toThrow(RangeError);
  });
});
