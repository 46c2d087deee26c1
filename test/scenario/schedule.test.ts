import { describe, expect, it } from 'vitest';
import { buildSchedule, phaseAt, type ScheduleInput } from '../../src/scenario/schedule.js';
import { createSteer, DISPERSE_LEG_ROUNDS } from '../../src/scenario/movement.js';

const groups = [
  [0, 1, 2, 3, 4, 5, 6, 7],
  [8, 9, 10, 11, 12, 13, 14, 15],
];
const input = (over: Partial<ScheduleInput> = {}): ScheduleInput => ({
  seed: 5,
  durationS: 120,
  groups,
  rampUpS: 10,
  rampDownS: 10,
  churn: { lifetime: { kind: 'exponential', meanS: 30 }, crashFraction: 0.5, replaceAfterS: 2 },
  minGroupMembers: 3,
  ...over,
});

describe('run schedule', () => {
  it('is a function of the seed: same seed, same schedule; another seed, another', () => {
    const a = buildSchedule(input());
    const b = buildSchedule(input());
    expect(b.entries).toEqual(a.entries);
    expect(b.digest).toBe(a.digest);
    const c = buildSchedule(input({ seed: 6 }));
    expect(c.digest).not.toBe(a.digest);
  });

  it('ramps up from two founders per group and down to two per group', () => {
    const s = buildSchedule(input({ churn: null }));
    expect(s.founders).toEqual([
      [0, 1],
      [8, 9],
    ]);
    const joins = s.entries.filter((e) => e.type === 'join');
    expect(joins).toHaveLength(12);
    expect(joins.every((e) => e.tS > 0 && e.tS < 10)).toBe(true);
    const leaves = s.entries.filter((e) => e.type === 'leave');
    expect(leaves).toHaveLength(12);
    expect(leaves.every((e) => e.type === 'leave' && e.mode === 'graceful' && e.tS >= 110 && e.tS < 120)).toBe(true);
    expect(s.phases.map((p) => p.name)).toEqual(['ramp-up', 'steady', 'ramp-down']);
    expect(phaseAt(s, 5)).toBe('ramp-up');
    expect(phaseAt(s, 50)).toBe('steady');
    expect(phaseAt(s, 115)).toBe('ramp-down');
  });

  it('churns only in the steady phase, replaces departures, and never takes a group below the floor', () => {
    for (const lifetime of [
      { kind: 'exponential', meanS: 20 },
      { kind: 'pareto', scaleS: 10, shape: 1.2 },
      { kind: 'weibull', scaleS: 20, shape: 0.7 },
    ] as const) {
      const s = buildSchedule(input({ churn: { lifetime, crashFraction: 0.5, replaceAfterS: 2 }, rampDownS: 0 }));
      const churnLeaves = s.entries.filter((e) => e.type === 'leave');
      expect(churnLeaves.length).toBeGreaterThan(0);
      expect(churnLeaves.every((e) => e.tS >= 10)).toBe(true);
      const modes = new Set(churnLeaves.map((e) => (e.type === 'leave' ? e.mode : '')));
      expect(modes).toEqual(new Set(['crash', 'graceful']));
      expect(s.players).toBeGreaterThan(16);
      const alive = groups.map((g) => g.length);
      for (const e of s.entries.filter((x) => x.tS >= 10)) {
        alive[e.group] = (alive[e.group] as number) + (e.type === 'join' ? 1 : -1);
        expect(alive[e.group]).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('refuses phases longer than the run', () => {
    expect(() => buildSchedule(input({ rampUpS: 100, rampDownS: 30 }))).toThrow(RangeError);
  });
});

describe('movement models', () => {
  const ctx = { seed: 9, player: 3, group: 1, worldSize: 64 };
  it('random waypoint: the same seed gives the same destinations; destinations stay in the world', () => {
    const a = createSteer({ model: 'random-waypoint', minLegRounds: 5, maxLegRounds: 10 }, ctx)!;
    const b = createSteer({ model: 'random-waypoint', minLegRounds: 5, maxLegRounds: 10 }, ctx)!;
    const path = Array.from({ length: 200 }, (_, r) => a(r));
    expect(Array.from({ length: 200 }, (_, r) => b(r))).toEqual(path);
    expect(new Set(path.map((p) => `${p!.x},${p!.y}`)).size).toBeGreaterThan(10);
    expect(path.every((p) => p!.x >= 0 && p!.x < 64 && p!.y >= 0 && p!.y < 64)).toBe(true);
    // Asking out of order changes nothing.
    expect(a(17)).toEqual(path[17]);
  });

  it('group travel: every player of a group heads to the same place', () => {
    const m = { model: 'group-travel', minLegRounds: 3, maxLegRounds: 8 } as const;
    const p1 = createSteer(m, { ...ctx, player: 1 })!;
    const p2 = createSteer(m, { ...ctx, player: 2 })!;
    const other = createSteer(m, { ...ctx, group: 2 })!;
    for (let r = 0; r < 100; r++) expect(p1(r)).toEqual(p2(r));
    expect(Array.from({ length: 100 }, (_, r) => other(r))).not.toEqual(Array.from({ length: 100 }, (_, r) => p1(r)));
  });

  it('hotspot: roam until the start round, then everyone converges on one point', () => {
    const s = createSteer({ model: 'hotspot', x: 10, y: 70, startRound: 50 }, ctx)!;
    expect(s(49)).toBeNull();
    expect(s(50)).toEqual({ x: 10, y: 63 });
  });

  it('hotspot with an end: converge between start and end, then each player walks its own waypoints', () => {
    const m = { model: 'hotspot', x: 10, y: 20, startRound: 50, endRound: 100, minLegRounds: 5, maxLegRounds: 10 } as const;
    const s = createSteer(m, ctx)!;
    expect(s(49)).toBeNull();
    expect(s(50)).toEqual({ x: 10, y: 20 });
    expect(s(99)).toEqual({ x: 10, y: 20 });
    const after = Array.from({ length: 200 }, (_, r) => s(100 + r));
    expect(after.every((p) => p !== null && p.x >= 0 && p.x < 64 && p.y >= 0 && p.y < 64)).toBe(true);
    expect(new Set(after.map((p) => `${p!.x},${p!.y}`)).size).toBeGreaterThan(10);
    // Same seed and player, same walk; another player disperses elsewhere.
    const again = createSteer(m, ctx)!;
    expect(Array.from({ length: 200 }, (_, r) => again(100 + r))).toEqual(after);
    const other = createSteer(m, { ...ctx, player: 4 })!;
    expect(Array.from({ length: 200 }, (_, r) => other(100 + r))).not.toEqual(after);
  });

  it('hotspot with an end and no legs named: dispersal legs of DISPERSE_LEG_ROUNDS', () => {
    const s = createSteer({ model: 'hotspot', x: 10, y: 20, startRound: 0, endRound: 10 }, ctx)!;
    const after = Array.from({ length: 600 }, (_, r) => s(10 + r));
    // A leg lasts at least min and at most max rounds, so the first change comes within [min, max].
    const firstChange = after.findIndex((p) => p!.x !== after[0]!.x || p!.y !== after[0]!.y);
    expect(firstChange === -1 || (firstChange >= DISPERSE_LEG_ROUNDS.min && firstChange <= DISPERSE_LEG_ROUNDS.max)).toBe(true);
    expect(new Set(after.map((p) => `${p!.x},${p!.y}`)).size).toBeGreaterThanOrEqual(600 / DISPERSE_LEG_ROUNDS.max - 1);
  });

  it('scripted: listed players walk their points in order and stay at the last; others roam', () => {
    const m = { model: 'scripted', paths: [{ players: [3], points: [[1, 1], [5, 5]] as [number, number][], legRounds: 10 }] } as const;
    const s = createSteer(m, ctx)!;
    expect(s(0)).toEqual({ x: 1, y: 1 });
    expect(s(15)).toEqual({ x: 5, y: 5 });
    expect(s(500)).toEqual({ x: 5, y: 5 });
    expect(createSteer(m, { ...ctx, player: 4 })).toBeNull();
  });
});
