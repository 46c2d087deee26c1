import { describe, expect, it } from 'vitest';
import type { ShapingConfig } from '../../src/net/index.js';
import { runNeoGroup } from '../../src/loadtest/index.js';

const constant = (ms: number) => ({ delay: { kind: 'constant' as const, ms } });

function agree(result: Awaited<ReturnType<typeof runNeoGroup>>): void {
  const first = [...(result.members[0]?.checkpoints.entries() ?? [])];
  for (const m of result.members) expect([...m.checkpoints.entries()]).toEqual(first);
}

describe('NEO pipeline depth', () => {
  it('a one-way delay longer than R drops everything at d = 1 and nothing at d = 2', async () => {
    const links = (): ShapingConfig => ({ default: constant(60) });
    const shallow = await runNeoGroup({ members: 4, rounds: 30, roundMs: 40, seed: 'pipeline', shaping: links });
    const deep = await runNeoGroup({ members: 4, rounds: 30, roundMs: 40, seed: 'pipeline', pipelineDepth: 2, shaping: links });
    for (const m of shallow.members) expect(m.counters).toMatchObject({ accepted: 0, dropped: 120, droppedLate: 120 });
    for (const m of deep.members) expect(m.counters).toMatchObject({ accepted: 120, dropped: 0 });
    agree(shallow);
    agree(deep);
    // Playout waits for round r + d's messages: about d rounds plus a one-way delay.
    expect(deep.playoutLatency.summary().p50).toBeGreaterThanOrEqual(2 * 40 + 60 - 5);
  });
});

describe('NEO round-length adaptation', () => {
  it('the leader lengthens the round while a member is late, and every member switches at the same round', async () => {
    const slow = 3;
    const result = await runNeoGroup({
      members: 4,
      rounds: 80,
      roundMs: 60,
      seed: 'adaptation',
      adaptation: { windowRounds: 6, lateThreshold: 0.05, earlyFraction: 0.2, minRoundMs: 40, maxRoundMs: 400, leadRounds: 4 },
      shaping: (eps) => ({
        default: constant(5),
        links: eps.filter((_, i) => i !== slow).flatMap((e) => [
          { from: eps[slow] as string, to: e, profile: constant(150) },
          { from: e, to: eps[slow] as string, profile: constant(150) },
        ]),
      }),
    });
    const changes = result.members.map((m) => m.counters.roundLengthChanges);
    expect(changes[0]).toBeGreaterThan(0);
    for (const c of changes) expect(c).toBe(changes[0]);
    const lengths = result.members.map((m) => m.roundMs);
    for (const l of lengths) expect(l).toBe(lengths[0]);
    expect(lengths[0]).toBeGreaterThan(150);
    agree(result);
    // Once the round outlasts the slow link, the slow member's updates are accepted too.
    expect(result.playoutLatencyBySender[slow]?.count ?? 0).toBeGreaterThan(0);
  });
});
