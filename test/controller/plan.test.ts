import { describe, expect, it } from 'vitest';
import { countFigures, planGroups } from '../../src/controller/index.js';

describe('group plan', () => {
  it('splits peers into groups of the configured size, the last one smaller', () => {
    expect(planGroups(16, 8)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [8, 9, 10, 11, 12, 13, 14, 15],
    ]);
    const uneven = planGroups(10, 4);
    expect(uneven.map((g) => g.length)).toEqual([4, 4, 2]);
  });
});

describe('hand-over gaps', () => {
  it('takes exact percentiles from the counts by gap', () => {
    expect(countFigures({})).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
    expect(countFigures({ 0: 99, 3: 1 })).toEqual({ count: 100, p50: 0, p99: 0, max: 3 });
    expect(countFigures({ 0: 98, 3: 2 })).toEqual({ count: 100, p50: 0, p99: 3, max: 3 });
  });
});
