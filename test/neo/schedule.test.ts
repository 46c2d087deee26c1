import { describe, expect, it } from 'vitest';
import { RoundSchedule } from '../../src/neo/index.js';

describe('round schedule', () => {
  it('computes round starts from the schedule, not from timer firings', () => {
    const s = new RoundSchedule(0, 1000, 100);
    expect(s.startOf(0)).toBe(1000);
    expect(s.startOf(37)).toBe(4700);
    expect(s.roundAt(4799.9)).toBe(37);
    expect(s.roundAt(4800)).toBe(38);
  });

  it('changes the round length from an agreed round on, keeping earlier rounds where they were', () => {
    const s = new RoundSchedule(0, 0, 100);
    expect(s.change(10, 150)).toBe(true);
    expect(s.startOf(9)).toBe(900);
    expect(s.startOf(10)).toBe(1000);
    expect(s.startOf(12)).toBe(1300);
    expect(s.roundMsAt(9)).toBe(100);
    expect(s.roundMsAt(10)).toBe(150);
    expect(s.roundAt(1299)).toBe(11);
    expect(s.pendingChangeAfter(5)).toEqual({ fromRound: 10, roundMs: 150 });
    expect(s.pendingChangeAfter(10)).toBeNull();
  });

  it('ignores a change that is not after the last one, or changes nothing', () => {
    const s = new RoundSchedule(0, 0, 100);
    expect(s.change(10, 150)).toBe(true);
    expect(s.change(10, 200)).toBe(false);
    expect(s.change(5, 200)).toBe(false);
    expect(s.change(20, 150)).toBe(false);
    expect(() => s.change(30, 0)).toThrow(RangeError);
    expect(() => s.startOf(-1)).toThrow(RangeError);
  });
});
