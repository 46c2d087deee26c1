import { describe, expect, it } from 'vitest';
import { planGroups } from '../../src/controller/index.js';

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
