import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/controller/index.js';
import { parseProfile } from '../../src/scenario/profile.js';

/**
 * Replicated computation through the whole harness (docs/compute.md, "In the harness"): 20 players in
 * four groups on two shards, every group's monsters stepped four times a second by r executors drawn
 * from the shard's other players over real UDP; two colluders lie whenever drawn and an isolated
 * player offers its own step. The report must show the colluders caught on a disagreement, proven at
 * the real authority and banned, no honest executor named, the isolated player's attempts all
 * prevented, the escape figures beside the formula, and agreed steps voted into the groups' games.
 */
describe('controller with replicated computation', () => {
  it('catches, proves and bans colluding executors, ignores the isolated player, names nobody honest, and reports the draw', async () => {
    const profile = parseProfile(
      [
        'peers: 20',
        'durationS: 10',
        'workers: 2',
        'seed: 17',
        'neo: { groupSize: 5, roundMs: 100 }',
        'movement: { model: random-waypoint }',
        'compute: { everyS: 0.25, tolerance: 0.2, assumedColluders: 2 }',
        'computeAttacks:',
        // Groups 0 and 1 (peers 0-4, 5-9) are in different shards: one colluder in each, never two drawn together.
        '  - { kind: colluding-executors, colluders: "1,6", fromS: 1, toS: 9 }',
        '  - { kind: isolated-executor, player: 12, fromS: 1, toS: 9 }',
        'links:',
        '  default: { delay: { kind: constant, ms: 5 } }',
        '',
      ].join('\n'),
      'compute-test.yaml',
    );
    const { report, handlerErrors } = await runScenario(profile);
    expect(handlerErrors).toEqual([]);
    const c = report.compute;
    if (!c) throw new Error('no compute block');
    // Two shards of ten: n = 10 - 5 = 5 candidates outside an area, C(2, 1) / C(5, 1) = 0.4 ≥ 0.2, C(2, 2) / C(5, 2) = 0.1.
    expect(c).toMatchObject({ r: 2, candidates: 5, assumedColluders: 2, tolerance: 0.2, incomplete: 0, honestNamed: 0 });
    expect(c.bound).toBeCloseTo(0.1, 12);
    // Four groups and the isolated player's own area.
    expect(c.processes).toBe(5);
    expect(c.steps).toBeGreaterThan(100);
    expect(c.agreed + c.reexecuted).toBe(c.steps);
    // r executions per step: an executor asked again answers from its cache.
    expect(c.executions).toBe(2 * c.steps);
    // Each colluder, drawn beside an honest executor, was named, proven and banned; nothing else was.
    expect(c.reexecuted).toBeGreaterThanOrEqual(2);
    expect(c.wrongNamed).toBe(c.reexecuted);
    expect(c).toMatchObject({ proofsSubmitted: 2, proofsAccepted: 2, proofsRefused: 0, bans: 2 });
    // One colluder per shard: never two drawn together, so nothing escaped.
    expect(c).toMatchObject({ escapes: 0, wrongTaken: 0, theoreticalEscape: 0 });
    expect(c.trials).toBeGreaterThan(0);
    expect(c.executorLatencyMs.count).toBe(c.steps);

    const row = (kind: string) => report.attacks.find((a) => a.kind === kind);
    expect(row('colluding-executors')).toMatchObject({ attackers: 2, prevented: c.reexecuted, detected: c.reexecuted, unprevented: 0, proofsAccepted: 2, bans: 2, falsePositives: 0 });
    const isolated = row('isolated-executor');
    expect(isolated?.attempts).toBeGreaterThan(10);
    expect(isolated).toMatchObject({ attackers: 1, unprevented: 0, detected: 0, falsePositives: 0 });
    // Agreed steps with bites or drops were voted into the groups' games, the same at every replica.
    expect(c.outcomesAnnounced).toBeGreaterThan(0);
    expect(c.outcomesApplied).toBeGreaterThan(0);
    expect(c.outcomesApplied).toBeLessThanOrEqual(c.outcomesAnnounced);
    expect(c.votes).toBeGreaterThanOrEqual(c.outcomesApplied);
    expect(c.hpTaken + c.goldGiven).toBeGreaterThan(0);
    expect(report.neo?.stateHashMismatches).toBe(0);
  }, 90_000);
});
