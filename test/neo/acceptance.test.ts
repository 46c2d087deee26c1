import { describe, expect, it } from 'vitest';
import { decideUpdate, strictMajority, tallyVotes, type Ballot, type KnownBallots } from '../../src/neo/index.js';

/**
 * Ballots of an 8-member view about member 0's update. Voter 0 is the member itself: it always
 * counts as one vote for its own update, and what it says about itself is ignored — so it is set
 * to a vote here to show that it changes nothing. `others` are voters 1–7: a digest, null for
 * "not on time", undefined for a ballot not yet known.
 */
function ballots(others: (string | null | undefined)[], self: string | null = 'd'): KnownBallots {
  return [self, ...others].map((d): Ballot | undefined => (d === undefined ? undefined : new Map(d === null ? [] : [[0, d]])));
}

const plain = new Uint8Array([7]);
const opens = (key: Uint8Array) => (key[0] === 1 ? plain : null);

describe('NEO acceptance rule', () => {
  it('needs a strict majority of the view', () => {
    expect(strictMajority(8)).toBe(5);
    expect(strictMajority(7)).toBe(4);
    expect(strictMajority(2)).toBe(2);
  });

  it('accepts with a strict majority for one digest (the member\'s own vote included), the revealed key and the ciphertext', () => {
    const vote = tallyVotes(0, ballots(['d', 'd', 'd', 'd', null, null, null]));
    expect(vote).toEqual({ kind: 'majority', digest: 'd', votes: 5 });
    expect(decideUpdate(vote, () => new Uint8Array(3), { known: true, keys: [new Uint8Array([1])] }, opens)).toEqual({ kind: 'accepted', payload: plain });
  });

  it('lets a member alone in its view (a quadtree leaf of one) be its own majority, by the ballot it cast', () => {
    expect(tallyVotes(0, [new Map([[0, 'd']])])).toEqual({ kind: 'majority', digest: 'd', votes: 1 });
    expect(tallyVotes(0, [new Map()]).kind).toBe('no-majority');
    expect(tallyVotes(0, [undefined]).kind).toBe('undecided');
  });

  it('ignores what a member says about its own update, so two signed ballots of its own cannot split replicas', () => {
    const withSelfVote = tallyVotes(0, ballots(['d', 'd', 'd', null, null, null, null], 'd'));
    const withoutSelfVote = tallyVotes(0, ballots(['d', 'd', 'd', null, null, null, null], null));
    expect(withSelfVote).toEqual(withoutSelfVote);
    expect(withSelfVote.kind).toBe('no-majority');
  });

  it('drops an update voted late by a majority (on time for only a minority)', () => {
    const vote = tallyVotes(0, ballots(['d', null, null, null, null, null, null]));
    expect(vote.kind).toBe('no-majority');
    expect(decideUpdate(vote, () => undefined, { known: false, keys: [] }, opens)).toEqual({ kind: 'dropped', reason: 'late' });
  });

  it('drops at exactly half the votes', () => {
    expect(tallyVotes(0, ballots(['d', 'd', 'd', null, null, null, null])).kind).toBe('no-majority');
  });

  it('drops when votes conflict on the digest, even if together they are a majority', () => {
    const vote = tallyVotes(0, ballots(['a', 'a', 'b', 'b', 'b', null, null]));
    expect(vote).toEqual({ kind: 'no-majority', bestVotes: 4 });
  });

  it('picks the same version everywhere when a member equivocated and two digests reach a majority', () => {
    const n3 = (a: string | null | undefined, b: string | null | undefined): KnownBallots => [new Map(), ...[a, b].map((d) => (d === undefined ? undefined : new Map(d === null ? [] : [[0, d]])))];
    expect(tallyVotes(0, n3('y', 'x'))).toEqual({ kind: 'majority', digest: 'x', votes: 2 });
    expect(tallyVotes(0, n3('x', 'y'))).toEqual({ kind: 'majority', digest: 'x', votes: 2 });
    // With one ballot unknown a rival could still tie: wait.
    expect(tallyVotes(0, n3('y', undefined)).kind).toBe('undecided');
  });

  it('drops when the key is not revealed, and when the revealed key does not open the ciphertext', () => {
    const vote = tallyVotes(0, ballots(['d', 'd', 'd', 'd', 'd', 'd', 'd']));
    expect(decideUpdate(vote, () => new Uint8Array(3), { known: true, keys: [] }, opens)).toEqual({ kind: 'dropped', reason: 'no-key' });
    expect(decideUpdate(vote, () => new Uint8Array(3), { known: true, keys: [new Uint8Array([2])] }, opens)).toEqual({ kind: 'dropped', reason: 'bad-key' });
  });

  it('waits while unknown ballots could still change the result, and decides as soon as they cannot', () => {
    expect(tallyVotes(0, ballots(['d', 'd', 'd', undefined, null, null, null]))).toEqual({ kind: 'undecided', unknownVoters: 1 });
    // Three unknown ballots cannot lift one vote (the member's own) to five: certain drop.
    expect(tallyVotes(0, ballots([null, null, null, null, undefined, undefined, undefined])).kind).toBe('no-majority');
    // ...but they could lift two votes to five: wait.
    expect(tallyVotes(0, ballots(['d', null, null, null, undefined, undefined, undefined])).kind).toBe('undecided');
    // Five votes decide without the three slow voters.
    expect(tallyVotes(0, ballots(['d', 'd', 'd', 'd', undefined, undefined, undefined])).kind).toBe('majority');
  });

  it('waits for the reveal and for the ciphertext the majority saw', () => {
    const vote = tallyVotes(0, ballots(['d', 'd', 'd', 'd', 'd', 'd', 'd']));
    expect(decideUpdate(vote, () => new Uint8Array(3), { known: false, keys: [] }, opens)).toEqual({ kind: 'pending', waitingFor: 'reveal' });
    expect(decideUpdate(vote, () => undefined, { known: true, keys: [new Uint8Array([1])] }, opens)).toEqual({ kind: 'pending', waitingFor: 'ciphertext' });
  });
});
