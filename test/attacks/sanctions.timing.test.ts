import { describe, expect, it } from 'vitest';
import type { AttackKind } from '../../src/attacks/index.js';
import { honestChecks, logFigures, runAttack, type AttackScenario } from './support.js';

/**
 * Provable cheating, from detection to exclusion, on real UDP with a real authority (temp SQLite):
 * honest members catch signed evidence, the authority verifies the proof and signs a ban, the ban
 * is gossiped and agreed as a view change, and the cheater is out within a bounded number of rounds.
 */

const MAX_DETECTION_ROUNDS = 20;

/**
 * `allDetected`: every attempt an honest replica saw must be detected by evidence about that very message
 * (inconsistency: each round's two versions are an equivocation). A replayed update is detected only
 * when its key is tried (bad-reveal); one that came late (the replay waits for the victim's message)
 * is dropped before that, prevented with nothing to prove.
 */
async function expectBanned(s: AttackScenario, kind: AttackKind, attacker: number, allDetected: boolean) {
  const run = await runAttack(s);
  logFigures(run);
  const { summary, finalHashes } = honestChecks(run);
  const k = summary.kinds.find((x) => x.kind === kind)!;
  expect(k.attempts).toBeGreaterThan(0);
  // Every attempt an honest replica saw was prevented; the rest went into a view the honest ones had left.
  expect(k.unobserved).toBe(0);
  expect(k.unjudged).toBe(0);
  expect(k.prevented + k.excluded).toBe(k.attempts);
  expect(k.prevented).toBeGreaterThan(0);
  // Judged on every honest replica's decision, never on a subset.
  expect(k.partial).toBe(0);
  // Detected by evidence about each attempt's own message.
  if (allDetected) expect(k.detected).toBe(k.attempts - k.excluded);
  else expect(k.detected).toBeGreaterThan(0);
  expect(k.detected).toBeLessThanOrEqual(k.attempts - k.excluded);
  expect(k.proofsAccepted).toBeGreaterThan(0);
  expect(k.bans).toBe(1);
  expect(k.exclusions).toBe(1);
  expect(k.falsePositives).toBe(0);
  expect(k.detectionLatencyRounds.count).toBe(1);
  expect(k.detectionLatencyRounds.max).toBeLessThanOrEqual(MAX_DETECTION_ROUNDS);
  expect(run.authorityBans).toBe(1);
  expect(summary.honestDivergentRounds).toBe(0);
  expect(finalHashes.size).toBe(1);
  expect(run.members[attacker]!.state).toBe('left');
  for (const i of run.honest) {
    expect(run.members[i]!.state).toBe('finished');
    expect(run.members[i]!.counters().bans).toBe(1);
    expect(run.members[i]!.view!.members.length).toBe(s.size - 1);
  }
  return run;
}

describe('detection to sanction (real UDP, real authority)', () => {
  it('inconsistency: two versions to two halves of the group end in an equivocation proof, a ban and an exclusion', async () => {
    await expectBanned({ name: 'inconsistency', size: 6, authority: true, attacks: { 2: [{ kind: 'inconsistency', fromRound: 10, toRound: 40 }] } }, 'inconsistency', 2, true);
  }, 30_000);

  it('inconsistency in the reveal: the key to half the group and none to the rest no longer splits honest replicas, and is proven', async () => {
    await expectBanned(
      { name: 'reveal-split', size: 6, authority: true, attacks: { 2: [{ kind: 'inconsistency', fromRound: 10, toRound: 40, params: { split: 'reveal' } }] } },
      'inconsistency',
      2,
      true,
    );
  }, 30_000);

  it('replay: another player\'s sealed update and key passed off as its own end in a bad-reveal proof, a ban and an exclusion', async () => {
    await expectBanned({ name: 'replay', size: 6, authority: true, attacks: { 2: [{ kind: 'replay', fromRound: 10, toRound: 40, params: { victim: 0 } }] } }, 'replay', 2, false);
  }, 30_000);
});
