/**
 * The acceptance rule of NEO, as pure functions over what a member knows about one round.
 *
 * Member j's round-r update is accepted iff a strict majority of the view voted, in their round
 * r+1 messages, that j's round-r message reached them before the deadline with the same digest,
 * and j revealed a key that opens exactly that ciphertext. Timeliness is judged only by these
 * votes, never by the sender's clock.
 *
 * A member decides as soon as the outcome is certain: accepted once one digest has a strict
 * majority, dropped once no digest can reach one even if every vote still unknown went its way.
 * So a member far from the rest decides later but never differently, and nobody waits for a
 * slow member whose vote cannot change the result.
 */

/** One voter's round-(r+1) vote on round r: member index → digest (hex). */
export type Ballot = ReadonlyMap<number, string>;

/**
 * What is known of each voter's ballot for one round, by voter index: a Ballot when its round-(r+1)
 * message is here (an empty map if it voted for nobody), undefined while that message is unknown.
 */
export type KnownBallots = ReadonlyArray<Ballot | undefined>;

export type VoteOutcome =
  | { readonly kind: 'majority'; readonly digest: string; readonly votes: number }
  | { readonly kind: 'no-majority'; readonly bestVotes: number }
  | { readonly kind: 'undecided'; readonly unknownVoters: number };

export function strictMajority(viewSize: number): number {
  return Math.floor(viewSize / 2) + 1;
}

/** The vote outcome for one member's update, given the ballots known so far. */
export function tallyVotes(member: number, ballots: KnownBallots): VoteOutcome {
  const needed = strictMajority(ballots.length);
  const counts = new Map<string, number>();
  let unknown = 0;
  for (const ballot of ballots) {
    if (ballot === undefined) {
      unknown++;
      continue;
    }
    const digest = ballot.get(member);
    if (digest !== undefined) counts.set(digest, (counts.get(digest) ?? 0) + 1);
  }
  let best = 0;
  for (const [digest, votes] of counts) {
    if (votes >= needed) return { kind: 'majority', digest, votes };
    best = Math.max(best, votes);
  }
  // Even if every unknown ballot voted for the leading digest, could it still reach a majority?
  if (best + unknown < needed) return { kind: 'no-majority', bestVotes: best };
  return { kind: 'undecided', unknownVoters: unknown };
}

export type DropReason = 'late' | 'no-key' | 'bad-key' | 'no-ciphertext';

export type UpdateOutcome =
  | { readonly kind: 'accepted'; readonly payload: Uint8Array }
  | { readonly kind: 'dropped'; readonly reason: DropReason }
  | { readonly kind: 'pending'; readonly waitingFor: 'votes' | 'reveal' | 'ciphertext' };

export interface RevealState {
  /** The sender's round-(r+d) message is here; `key` is what it revealed for round r (if anything). */
  readonly known: boolean;
  readonly key: Uint8Array | null;
}

/**
 * The full outcome for one member's update: votes first, then the revealed key against the
 * ciphertext the majority saw. `open` decrypts a ciphertext with a key (null when it does not open).
 */
export function decideUpdate(
  vote: VoteOutcome,
  ciphertextFor: (digest: string) => Uint8Array | undefined,
  reveal: RevealState,
  open: (key: Uint8Array, ciphertext: Uint8Array) => Uint8Array | null,
): UpdateOutcome {
  if (vote.kind === 'undecided') return { kind: 'pending', waitingFor: 'votes' };
  if (vote.kind === 'no-majority') return { kind: 'dropped', reason: 'late' };
  if (!reveal.known) return { kind: 'pending', waitingFor: 'reveal' };
  if (reveal.key === null) return { kind: 'dropped', reason: 'no-key' };
  const ciphertext = ciphertextFor(vote.digest);
  if (ciphertext === undefined) return { kind: 'pending', waitingFor: 'ciphertext' };
  const payload = open(reveal.key, ciphertext);
  return payload === null ? { kind: 'dropped', reason: 'bad-key' } : { kind: 'accepted', payload };
}
