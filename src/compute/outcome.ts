import { equalBytes, sha256, toHex } from '../crypto/index.js';
import type { SignatureVerifier } from '../net/index.js';
import type { GameEffect } from '../game/index.js';
import { strictMajority } from '../neo/index.js';
import { decodeOrNull, encodeWith, enumU8, list, struct, u16, u32, u8, bytes } from '../wire/index.js';
import type { ComputeOutcomeBody } from './messages.js';
import { decodeStepResult, type StepEvent } from './monster.js';
import { resultSigningBytes } from './statements.js';

/**
 * A step's outcome fed back into the game through NEO (docs/compute.md, "Outcomes in the game"):
 * the group's coordinator announces the result its r executors agreed on, with their signatures,
 * to every member (compute-outcome); each member checks it against its own replica and votes for
 * the step's effects by putting the same notice into its update of one round, fixed by the draw's
 * state (outcomeVoteRound). The effects apply where a strict majority of the view voted for the
 * same notice in that one round: the decision uses only the round's agreed updates, so every
 * replica (and a resync replaying the round) applies the same effects at the same point; a vote
 * needs r signatures by executors of the member's own draw, so no member alone, the coordinator
 * included, can give or take hit points and gold, and an outcome is voted in one round only.
 */

/** Opens every vote notice, so a group tells votes from the other notices it plays (a zone event begins with a random session id). */
export const OUTCOME_VOTE_MAGIC = new Uint8Array([0x63, 0x6d, 0x70, 0x31]);
/** A step has at most one event per monster (a bite or a drop), and a notice carries one effect per event. */
export const MAX_OUTCOME_EFFECTS = 32;
/**
 * Members vote this long after the round whose state the draw used: the step's ask and answers and
 * the announcement fit in it (a step's p99 is about 250 ms on 20 ms links with 1 % loss). The round
 * follows from the signed state (a state hash covers its round), so nobody can name another one.
 */
export const OUTCOME_LEAD_MS = 1000;
/** The process is named by the first bytes of the SHA-256 of its id: enough to tell a group's processes apart. */
const PROCESS_KEY_BYTES = 8;

const VoteCodec = struct({
  magic: bytes(OUTCOME_VOTE_MAGIC.length),
  process: bytes(PROCESS_KEY_BYTES),
  epoch: u32,
  effects: list(struct({ kind: enumU8(['hurt', 'reward']), seat: u8, amount: u16 }), MAX_OUTCOME_EFFECTS),
});

/** The game's effects of a step's events: a bite hurts the seat bitten, a drop rewards the seat that killed the monster. */
export function effectsOfEvents(events: readonly StepEvent[]): GameEffect[] {
  return events.map((e) => ({ kind: e.kind === 'bite' ? 'hurt' : 'reward', seat: e.seat, amount: e.amount }));
}

/** The vote notice for a process's epoch and its effects (at most MAX_OUTCOME_EFFECTS: a programmer's error beyond). */
export function outcomeVote(processId: Uint8Array, epoch: number, effects: readonly GameEffect[]): Uint8Array {
  if (effects.length > MAX_OUTCOME_EFFECTS) throw new RangeError(`outcomeVote: at most ${MAX_OUTCOME_EFFECTS} effects, got ${effects.length}`);
  return encodeWith(VoteCodec, { magic: OUTCOME_VOTE_MAGIC, process: sha256(processId).subarray(0, PROCESS_KEY_BYTES), epoch, effects: effects.map((e) => ({ ...e })) });
}

export function isOutcomeVote(notice: Uint8Array): boolean {
  return notice.length >= OUTCOME_VOTE_MAGIC.length && equalBytes(notice.subarray(0, OUTCOME_VOTE_MAGIC.length), OUTCOME_VOTE_MAGIC);
}

/** The round a group votes in on a step drawn over the state after `stateRound` (OUTCOME_LEAD_MS later, in whole rounds). */
export function outcomeVoteRound(stateRound: number, roundMs: number): number {
  return stateRound + Math.ceil(OUTCOME_LEAD_MS / roundMs);
}

/**
 * The effects one round's votes decide: those of the notice a strict majority of the view's
 * `members` put into their updates of the round (a member votes once: one notice per update),
 * less any effect on a seat outside the game's `seats`. Votes that do not decode count for
 * nothing. The same answer at every replica.
 */
export function tallyOutcomeVotes(votes: readonly { readonly member: number; readonly notice: Uint8Array }[], members: number, seats: number): readonly GameEffect[] {
  const voters = new Map<string, { readonly notice: Uint8Array; readonly members: Set<number> }>();
  for (const { member, notice } of votes) {
    const hex = toHex(notice);
    const entry = voters.get(hex) ?? { notice, members: new Set<number>() };
    entry.members.add(member);
    voters.set(hex, entry);
  }
  for (const { notice, members: cast } of voters.values()) {
    if (cast.size < strictMajority(members)) continue;
    const vote = decodeOrNull(VoteCodec, notice);
    return vote && equalBytes(vote.magic, OUTCOME_VOTE_MAGIC) ? vote.effects.filter((e) => e.seat < seats) : [];
  }
  return [];
}

export type OutcomeRefusal =
  /** The result bytes do not decode, or do not hash to the digest the executors signed, or have more events than a vote carries, or name a seat outside the game. */
  | 'malformed'
  /** The draw's state hash is not this replica's after the round it names (another state, or a round it no longer keeps). */
  | 'state'
  /** The round to vote in is not the one the draw's state gives (outcomeVoteRound). */
  | 'round'
  /** Fewer than r valid signatures over the statement by distinct executors of this member's own draw. */
  | 'signatures';

export type JudgedOutcome = { readonly ok: true; readonly vote: Uint8Array; readonly effects: readonly GameEffect[] } | { readonly ok: false; readonly reason: OutcomeRefusal };

export interface OutcomeContext {
  /** Signatures needed: the run's r. */
  readonly r: number;
  /** Seats in the member's game: an event on another seat is refused. */
  readonly seats: number;
  readonly roundMs: number;
  readonly verify: SignatureVerifier;
  /** This replica's state hash (hex) after a round it played, if it keeps it. */
  readonly stateHashAt: (round: number) => string | undefined;
  /** Whether the draw for this process, epoch and state, ranked over the candidates this member knows, names `executor`. */
  readonly drawn: (executor: Uint8Array) => boolean;
}

/**
 * A member's check of an announced outcome before it votes: the result hashes to the digest in
 * the statement and names only seats of the game, the signed state hash is this replica's own after
 * `stateRound`, the round to vote in is the one that state gives, and at least r distinct executors
 * that this member's own draw names signed the statement (so a signer cannot be a key made up for
 * the purpose, nor a friend the announcer picked).
 */
export function judgeOutcome(outcome: ComputeOutcomeBody, context: OutcomeContext): JudgedOutcome {
  const result = decodeStepResult(outcome.result);
  const { statement } = outcome;
  if (!result || result.events.length > MAX_OUTCOME_EFFECTS || result.events.some((e) => e.seat >= context.seats) || !equalBytes(sha256(outcome.result), statement.resultDigest)) return { ok: false, reason: 'malformed' };
  if (context.stateHashAt(outcome.stateRound) !== toHex(statement.stateHash)) return { ok: false, reason: 'state' };
  if (outcome.round !== outcomeVoteRound(outcome.stateRound, context.roundMs)) return { ok: false, reason: 'round' };
  const message = resultSigningBytes(statement);
  const signers = new Set<string>();
  for (const s of outcome.signers) {
    const hex = toHex(s.executor);
    if (!signers.has(hex) && context.drawn(s.executor) && context.verify(s.signature, message, s.executor)) signers.add(hex);
  }
  if (signers.size < context.r) return { ok: false, reason: 'signatures' };
  const effects = effectsOfEvents(result.events);
  return { ok: true, vote: outcomeVote(statement.processId, statement.epoch, effects), effects };
}
