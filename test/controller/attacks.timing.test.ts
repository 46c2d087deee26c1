import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/controller/index.js';
import { parseProfile } from '../../src/scenario/profile.js';

const PROFILE = `
peers: 12
durationS: 10
workers: 2
seed: 31
neo: { groupSize: 6, roundMs: 100 }
links: { default: { delay: { kind: uniform, minMs: 5, maxMs: 15 } } }
attacks:
  - { kind: replay, peers: "5", fromS: 2, toS: 6, params: { victim: 0 } }
  - { kind: inconsistency, peers: "11", fromS: 2, toS: 6, params: { split: update } }
`;

/** Issue 6 through the harness: attackers in worker shards, proofs at the run's authority, bans, exclusion, attacks[] in the report. */
describe('attacks through the harness', () => {
  it('replay and inconsistency are prevented, proven, banned and excluded; no honest player accused; honest replicas agree', async () => {
    const { report, events, handlerErrors } = await runScenario(parseProfile(PROFILE, 'attacks-test.yaml'));
    expect(handlerErrors).toEqual([]);
    const byKind = new Map(report.attacks.map((a) => [a.kind, a]));
    for (const kind of ['replay', 'inconsistency']) {
      const a = byKind.get(kind)!;
      expect(a.attempts).toBeGreaterThan(0);
      expect(a.unprevented).toBe(0);
      expect(a.unobserved).toBe(0);
      expect(a.undetected).toBe(0);
      expect(a.attributable).toBeGreaterThan(0);
      expect(a.falsePositives).toBe(0);
      expect(a.bans).toBe(1);
      expect(a.exclusions).toBe(1);
      expect(a.detectionLatencies).toHaveLength(1);
      expect(a.honestDivergentRounds).toBe(0);
    }
    expect(report.auth?.bans).toBe(2);
    // The detection timeline: proofs accepted, then each cheater's exclusion at an agreed round.
    expect(events.filter((e) => e.type === 'proof').length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'ban')).toHaveLength(2);
  }, 60_000);
});
