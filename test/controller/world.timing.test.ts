import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/controller/index.js';
import { parseProfile } from '../../src/scenario/profile.js';

/**
 * A world of zones through the whole harness: two top-level zones in two worker shards, players
 * walking to a spot on their shared border and back, leaves splitting, players handed over from
 * leaf to leaf; the report and events.ndjson carry what the quadtree did, and no replica forks.
 */
describe('controller with a world of zones', () => {
  it('hosts each region in a shard, and reports splits, hand-overs and their gaps', async () => {
    const profile = parseProfile(
      [
        'peers: 16',
        'durationS: 12',
        'workers: 2',
        'seed: 5',
        'neo: { groupSize: 10, roundMs: 100 }',
        'world:',
        '  width: 128',
        '  height: 64',
        '  zones:',
        '    - { id: west, rect: [0, 0, 64, 64], maxGroup: 3, minGroup: 2, maxDepth: 2 }',
        '    - { id: east, rect: [64, 0, 64, 64], maxGroup: 3, minGroup: 2, maxDepth: 2 }',
        'movement: { model: hotspot, x: 64, y: 32, radius: 6, startS: 1 }',
        'links:',
        '  default: { delay: { kind: constant, ms: 5 } }',
        '',
      ].join('\n'),
      'world-test.yaml',
    );
    const { report, handlerErrors, events } = await runScenario(profile);
    expect(handlerErrors).toEqual([]);
    expect(report.workers).toBe(2);
    expect(report.peers).toEqual({ target: 16, peak: 16 });
    const g = report.groups;
    expect(g?.topologyConsistency).toBeGreaterThan(0.5);
    expect(g?.splits).toBeGreaterThan(0);
    expect(g?.handovers).toBeGreaterThan(0);
    expect(g?.handoverGapRounds?.count).toBe(g?.handovers);
    expect(g?.handoverGapRounds?.max).toBe(0);
    expect(g?.count).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'handover').length).toBe(g?.handovers);
    expect(events.filter((e) => e.type === 'split').length).toBe(g?.splits);
    for (const e of events.filter((x) => x.type === 'handover')) expect(String(e['from'])).toMatch(/^(west|east)\/[0-3]*$/);
    expect(report.neo?.stateHashMismatches).toBe(0);
    expect(report.neo?.divergentAtEnd).toBe(0);
  }, 60_000);
});
