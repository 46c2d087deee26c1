import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { calibrate, measureLoopbackDatagramsPerS, measureVerifyUs, median } from '../../src/controller/calibration.js';

describe('calibration', () => {
  it('takes the median, so one slow trial cannot move it', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, 10, 10, 10, 900])).toBe(10);
    expect(() => median([])).toThrow(RangeError);
  });

  it('measures one native verification as a positive, finite number of µs', () => {
    const us = measureVerifyUs({ verifyTrials: 3, verifiesPerTrial: 50 });
    expect(Number.isFinite(us)).toBe(true);
    expect(us).toBeGreaterThan(0);
  });

  it('counts loopback datagrams received per second: positive and finite', async () => {
    const perS = await measureLoopbackDatagramsPerS({ loopbackMs: 100 });
    expect(Number.isFinite(perS)).toBe(true);
    expect(perS).toBeGreaterThan(0);
  });

  it('returns both figures and the cores they were measured with', async () => {
    const c = await calibrate({ verifyTrials: 3, verifiesPerTrial: 50, loopbackMs: 100 });
    expect(c.verifyUs).toBeGreaterThan(0);
    expect(c.loopbackDatagramsPerS).toBeGreaterThan(0);
    expect(c.cores).toBe(availableParallelism());
    // Plain data: it goes into report.json and events.ndjson as is.
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });
});
