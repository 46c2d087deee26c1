import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, createTaggedLatency, decodeLatencyHistogram, mergeTaggedLatency, type LatencyHistogram } from '../../src/metrics/index.js';

interface Sample {
  readonly ms: number;
  readonly group: number;
  readonly sender: number;
  readonly receiver: number;
  readonly peer: number;
}

const sample = fc.record({
  ms: fc.double({ min: 0, max: 5_000, noNaN: true }),
  group: fc.integer({ min: 0, max: 5 }),
  sender: fc.integer({ min: 0, max: 3 }),
  receiver: fc.integer({ min: 0, max: 3 }),
  peer: fc.integer({ min: 0, max: 20 }),
});

const limits = { maxPairs: 16 };

/** The samples split over `workers` recorders, encoded, and merged as the controller does. */
function recordInWorkers(samples: readonly Sample[], workers: number) {
  const recorders = Array.from({ length: workers }, () => createTaggedLatency(limits));
  samples.forEach((s, i) => recorders[i % workers]?.record(s.ms, s.group, s.sender, s.receiver, s.peer));
  // Through the structured-clone path a worker's message takes.
  return mergeTaggedLatency(recorders.map((r) => structuredClone(r.encode())), limits);
}

function rawHistogram(samples: readonly Sample[]): LatencyHistogram {
  const h = createLatencyHistogram();
  for (const s of samples) h.recordMs(s.ms);
  return h;
}

function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

describe('tagged latency', () => {
  it('a selection merged from workers equals the histogram of the raw samples it selects', () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), (samples, workers, tag) => {
        const merged = recordInWorkers(samples, workers);
        const bySender = samples.filter((s) => (s.sender & tag) !== 0 && (s.receiver & tag) === 0);
        const selected = merged.ofPairs((sender, receiver) => (sender & tag) !== 0 && (receiver & tag) === 0);
        const raw = rawHistogram(bySender);
        expect(selected.summary()).toEqual(raw.summary());
        const inGroup = samples.filter((s) => s.group !== 2);
        expect(merged.ofGroups((g) => g !== 2).summary()).toEqual(rawHistogram(inGroup).summary());
        for (const [peer, h] of merged.receivers) expect(h.summary()).toEqual(rawHistogram(samples.filter((s) => s.peer === peer)).summary());
        // Every class together is the whole run, once.
        expect(merged.ofPairs(() => true).summary()).toEqual(rawHistogram(samples).summary());
      }),
      { numRuns: 60 },
    );
  });

  it('keeps percentiles within the HDR precision of the exact quantiles', () => {
    const samples: Sample[] = Array.from({ length: 5_000 }, (_, i) => ({ ms: 20 + ((i * 7919) % 2_000) / 7, group: i % 3, sender: i % 2, receiver: (i >> 1) % 2, peer: i % 10 }));
    const merged = recordInWorkers(samples, 2);
    const picked = samples.filter((s) => s.receiver === 1).map((s) => s.ms);
    const h = merged.ofPairs((_s, r) => r === 1);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = exactQuantile(picked, q);
      // Three significant digits: within 1 part in 1024 of the true value (plus the µs rounding).
      expect(Math.abs(h.valueAtPercentileMs(q * 100) - exact)).toBeLessThanOrEqual(exact / 1024 + 0.001);
    }
    expect(h.count).toBe(picked.length);
  });

  it('adds whole histograms to the classes, as a baseline measured per receiver does', () => {
    const t = createTaggedLatency(limits);
    const h = createLatencyHistogram();
    h.recordMsMany([10, 20, 30]);
    t.recordHistogram(h, 0, 0, 2, 5);
    t.recordHistogram(h, 1, 0, 0, 6);
    expect(t.ofPairs((_s, r) => r === 2).count).toBe(3);
    expect(t.ofGroups(() => true).count).toBe(6);
    expect(t.receivers.get(6)?.summary().max).toBe(30);
  });

  it('refuses masks out of range and more pair classes than its limit', () => {
    const t = createTaggedLatency({ maxPairs: 2 });
    expect(() => t.record(1, 0, -1, 0, 0)).toThrow(RangeError);
    expect(() => t.record(1, 0, 1 << 15, 0, 0)).toThrow(RangeError);
    t.record(1, 0, 0, 0, 0);
    t.record(1, 0, 0, 1, 0);
    t.record(1, 0, 0, 1, 0);
    expect(() => t.record(1, 0, 1, 1, 0)).toThrow(/more than 2/);
  });

  it('encodes compact classes that decode into ordinary histograms', () => {
    const t = createTaggedLatency(limits);
    t.record(12.5, 3, 1, 2, 9);
    const data = t.encode();
    expect(data.groups).toHaveLength(1);
    expect(data.pairs[0]?.slice(0, 2)).toEqual([1, 2]);
    expect(decodeLatencyHistogram(data.receivers[0]?.[1] as string).summary().max).toBe(12.5);
    expect(() => mergeTaggedLatency([{ ...data, groups: [[0, 'garbage']] }], limits)).toThrow();
  });
});
