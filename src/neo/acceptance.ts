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

/**
 * The vote outcome for one member's update, given the ballots known so far.
 *
 * A member's ballot about its own update proves nothing (its own message always reaches it) and
 * would let it tip the balance differently for different receivers by signing two ballots. So the
 * ballot `member` casts about itself is ignored, and the member counts as one vote for its own
 * update: votes(D) = 1 + the other members voting D.
 */
export function tallyVotes(member: number, ballots: KnownBallots): VoteOutcome {
  const needed = strictMajority(ballots.length);
  // One digest is what honest members produce; a Map is needed only once a second one shows up.
  let first: string | undefined;
  let firstCount = 0;
  let counts: Map<string, number> | undefined;
  let unknown = 0;
  for (let voter = 0; voter < ballots.length; voter++) {
    // A member alone in its view is its own majority: its ballot is the only one there is.
    if (voter === member && ballots.length > 1) continue;
    const ballot = ballots[voter];
    if (ballot === undefined) {
      unknown++;
      continue;
    }
    const digest = ballot.get(member);
    if (digest === undefined) continue;
    if (first === undefined || digest === first) {
      first = digest;
      firstCount++;
    } else {
      counts ??= new Map([[first, firstCount]]);
      counts.set(digest, (counts.get(digest) ?? 0) + 1);
    }
  }
  if (counts) counts.set(first as string, firstCount);
  if (ballots.length === 1) return first === undefined ? (unknown > 0 ? { kind: 'undecided', unknownVoters: unknown } : { kind: 'no-majority', bestVotes: 0 }) : { kind: 'majority', digest: first, votes: 1 };
  // Most votes first, then the lowest digest: the same order for every replica, whatever the arrival order.
  const ranked = counts
    ? [...counts].map(([digest, others]) => ({ digest, votes: others + 1 })).sort((a, b) => b.votes - a.votes || (a.digest < b.digest ? -1 : 1))
    : first !== undefined
      ? [{ digest: first, votes: firstCount + 1 }]
      : [];
  const top = ranked[0];
  if (top && top.votes >= needed) {
    // Certain only if no rival can still catch up: the runner-up (or a digest nobody voted yet,
    // which still has the member's own vote) gains at most every unknown ballot. Rivals exist only
    // when the member sent two versions; then small groups wait for every ballot.
    const rival = Math.max(ranked[1]?.votes ?? 1, 1);
    if (unknown === 0 || top.votes > rival + unknown) return { kind: 'majority', digest: top.digest, votes: top.votes };
    return { kind: 'undecided', unknownVoters: unknown };
  }
  const best = top?.votes ?? 1;
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
  /** The sender's round-(r+d) message is here. */
  readonly known: boolean;
  /** The keys it revealed for round r: one, or several if it signed more than one version; none if it withheld. */
  readonly keys: readonly Uint8Array[];
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
  if (reveal.keys.length === 0) return { kind: 'dropped', reason: 'no-key' };
  const ciphertext = ciphertextFor(vote.digest);
  if (ciphertext === undefined) return { kind: 'pending', waitingFor: 'ciphertext' };
  for (const key of reveal.keys) {
    const payload = open(key, ciphertext);
    if (payload !== null) return { kind: 'accepted', payload };
  }
  return { kind: 'dropped', reason: 'bad-key' };
}
