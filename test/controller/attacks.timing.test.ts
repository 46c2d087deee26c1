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
identityAttacks:
  - { kind: forged-certificate, group: 0, atS: 2 }
  - { kind: expired-certificate, group: 1, atS: 2 }
  - { kind: banned-certificate, group: 1, atS: 3 }
`;

/** Issue 6 through the harness: attackers in worker shards, proofs at the run's authority, bans, exclusion, attacks[] in the report. */
describe('attacks through the harness', () => {
  it('replay and inconsistency are prevented, proven, banned and excluded; impostors are refused at the door; no honest player accused; honest replicas agree', async () => {
    const { report, events, handlerErrors } = await runScenario(parseProfile(PROFILE, 'attacks-test.yaml'));
    expect(handlerErrors).toEqual([]);
    const byKind = new Map(report.attacks.map((a) => [a.kind, a]));
    for (const kind of ['replay', 'inconsistency']) {
      const a = byKind.get(kind)!;
      expect(a.attempts).toBeGreaterThan(0);
      expect(a.unprevented).toBe(0);
      expect(a.unobserved).toBe(0);
      expect(a.partial).toBe(0);
      // Every inconsistency is proven by its own two versions; a copied update is proven only when
      // its key is tried, and one that came late is dropped before that (docs/attacks.md).
      if (kind === 'inconsistency') expect(a.undetected).toBe(0);
      else expect(a.detected).toBeGreaterThan(0);
      expect(a.falsePositives).toBe(0);
      expect(a.bans).toBe(1);
      expect(a.exclusions).toBe(1);
      expect(a.detectionLatencies).toHaveLength(1);
      expect(a.honestDivergentRounds).toBe(0);
    }
    // Impostors through the shards: the controller makes their certificates (and publishes the
    // ban in the DHT), each asks a group's members to admit it, and every member refuses it at the
    // door after checking the certificates and looking the key up in the DHT.
    for (const kind of ['forged-certificate', 'expired-certificate', 'banned-certificate']) {
      expect(byKind.get(kind)).toMatchObject({ attempts: 1, prevented: 1, detected: 1, unprevented: 0, unobserved: 0, undetected: 0, falsePositives: 0 });
    }
    expect(report.auth?.rejected.forged).toBeGreaterThan(0);
    expect(report.auth?.rejected.expired).toBeGreaterThan(0);
    expect(report.auth?.rejected.banned).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'join' && typeof e['impostor'] === 'string').map((e) => e['impostor']).sort()).toEqual(['banned-certificate', 'expired-certificate', 'forged-certificate']);
    // The authority's bans on proofs: the two cheaters' (the banned impostor's ban is signed with the
    // authority's key by the controller before it tries, not through the authority's proof path).
    expect(report.auth?.bans).toBe(2);
    // The detection timeline: proofs accepted, then each cheater's exclusion at an agreed round.
    expect(events.filter((e) => e.type === 'proof').length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'ban')).toHaveLength(2);
  }, 60_000);
});
