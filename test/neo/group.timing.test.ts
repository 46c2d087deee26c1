import { describe, expect, it } from 'vitest';
import { runNeoGroup } from '../../src/loadtest/index.js';

/**
 * SPEC §5 / issue 3: 8 peers on real UDP, 200 rounds, 20 ± 5 ms one-way delay, 1% loss. Every
 * honest replica must agree at every checkpoint, nearly every update must be accepted, and the
 * contested chest must go to the same player everywhere.
 */
describe('NEO group on real UDP', () => {
  it('8 members, 200 rounds, 20 ± 5 ms and 1% loss: replicas agree at every checkpoint', async () => {
    const result = await runNeoGroup({
      members: 8,
      rounds: 200,
      roundMs: 100,
      seed: 'neo-integration',
      stateHashEvery: 10,
      shaping: () => ({ default: { delay: { kind: 'normal', meanMs: 20, stdMs: 5 }, loss: { kind: 'bernoulli', p: 0.01 } } }),
    });
    const [first, ...rest] = result.members;
    expect(first).toBeDefined();
    const checkpoints = [...first!.checkpoints.entries()];
    expect(checkpoints.length).toBe(20);
    for (const m of rest) expect([...m.checkpoints.entries()]).toEqual(checkpoints);

    for (const m of result.members) {
      const { accepted, dropped } = m.counters;
      expect(accepted + dropped).toBe(200 * 8);
      expect(accepted / (accepted + dropped)).toBeGreaterThanOrEqual(0.97);
      expect(m.counters.accepted).toBe(first!.counters.accepted);
      expect(m.counters.badSignature).toBe(0);
      expect(m.counters.equivocation).toBe(0);
      expect(m.counters.stateHashMismatches).toBe(0);
    }
    expect(result.counters.stateHashChecks).toBeGreaterThan(0);
    expect(result.handlerErrors).toEqual([]);
    for (const owners of result.chestOwners) expect(owners).toEqual(result.chestOwners[0]);
    expect(result.chestOwners[0]!.some((o) => o >= 0)).toBe(true);
    console.log(
      `neo: accepted ${first!.counters.accepted}/${200 * 8}, playout p50 ${result.playoutLatency.summary().p50.toFixed(1)} p99 ${result.playoutLatency.summary().p99.toFixed(1)} ms, fetches ${result.counters.fetchesSent}, forced ${result.counters.forcedRounds}, late ${result.counters.late}`,
    );
  });

  it('a replica whose state differs is caught by the state-hash exchange', async () => {
    const result = await runNeoGroup({ members: 4, rounds: 30, roundMs: 50, seed: 'divergent', stateHashEvery: 5, divergentMember: 2, shaping: () => ({ default: { delay: { kind: 'constant', ms: 5 } } }) });
    result.members.forEach((m, i) => {
      // Every member compares its hash with the others': the odd one out disagrees with all three,
      // each honest member with the odd one only.
      expect(m.counters.stateHashMismatches, `member ${i}`).toBeGreaterThan(0);
    });
    expect(result.members[2]!.counters.stateHashMismatches).toBeGreaterThan(result.members[0]!.counters.stateHashMismatches);
    expect(result.handlerErrors).toEqual([]);
  });
});
