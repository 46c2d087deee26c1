import { createHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFromPercentiles } from '../../src/metrics/health.js';
import { monotonicNowMs } from '../../src/time/clock.js';
import {
  createEventLoopMonitor,
  createHealthSampler,
  decodeLatencyHistogram,
  type EventLoopMonitor,
  type HealthSampler,
} from '../../src/metrics/index.js';
import { exactPercentile } from './helpers/values.js';

function busyWaitMs(ms: number): void {
  const end = monotonicNowMs() + ms;
  while (monotonicNowMs() < end) {
    // Deliberately blocks the event loop.
  }
}

const open: Array<EventLoopMonitor | HealthSampler> = [];
afterEach(() => {
  for (const m of open.splice(0)) m.stop();
});

describe('createEventLoopMonitor', () => {
  it('a 50 ms busy-wait shows up as a max delay of at least 40 ms', async () => {
    const monitor = createEventLoopMonitor({ resolutionMs: 10 });
    open.push(monitor);
    await sleep(40);
    busyWaitMs(50);
    await sleep(40);
    const s = monitor.sample();
    expect(monitor.resolutionMs).toBe(10);
    expect(s.samples).toBeGreaterThan(0);
    expect(s.maxMs).toBeGreaterThanOrEqual(40);
    expect(s.p50Ms).toBeGreaterThanOrEqual(0);
    expect(s.p50Ms).toBeLessThanOrEqual(s.p99Ms);
    expect(s.p99Ms).toBeLessThanOrEqual(s.maxMs);
    expect(s.meanMs).toBeLessThanOrEqual(s.maxMs);
  });

  it('exposes the interval as a mergeable histogram that never understates the delay', async () => {
    const monitor = createEventLoopMonitor({ resolutionMs: 5 });
    open.push(monitor);
    await sleep(30);
    busyWaitMs(50);
    await sleep(30);
    const s = monitor.sample();
    const h = decodeLatencyHistogram(s.encoded);
    const hs = h.summary();
    expect(hs.count).toBe(s.samples);
    expect(hs.max).toBeGreaterThanOrEqual(s.maxMs);
    expect(hs.max).toBeGreaterThanOrEqual(40);
    expect(hs.p99).toBeGreaterThanOrEqual(s.p99Ms);
    expect(hs.p50).toBeGreaterThanOrEqual(s.p50Ms);
    // It merges with LatencyHistograms from other threads.
    expect(h.mergeEncoded([s.encoded]).count).toBe(2 * s.samples);
  });

  it('resets after each sample', async () => {
    const monitor = createEventLoopMonitor({ resolutionMs: 10 });
    open.push(monitor);
    await sleep(30);
    const first = monitor.sample();
    const second = monitor.sample();
    expect(first.samples).toBeGreaterThan(0);
    // No timer tick can happen between two synchronous calls.
    expect(second).toMatchObject({ samples: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 });
    expect(decodeLatencyHistogram(second.encoded).count).toBe(0);
  });

  it('validates options and refuses to sample after stop', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => createEventLoopMonitor({ resolutionMs: bad })).toThrow(RangeError);
    const monitor = createEventLoopMonitor();
    expect(monitor.resolutionMs).toBe(10);
    monitor.stop();
    monitor.stop();
    expect(() => monitor.sample()).toThrow(/stopped/);
  });
});

describe('createHealthSampler', () => {
  it('reports utilization in [0, 1], CPU time and interval; busy work shows up', async () => {
    const sampler = createHealthSampler({ resolutionMs: 10 });
    open.push(sampler);
    await sleep(20);
    busyWaitMs(50);
    await sleep(20);
    const s = sampler.sample();
    expect(s.intervalMs).toBeGreaterThanOrEqual(50);
    expect(s.eventLoopUtilization).toBeGreaterThan(0);
    expect(s.eventLoopUtilization).toBeLessThanOrEqual(1);
    // 50 ms of busy-waiting is CPU time of this process, in user or system mode (allowing for the OS's tick).
    expect(s.cpu.userMs + s.cpu.systemMs).toBeGreaterThanOrEqual(40);
    expect(s.cpu.systemMs).toBeGreaterThanOrEqual(0);
    expect(s.cpu.cores).toBeGreaterThan(0);
    expect(s.cpu.machineFraction).toBeGreaterThan(0);
    expect(s.cpu.machineFraction).toBeLessThanOrEqual(1);
    expect(s.eventLoopDelay.maxMs).toBeGreaterThanOrEqual(40);
  });

  it('samples are plain data that survive postMessage (structured clone)', async () => {
    const sampler = createHealthSampler();
    open.push(sampler);
    await sleep(15);
    const s = sampler.sample();
    expect(structuredClone(s)).toEqual(s);
    const again = sampler.sample();
    expect(again.eventLoopUtilization).toBeGreaterThanOrEqual(0);
    expect(again.eventLoopUtilization).toBeLessThanOrEqual(1);
  });

  it('validates options', () => {
    expect(() => createHealthSampler({ resolutionMs: 0 })).toThrow(RangeError);
  });
});

describe('event-loop delay histogram reconstruction', () => {
  it('never places a percentile below the true one, and keeps the count (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 1, max: 5_000_000 }), fc.integer({ min: 1, max: 2_000_000_000 })), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (valuesNs, resolutionNs) => {
          const node = createHistogram();
          for (const v of valuesNs) node.record(v);
          const rebuilt = decodeLatencyHistogram(encodeFromPercentiles(node, node.count, resolutionNs));
          expect(rebuilt.count).toBe(valuesNs.length);
          // The truth, in the same units: lateness in ms, never negative.
          const truthMs = valuesNs.map((ns) => Math.max(0, ns - resolutionNs) / 1e6).sort((a, b) => a - b);
          for (const p of [1, 10, 50, 75, 90, 99, 99.9, 100]) {
            expect(rebuilt.valueAtPercentileMs(p), `p${p}`).toBeGreaterThanOrEqual(exactPercentile(truthMs, p));
          }
          expect(rebuilt.summary().max).toBeGreaterThanOrEqual(truthMs[truthMs.length - 1]!);
        },
      ),
      { numRuns: 200 },
    );
  });
});
