import { describe, expect, it } from 'vitest';
import { computeDraw, planRun } from '../../src/controller/run-plan.js';
import { computeReport, describeComputeDraw, type ComputeFigures } from '../../src/controller/shard-compute.js';
import { createLatencyHistogram } from '../../src/metrics/index.js';
import { parseProfile } from '../../src/scenario/profile.js';

const profile = (compute: string, extra = '') => parseProfile(`peers: 60\ndurationS: 20\nworkers: 2\nneo: { groupSize: 6 }\ncompute: ${compute}\n${extra}`, 'c.yaml');

describe('executors per step for a run', () => {
  it('takes n from the smallest shard less one group, and the smallest r below the tolerance', () => {
    // Two shards of 30 players: a draw takes from the 24 outside the area; C(6, 2) / C(24, 2) = 15 / 276 < 0.1.
    const p = profile('{ tolerance: 0.1, assumedColluders: 6 }');
    expect(planRun(p).compute).toMatchObject({ r: 2, candidates: 24 });
    expect(planRun(p).compute?.bound).toBeCloseTo(15 / 276, 15);
    // T = 0.001 with 3 colluders: C(3, 2) / C(24, 2) = 0.0109, C(3, 3) / C(24, 3) = 1 / 2024.
    const strict = planRun(profile('{ tolerance: 0.001, assumedColluders: 3 }')).compute;
    expect(strict).toMatchObject({ r: 3, candidates: 24 });
    expect(strict?.bound).toBeCloseTo(1 / 2024, 15);
    // No colluders assumed: one executor suffices.
    expect(planRun(profile('{}')).compute?.r).toBe(1);
    expect(computeDraw(parseProfile('peers: 12\ndurationS: 5\nneo: { groupSize: 6 }\n', 'c.yaml'), [])).toBeNull();
    expect(describeComputeDraw({ r: 2, bound: 15 / 276, candidates: 24 }, p.compute as NonNullable<typeof p.compute>)).toBe(
      'computation: r = 2 executors per step, the smallest r with C(c, r) / C(n, r) < T for n = 24 candidates, c = 6 assumed colluders, T = 0.1: bound 0.0543',
    );
    expect(describeComputeDraw({ r: 5, bound: 1 / 2024, candidates: 24 }, p.compute as NonNullable<typeof p.compute>)).toMatch(/bound 0\.000494; outcomes not fed into the game \(an announcement carries at most 4 signatures\)$/);
  });

  it('takes, in uneven shards (the regions of a world), the fewest players outside the largest group of a shard', () => {
    const group = (groupIndex: number, size: number) => ({ groupIndex, peers: Array.from({ length: size }, (_, i) => groupIndex * 10 + i), founders: [] });
    const p = profile('{ tolerance: 0.01, assumedColluders: 1 }');
    // 20 players, largest group 5: 15 outside; 12 players, largest group 5: 7 outside. C(1, 1) / C(7, 1) = 0.14, C(1, 2) = 0.
    expect(computeDraw(p, [[group(0, 5), group(1, 5), group(2, 5), group(3, 4), group(4, 1)], [group(5, 5), group(6, 2), group(7, 3), group(8, 2)]])).toEqual({ r: 2, bound: 0, candidates: 7 });
  });

  it('gives every executor when even r = n does not get below the tolerance (all candidates assumed colluding)', () => {
    // 14 players in one shard less a group of 6: 8 candidates, all 8 assumed colluding.
    const p = parseProfile('peers: 14\ndurationS: 5\nworkers: 1\nneo: { groupSize: 6 }\ncompute: { assumedColluders: 9 }\n', 'c.yaml');
    expect(planRun(p).compute).toEqual({ r: 8, bound: 1, candidates: 8 });
  });
});

describe('report.json compute from the shards', () => {
  const figures = (over: Partial<ComputeFigures>, latencies: number[]): ComputeFigures => {
    const h = createLatencyHistogram();
    for (const ms of latencies) h.recordMs(ms);
    const zero = { processes: 0, steps: 0, skipped: 0, agreed: 0, reexecuted: 0, incomplete: 0, redraws: 0, silentExecutors: 0, wrongTaken: 0, wrongNamed: 0, honestNamed: 0, proofsSubmitted: 0, proofsAccepted: 0, proofsRefused: 0, trials: 0, escapes: 0, theoreticalSum: 0, executions: 0, candidateSeconds: 0, bites: 0, drops: 0, outcomesAnnounced: 0, outcomesUnannounced: 0, outcomesApplied: 0, votes: 0, votesRefused: 0, votesLate: 0, hpTaken: 0, goldGiven: 0 };
    return { ...zero, ...over, latency: h.encode() };
  };

  it('sums the counts, merges the latency histograms and puts the formula beside the measured escape rate', () => {
    const spec = { everyS: 1, monsters: 8, tolerance: 0.1, assumedColluders: 6 };
    const a = figures({ processes: 5, steps: 1000, agreed: 990, reexecuted: 10, trials: 1000, escapes: 40, theoreticalSum: 50, executions: 2000, candidateSeconds: 600, bites: 7, outcomesAnnounced: 5, outcomesApplied: 4, hpTaken: 12 }, [10, 20]);
    const b = figures({ processes: 5, steps: 1000, agreed: 1000, trials: 1000, escapes: 60, theoreticalSum: 50, executions: 2000, candidateSeconds: 600, proofsAccepted: 1, outcomesAnnounced: 3, outcomesApplied: 3, goldGiven: 40 }, [30, 500]);
    const r = computeReport([a, b], { r: 2, bound: 0.054, candidates: 24 }, spec, 50);
    expect(r).toMatchObject({ r: 2, bound: 0.054, candidates: 24, assumedColluders: 6, tolerance: 0.1, processes: 10, steps: 2000, agreed: 1990, reexecuted: 10, trials: 2000, escapes: 100, bans: 1, bites: 7, stepsPerS: 40, outcomesAnnounced: 8, outcomesApplied: 7, hpTaken: 12, goldGiven: 40 });
    expect(r.executionsPerPlayerPerS).toBeCloseTo(4000 / 1200, 12);
    expect(r.escapeRate).toBeCloseTo(0.05, 12);
    expect(r.theoreticalEscape).toBeCloseTo(0.05, 12);
    expect(r.interval95.low).toBeLessThan(0.05);
    expect(r.interval95.high).toBeGreaterThan(0.05);
    expect(r.formulaInside).toBe(true);
    expect(r.executorLatencyMs.count).toBe(4);
    expect(r.executorLatencyMs.max).toBeCloseTo(500, 0);
    // Not an average of the shards' percentiles: the merged histogram's.
    expect(r.executorLatencyMs.p50).toBeCloseTo(20, 0);
  });

  it('reports no escape rate without trials rather than dividing by zero', () => {
    const r = computeReport([figures({ steps: 10, agreed: 10 }, [5])], { r: 1, bound: 0, candidates: 10 }, { everyS: 1, monsters: 8, tolerance: 0.01, assumedColluders: 0 }, 0);
    expect(r).toMatchObject({ trials: 0, escapes: 0, escapeRate: 0, theoreticalEscape: 0, stepsPerS: 0, executionsPerPlayerPerS: 0 });
  });
});
