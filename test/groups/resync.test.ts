import { describe, expect, it } from 'vitest';
import { checkpointVerdict, countDivergentReplicas, RESYNC_BOUND_ROUNDS, RESYNC_MAX_ASKS, RESYNC_RETRY_ROUNDS } from '../../src/groups/index.js';
import { packUpdates, unpackUpdates } from '../../src/groups/resync.js';

/** reports[i] is member i's hash for the round (undefined: no report). */
const tally = (...reports: (string | undefined)[]) => new Map(reports.flatMap((h, i) => (h === undefined ? [] : [[i, h] as [number, string]])));

describe('resync detection rule (checkpointVerdict)', () => {
  it('a strict majority of the view on another hash makes this replica divergent, naming the holders', () => {
    // View of 6: 4 = ⌊6/2⌋ + 1 report A, this replica (5) has B.
    expect(checkpointVerdict(6, 5, tally('A', 'A', 'C', 'A', 'A', 'B'))).toEqual({ kind: 'divergent', hash: 'A', holders: [0, 1, 3, 4] });
    // View of 5: 3 of 5 suffice, even with members that did not report.
    expect(checkpointVerdict(5, 0, tally('B', 'A', undefined, 'A', 'A'))).toEqual({ kind: 'divergent', hash: 'A', holders: [1, 3, 4] });
  });

  it('no majority resyncs nobody: a plurality, or too few reports yet, is not enough', () => {
    // 3 of 6 is a plurality, not a strict majority of the view.
    expect(checkpointVerdict(6, 5, tally('A', 'A', 'A', 'C', 'D', 'B'))).toEqual({ kind: 'no-majority' });
    // Only 3 reports in a view of 7 (majority 4): wait for more.
    expect(checkpointVerdict(7, 0, tally('B', 'A', 'A', 'A'))).toEqual({ kind: 'no-majority' });
    // A single liar against a silent view moves nobody.
    expect(checkpointVerdict(5, 0, tally('B', 'A'))).toEqual({ kind: 'no-majority' });
  });

  it('a tie resyncs nobody, on either side', () => {
    const tie = tally('A', 'A', 'A', 'B', 'B', 'B');
    expect(checkpointVerdict(6, 0, tie)).toEqual({ kind: 'no-majority' });
    expect(checkpointVerdict(6, 5, tie)).toEqual({ kind: 'no-majority' });
    expect(checkpointVerdict(2, 0, tally('A', 'B'))).toEqual({ kind: 'no-majority' });
  });

  it('a member in the majority never resyncs, whatever the minority says', () => {
    expect(checkpointVerdict(6, 2, tally('A', 'B', 'A', 'A', 'A', 'C'))).toEqual({ kind: 'in-majority', hash: 'A' });
    // Counting itself, it is the majority (3 of 5).
    expect(checkpointVerdict(5, 4, tally('A', 'A', 'B', 'B', 'A'))).toEqual({ kind: 'in-majority', hash: 'A' });
  });

  it('a majority this replica has no hash for yet is undecided; reports from outside the view do not count', () => {
    expect(checkpointVerdict(5, 4, tally('A', 'A', 'A'))).toEqual({ kind: 'unknown' });
    const outside = new Map([[0, 'B'], [1, 'A'], [7, 'A'], [9, 'A'], [-1, 'A']]);
    expect(checkpointVerdict(4, 0, outside)).toEqual({ kind: 'no-majority' });
  });

  it('the documented bound: every member asked gets the retry period, plus the round of detection', () => {
    expect(RESYNC_BOUND_ROUNDS).toBe(RESYNC_MAX_ASKS * RESYNC_RETRY_ROUNDS + 1);
  });
});

describe('the resync log keeps each round packed', () => {
  it('gives back the same updates, in order, empty payloads and empty rounds included', () => {
    const updates = [
      { member: 3, payload: Uint8Array.from([1, 2, 3]) },
      { member: 0, payload: new Uint8Array(0) },
      { member: 7, payload: new Uint8Array(200).fill(9) },
    ];
    const packed = packUpdates(updates);
    expect(packed.bytes.length).toBe(203);
    expect(unpackUpdates(packed).map((u) => ({ member: u.member, payload: Array.from(u.payload) }))).toEqual(updates.map((u) => ({ member: u.member, payload: Array.from(u.payload) })));
    expect(unpackUpdates(packUpdates([]))).toEqual([]);
  });

  it('copies: changing a payload afterwards does not change the log', () => {
    const payload = Uint8Array.from([5, 5]);
    const packed = packUpdates([{ member: 1, payload }]);
    payload[0] = 0;
    expect(Array.from((unpackUpdates(packed)[0] as { payload: Uint8Array }).payload)).toEqual([5, 5]);
  });
});

describe('replicas left divergent at the end of a run (countDivergentReplicas)', () => {
  /** A replica of `group` that played up to `lastRound`, with hashes by round. */
  const replica = (group: number, lastRound: number, hashes: Record<number, string>) => ({ group, lastRound, hashAt: (round: number) => hashes[round] });

  it('counts the replicas outside each group\'s strict majority, at the last round all of the group played', () => {
    const replicas = [
      // Group 0: one of three split at round 10 and never healed; the others played on to 12.
      replica(0, 12, { 10: 'A', 12: 'A2' }),
      replica(0, 12, { 10: 'A', 12: 'A2' }),
      replica(0, 10, { 10: 'B' }),
      // Group 1: every replica agrees.
      replica(1, 5, { 5: 'C' }),
      replica(1, 5, { 5: 'C' }),
    ];
    expect(countDivergentReplicas(replicas)).toBe(1);
  });

  it('a healed replica counts 0; a group split in halves counts every replica; a replica that lost the round counts as outside', () => {
    expect(countDivergentReplicas([replica(0, 3, { 3: 'A' }), replica(0, 3, { 3: 'A' })])).toBe(0);
    expect(countDivergentReplicas([replica(0, 3, { 3: 'A' }), replica(0, 3, { 3: 'A' }), replica(0, 3, { 3: 'B' }), replica(0, 3, { 3: 'B' })])).toBe(4);
    expect(countDivergentReplicas([replica(0, 3, { 3: 'A' }), replica(0, 3, { 3: 'A' }), replica(0, 3, {})])).toBe(1);
  });

  it('leaves out replicas that have played nothing yet (a joiner at the end)', () => {
    expect(countDivergentReplicas([replica(0, 7, { 7: 'A' }), replica(0, 7, { 7: 'A' }), replica(0, -1, {})])).toBe(0);
  });
});
