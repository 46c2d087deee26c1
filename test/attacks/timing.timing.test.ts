import { describe, expect, it } from 'vitest';
import type { AttackKind, AttackSpec } from '../../src/attacks/index.js';
import { honestChecks, logFigures, runAttack, type AttackScenario } from './support.js';

/**
 * Timing attacks on real UDP (real sockets and signatures, 5–15 ms links, R = 50 ms; delays of
 * 2 R and more leave a margin for timer lateness on a loaded machine): an attacker
 * is an honest group member whose transport delays, holds, re-seals or rewrites its own NEO
 * messages for rounds 10–30 of 50. Each must leave the honest replicas identical at every round and
 * never get a late update accepted — except by a colluding majority, NEO's documented limit.
 */

const W = { fromRound: 10, toRound: 30 };
const one = (kind: AttackKind, params?: AttackSpec['params']): AttackScenario => ({ name: kind, size: 6, attacks: { 2: [{ kind, ...W, ...(params ? { params } : {}) }] } });

async function expectPrevented(s: AttackScenario, kind: AttackKind) {
  const run = await runAttack(s);
  logFigures(run);
  const { summary, finalHashes } = honestChecks(run);
  const k = summary.kinds.find((x) => x.kind === kind);
  expect(k).toBeDefined();
  expect(k!.attempts).toBeGreaterThan(0);
  expect(k!.unobserved).toBe(0);
  expect(k!.unjudged).toBe(0);
  // Every attempt an honest replica saw was prevented; the rest went into a view the honest ones had left.
  expect(k!.prevented + k!.excluded).toBe(k!.attempts);
  expect(k!.prevented).toBeGreaterThan(0);
  expect(k!.falsePositives).toBe(0);
  expect(summary.honestDivergentRounds).toBe(0);
  expect(finalHashes.size).toBe(1);
  for (const i of run.honest) expect(run.members[i]!.state).toBe('finished');
  return { run, k: k! };
}

describe('timing attacks on NEO (real UDP)', () => {
  it('fixed-delay: the late updates are dropped by the honest votes', async () => {
    await expectPrevented(one('fixed-delay', { delayMs: 120 }), 'fixed-delay');
  }, 30_000);

  it('suppress-correct: three rounds held and sent in a burst count as late', async () => {
    await expectPrevented(one('suppress-correct', { holdRounds: 3 }), 'suppress-correct');
  }, 30_000);

  it('lookahead: an update sealed after the others revealed theirs arrives late and is dropped', async () => {
    await expectPrevented(one('lookahead'), 'lookahead');
  }, 30_000);

  it('key withholding: the unopened updates are dropped by every honest replica alike (after the forced deadline)', async () => {
    const { run } = await expectPrevented(one('key-withholding'), 'key-withholding');
    // Its updates are dropped round after round, so the group evicts it like a crashed member.
    expect(run.members[0]!.counters().removals).toBe(1);
  }, 30_000);

  it('false votes by a colluding minority: a friend\'s late update voted on time by one colluder is still dropped', async () => {
    await expectPrevented(
      {
        name: 'false-votes',
        size: 7,
        attacks: {
          6: [{ kind: 'false-votes', ...W, params: { role: 'friend', delayMs: 120 } }],
          5: [{ kind: 'false-votes', ...W, params: { role: 'voter', friend: 6 } }],
        },
      },
      'false-votes',
    );
  }, 30_000);

  it('a colluding majority gets its friend\'s late updates accepted: NEO\'s honest-majority limit, shown', async () => {
    const voter = { kind: 'colluding-majority' as const, ...W, params: { role: 'voter' as const, friend: 6 } };
    const run = await runAttack({ name: 'colluding-majority', size: 7, attacks: { 6: [{ kind: 'colluding-majority', ...W, params: { role: 'friend', delayMs: 120 } }], 5: [voter], 4: [voter], 3: [voter] } });
    logFigures(run);
    const { summary, finalHashes } = honestChecks(run);
    const k = summary.kinds.find((x) => x.kind === 'colluding-majority')!;
    expect(k.attempts).toBeGreaterThan(0);
    // The effect: late updates accepted by every honest replica alike (nothing to detect: each vote is unfalsifiable).
    expect(k.prevented).toBeLessThan(k.attempts);
    expect(k.detected).toBe(0);
    expect(k.falsePositives).toBe(0);
    expect(summary.honestDivergentRounds).toBe(0);
    expect(finalHashes.size).toBe(1);
  }, 30_000);
});
