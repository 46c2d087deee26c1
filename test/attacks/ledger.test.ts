import { describe, expect, it } from 'vitest';
import { createAttackLedger, mergeAttackSummaries } from '../../src/attacks/index.js';
import type { UpdateOutcome } from '../../src/neo/index.js';

const key = (n: number) => new Uint8Array(32).fill(n);
const session = new Uint8Array(16).fill(7);
const view = (number: number, startRound: number, members: number[]) => ({ sessionId: session, number, startRound, members: members.map((m) => ({ publicKey: key(m) })) });
const acc: UpdateOutcome = { kind: 'accepted', payload: new Uint8Array(0) };
const drop: UpdateOutcome = { kind: 'dropped', reason: 'late' };
const accepted = (byte: number): UpdateOutcome => ({ kind: 'accepted', payload: new Uint8Array([byte]) });

describe('attack ledger', () => {
  it('judges each attempt by the honest replicas\' decisions, counts detection, bans and latency', () => {
    const ledger = createAttackLedger();
    ledger.registerAttacker('inconsistency', key(3));
    const v1 = view(1, 0, [1, 2, 3]);
    const attempt = (round: number, goal: 'split' | 'accepted') => ledger.attempt({ kind: 'inconsistency', attacker: key(3), sessionId: session, view: 1, round, target: 2, goal });
    // Round 5: a split goal, both honest replicas accepted the same bytes → prevented. Round 6: one
    // accepted, one dropped → not. Round 8: both accepted, but different versions → not.
    attempt(5, 'split');
    attempt(6, 'split');
    attempt(8, 'split');
    // Round 7: an accepted-goal attempt (as if late) that an honest replica accepted → not prevented.
    attempt(7, 'accepted');
    // Round 12: nobody decided it although the attacker was still in the honest view: unobserved.
    attempt(12, 'split');
    // Round 99: sent into view 1 after the honest replicas moved to a view without it: excluded.
    attempt(99, 'split');
    // A message of another member sent again: not an attempt, counted apart.
    ledger.resent('inconsistency', key(3));
    // Round 9: only one of the two honest replicas decided it: judged, and counted as partial.
    attempt(9, 'split');
    const o1 = ledger.observer(key(1));
    const o2 = ledger.observer(key(2));
    const attackerObserver = ledger.observer(key(3));
    o1(v1, 5, [acc, acc, drop], 'h5');
    o2(v1, 5, [acc, acc, drop], 'h5');
    o1(v1, 6, [acc, acc, acc], 'h6a');
    o2(v1, 6, [acc, acc, drop], 'h6b');
    o1(v1, 7, [acc, acc, acc], 'h7');
    o2(v1, 7, [acc, acc, acc], 'h7');
    o1(v1, 8, [acc, acc, accepted(1)], 'h8a');
    o2(v1, 8, [acc, acc, accepted(2)], 'h8b');
    o1(v1, 9, [acc, acc, drop], 'h9');
    // The attacker's own replica says nothing the ledger believes.
    attackerObserver(v1, 5, [acc, acc, acc], 'x');
    attackerObserver(v1, 12, [acc, acc, acc], 'x');
    // Evidence about round 5 only: it detects the round-5 attempt, not its neighbours.
    ledger.evidence(key(1), key(3), 5);
    ledger.proofAccepted(key(1), key(3));
    // The view without it starts at round 15: detection latency 15 − 5 = 10.
    o1(view(2, 15, [1, 2]), 15, [acc, acc], 'h15');
    const s = ledger.summary();
    const k = s.kinds[0]!;
    expect(k).toMatchObject({ kind: 'inconsistency', attempts: 7, prevented: 2, excluded: 1, unobserved: 1, unjudged: 0, partial: 1, resent: 1, detected: 1, proofsAccepted: 1, bans: 1, exclusions: 1, falsePositives: 0 });
    expect(k.detectionLatencyRounds).toEqual({ count: 1, p50: 10, max: 10 });
    expect(s.honestDivergentRounds).toBe(2);
    // Two shards' summaries merge exactly.
    const merged = mergeAttackSummaries([s, s]);
    expect(merged.kinds[0]).toMatchObject({ attempts: 14, prevented: 4, excluded: 2, unobserved: 2, partial: 2, resent: 2, bans: 2, detectionLatencyRounds: { count: 2, p50: 10, max: 10 } });
    expect(merged.honestDivergentRounds).toBe(4);
  });

  it('credits evidence about the message an attempt altered and no other, even in consecutive rounds', () => {
    const ledger = createAttackLedger();
    // Reveal splits: the updates of rounds 5, 6 and 7, each in the next round's message.
    for (const round of [5, 6, 7]) ledger.attempt({ kind: 'inconsistency', attacker: key(3), sessionId: session, view: 1, round, target: 2, goal: 'split', messageRound: round + 1 });
    // Two versions of message 6 prove the attempt it carries (update 5), not the one about update 6
    // (message 7), and message 5's own evidence proves none of them.
    ledger.evidence(key(1), key(3), 6);
    ledger.evidence(key(1), key(3), 5);
    expect(ledger.summary().kinds[0]).toMatchObject({ attempts: 3, detected: 1 });
  });

  it('follows at most maxRecords attempted updates and counts the rest as unjudged, never as prevented', () => {
    const ledger = createAttackLedger({ maxRecords: 2 });
    for (const round of [1, 2, 3, 4]) ledger.attempt({ kind: 'fixed-delay', attacker: key(3), sessionId: session, view: 1, round, target: 2, goal: 'accepted' });
    const o1 = ledger.observer(key(1));
    for (const round of [1, 2, 3, 4]) o1(view(1, 0, [1, 2, 3]), round, [acc, acc, drop], `h${round}`);
    expect(ledger.summary().kinds[0]).toMatchObject({ attempts: 4, prevented: 2, unjudged: 2, unobserved: 0 });
  });

  it('counts any accusation of a player that is not an attacker as a false positive', () => {
    const ledger = createAttackLedger();
    ledger.registerAttacker('replay', key(3));
    ledger.evidence(key(1), key(2), 4);
    ledger.proofAccepted(key(1), key(2));
    // An attacker's accusations are not counted at all.
    ledger.evidence(key(3), key(1), 4);
    expect(ledger.summary().falsePositives).toBe(2);
    expect(ledger.summary().kinds[0]!.falsePositives).toBe(2);
  });

  it('counts attempts judged outside any group (a forged character at a door) and character refusals at the door', () => {
    const ledger = createAttackLedger();
    ledger.judgedAttempt('colluding-witnesses', key(4), { prevented: true, detected: true });
    ledger.judgedAttempt('colluding-witnesses', key(4), { prevented: false, detected: false });
    // A tampered character refused at the door: prevented (never in an honest view) and detected.
    ledger.joinAttempt('tampered-character', key(5));
    ledger.observer(key(1))(view(1, 0, [1, 2]), 0, [acc, acc], 'h');
    ledger.joinRefused(key(1), key(5), 'character-edited');
    // An honest joiner refused for its character is a false positive.
    ledger.joinRefused(key(1), key(6), 'character-too-few-witnesses');
    const rows = Object.fromEntries(ledger.summary().kinds.map((k) => [k.kind, k]));
    expect(rows['colluding-witnesses']).toMatchObject({ attempts: 2, prevented: 1, detected: 1, attackers: 1, falsePositives: 1 });
    expect(rows['tampered-character']).toMatchObject({ attempts: 1, prevented: 1, detected: 1, attackers: 1 });
    const merged = mergeAttackSummaries([ledger.summary(), ledger.summary()]).kinds.find((k) => k.kind === 'colluding-witnesses');
    expect(merged).toMatchObject({ attempts: 4, prevented: 2, detected: 2 });
  });

  it('refuses an unknown attack kind (a programmer error)', () => {
    const ledger = createAttackLedger();
    expect(() => ledger.attempt({ kind: 'nope' as 'replay', attacker: key(1), sessionId: session, view: 1, round: 1, target: 0, goal: 'split' })).toThrow(RangeError);
  });
});
