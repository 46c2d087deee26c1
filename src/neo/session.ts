import { byteKey, COMMITMENT_OVERHEAD, createCommitment, digest16, equalBytes, openCommitment, toHex } from '../crypto/index.js';
import type { Endpoint, Transport } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle } from '../time/timer-queue.js';
import { DecodeError, decodeViewsWith, encodeWith } from '../wire/index.js';
import { decideUpdate, strictMajority, tallyVotes, type Ballot, type DropReason, type UpdateOutcome, type VoteOutcome } from './acceptance.js';
import {
  MAX_COMMITMENT_BYTES,
  MAX_GROUP_SIZE,
  NeoFetch,
  NeoForward,
  NeoRound,
  NeoRoundContent,
  SESSION_ID_BYTES,
  roundSigningBytes,
  UPDATE_AAD_BYTES,
  updateAad,
  type NeoRoundContentValue,
  type SignedRound,
} from './messages.js';
import { RoundSchedule } from './schedule.js';

export interface NeoMember {
  readonly publicKey: Uint8Array;
  readonly endpoint: Endpoint;
}

/**
 * The agreed membership NEO runs over: every member runs the protocol over the same ordered list,
 * from the same round. Member index = position in `members`; member 0 leads (proposes round
 * lengths). A new view (membership change) is a new view number from an agreed round.
 */
export interface NeoView {
  readonly sessionId: Uint8Array;
  readonly number: number;
  readonly members: readonly NeoMember[];
  readonly startRound: number;
}

export interface NeoAdaptation {
  /** Rounds of decisions the leader looks at before proposing. */
  readonly windowRounds: number;
  /** Propose a longer round when more than this fraction of updates in the window was dropped. */
  readonly lateThreshold: number;
  /** Propose a shorter round when every message arrived within this fraction of the round. */
  readonly earlyFraction: number;
  readonly minRoundMs: number;
  readonly maxRoundMs: number;
  /** How many rounds ahead a change takes effect, so every member hears of it in time. */
  readonly leadRounds: number;
}

export interface NeoConfig {
  /** Initial round length R in ms. */
  readonly roundMs: number;
  /** d: the votes on round r and its keys travel in round r+d's messages, so delays up to d·R are on time. Default 1. */
  readonly pipelineDepth?: number;
  /** h: a state hash every h rounds. Default 10. */
  readonly stateHashEvery?: number;
  /** Messages this many rounds ahead of the local round are accepted (clock skew, early timers). Default 2. */
  readonly futureWindow?: number;
  /** After the votes for a round were due, wait this long before fetching what is missing. Default R. */
  readonly fetchAfterMs?: number;
  /** Decide a round anyway this many rounds after its votes were due, treating what is missing as absent. Default 8. */
  readonly maxWaitRounds?: number;
  /** The last round with an update; the session ends once it is decided. Unbounded when absent. */
  readonly lastRound?: number;
  /** Round-length adaptation by the leader; off when absent. */
  readonly adaptation?: NeoAdaptation;
  /**
   * Share of round messages, authenticated to this member by their envelope, whose content
   * signature is verified anyway: a member sending bad signatures is caught by the sample. Messages
   * used as evidence, forwarded, or from a member already caught are always verified. Default 1/32;
   * 1 verifies everything (docs/protocol-neo.md, "Authentication cost").
   */
  readonly signatureSampleRate?: number;
}

/** Default share of envelope-authenticated round messages whose signature is verified anyway. */
export const DEFAULT_SIGNATURE_SAMPLE_RATE = 1 / 32;

export interface NeoPlayedUpdate {
  readonly member: number;
  readonly payload: Uint8Array;
}

export interface NeoSessionDeps {
  readonly transport: Transport;
  readonly sign: (message: Uint8Array) => Uint8Array;
  readonly verify: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;
  /** Uniform in [0, 1), private to this member (which messages it samples must not be predictable to others). */
  readonly random: () => number;
  readonly clock: Clock;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  /** This member's index in the view. */
  readonly memberIndex: number;
  /** Shared-clock start of the view's first round. */
  readonly startMs: number;
  /** This member's update for a round (plaintext, ≤ 208 bytes). */
  readonly nextUpdate: (round: number) => Uint8Array;
  /** Play one decided round: the accepted updates in member order. */
  readonly playRound: (round: number, updates: readonly NeoPlayedUpdate[]) => void;
  /** Hash of the game state after the last played round. */
  readonly stateHash: () => Uint8Array;
  /** Told of every other member's accepted update as it is played (creation → playout, ms): the session keeps no histogram of its own. */
  readonly onPlayout?: (latencyMs: number, sender: number) => void;
  /**
   * Rounds are played only while this allows it: a view that follows another waits until the
   * previous view played its last round (and a joiner until it holds the game state). Call
   * `poke()` when the answer changes.
   */
  readonly canPlay?: (round: number) => boolean;
  /**
   * Told of every decided round after it was played: the outcome of each member's update and the
   * state hash (hex) after it. For observers (attack statistics, audits); never changes the protocol.
   */
  readonly onDecided?: (round: number, outcomes: readonly UpdateOutcome[], stateHash: string) => void;
  /**
   * Told once per (member, round) when this member holds signed evidence of misbehaviour: two
   * different signed messages of one member for one round, or a revealed key that does not open
   * the member's own sealed update. The raw material of a cheat proof (src/auth/proofs.ts).
   */
  readonly onEvidence?: (evidence: NeoEvidence) => void;
  /**
   * Told of every round message of a member, authenticated to this member by its envelope, whose
   * content signature did not verify when it was checked (the first such message makes every later
   * one of that member checked): proof to this member only (the envelope's MAC convinces nobody
   * else), so it is reported, not sent to the authority.
   */
  readonly onBadSignature?: (member: number, round: number) => void;
  /**
   * Told of every state-hash report in this view: another member's as its (authenticated)
   * message is stored, and this member's own as it puts it in its round message (`member` is then
   * its own index, and the game is still exactly the state hashed). For resynchronisation
   * (src/groups/resync.ts), which tallies them per round; never changes the protocol.
   */
  readonly onStateHash?: (member: number, round: number, hash: string) => void;
}

/** Signed evidence against one member of the view, as NeoSession found it. */
export type NeoEvidence =
  | { readonly kind: 'equivocation'; readonly member: number; readonly round: number; readonly first: SignedRound; readonly second: SignedRound }
  | { readonly kind: 'bad-reveal'; readonly member: number; readonly round: number; readonly commitment: SignedRound; readonly reveal: SignedRound };

export const NEO_COUNTERS = [
  'sent',
  'received',
  'onTime',
  'late',
  'forwardedIn',
  'accepted',
  'dropped',
  'droppedLate',
  'droppedNoKey',
  'droppedBadKey',
  'droppedNoCiphertext',
  'roundsPlayed',
  'forcedRounds',
  'malformed',
  'wrongSession',
  'wrongView',
  'nonMember',
  'staleRound',
  'futureRound',
  'badSignature',
  /** Content signatures verified, and how many of them because the sample drew them. */
  'signaturesVerified',
  'signaturesSampled',
  /** Envelope-authenticated messages whose content signature failed (their sender is verified in full from then on). */
  'badSignaturesCaught',
  'duplicate',
  'equivocation',
  'fetchesSent',
  'forwardsSent',
  'stateHashChecks',
  'stateHashMismatches',
  /** Fetches sent because a vote named a digest of a member's update this member does not hold (evidence exchange). */
  'evidenceFetches',
  /** Keys revealed that do not open the revealing member's own sealed update (signed evidence of a bad reveal). */
  'badReveals',
  'roundLengthChanges',
  'proposalsRefused',
  'recoveryThrottled',
  'updatesCreated',
  /** Rounds of the view that had already passed when this member started it (it sent nothing for them). */
  'roundsSkippedAtStart',
  /** Decisions on this member's own updates: summed over members, every update is counted once. */
  'ownAccepted',
  'ownDropped',
  /**
   * Resynchronisation (docs/protocol-neo.md, "Resynchronisation"): counted by the group member that
   * runs it (src/groups/resync.ts) and added to its sessions' sum; a bare NeoSession leaves them 0.
   * Successful resyncs, attempts that gave up, and rounds of the schedule from detection to healed.
   */
  'resyncs',
  'resyncFailures',
  'roundsDivergent',
] as const;
export type NeoCounter = (typeof NEO_COUNTERS)[number];

/** Two validly signed, different messages of one member for one round: the raw material of a cheat proof. */
export interface Equivocation {
  readonly round: number;
  readonly member: number;
  readonly first: SignedRound;
  readonly second: SignedRound;
}

export interface NeoSessionStats {
  readonly counters: Record<NeoCounter, number>;
  /** State hash (hex) after each checkpoint round (every h rounds) this member played. */
  readonly checkpoints: ReadonlyMap<number, string>;
  readonly equivocations: readonly Equivocation[];
  readonly nextRoundToDecide: number;
  readonly roundMs: number;
}

interface Stored {
  readonly signed: SignedRound;
  readonly content: NeoRoundContentValue;
  readonly digest: string;
  /** The same digest as bytes: compared against every ballot entry, so no hex conversion per vote. */
  readonly digestBytes: Uint8Array;
  /** This message's votes (member → digest), read once when it is stored rather than at every decision. */
  readonly ballot: Ballot;
  /** Set later if a forwarded copy came first and the direct one still arrived in time. */
  onTime: boolean;
  /** Whether the content signature was verified (it may not have been: docs/protocol-neo.md), and its verdict. */
  signature: 'unchecked' | 'valid' | 'invalid';
  /**
   * Other validly signed versions (equivocation), at most MAX_VERSIONS, kept so the majority's
   * ciphertext and any version's revealed key can be found.
   */
  readonly others: Version[];
}

/** A second (third, …) version of one member's message for one round. */
interface Version {
  readonly digest: string;
  readonly content: NeoRoundContentValue;
  readonly signed: SignedRound;
  signature: Stored['signature'];
}

/**
 * A played round's message, kept only to answer fetches from slower members: its signed bytes and
 * what is known of its signature. The decoded content, ballot and vote entries of a played round are
 * let go at once, so they die young instead of being promoted and collected a second later.
 */
interface Kept {
  readonly signed: SignedRound;
  signature: Stored['signature'];
  readonly others: readonly Kept[];
}

const EMPTY_BALLOT: Ballot = new Map();
const NO_VERSIONS: readonly Kept[] = Object.freeze([]);
const PENDING_VOTES: UpdateOutcome = Object.freeze({ kind: 'pending', waitingFor: 'votes' });
const PENDING_REVEAL: UpdateOutcome = Object.freeze({ kind: 'pending', waitingFor: 'reveal' });
const DROPPED_LATE: UpdateOutcome = Object.freeze({ kind: 'dropped', reason: 'late' });

/** What is settled about a round's updates so far: outcomes and votes, each final once certain. */
interface RoundDecision {
  readonly outcomes: (UpdateOutcome | undefined)[];
  /** A certain tally never changes (ballots are read once, from each voter's first message). */
  readonly votes: (VoteOutcome | undefined)[];
  pending: number;
}

/** Versions of one member's round message kept beyond the first: enough for proof, bounded against floods. */
const MAX_VERSIONS = 3;
/** Equivocation proofs kept per session (one per round and member). */
const MAX_EQUIVOCATIONS = 1024;
/** Checkpoint hashes kept per session. */
const MAX_CHECKPOINTS = 4096;

/** One member's NEO protocol over one view. Create with `NeoEndpoint.join`. */
export class NeoSession {
  readonly view: NeoView;
  private readonly deps: NeoSessionDeps;
  private readonly n: number;
  private readonly me: number;
  private readonly depth: number;
  private readonly hashEvery: number;
  private readonly futureWindow: number;
  private readonly maxWaitRounds: number;
  private lastRound: number;
  private readonly fetchAfterMs: number | undefined;
  private readonly adaptation: NeoAdaptation | undefined;
  private schedule: RoundSchedule;
  /** Messages of rounds not yet played. */
  private readonly messages = new Map<number, (Stored | undefined)[]>();
  /** Messages of played rounds, for fetches (see Kept). */
  private readonly kept = new Map<number, (Kept | undefined)[]>();
  private readonly keys = new Map<number, Uint8Array>();
  private readonly playedHashes = new Map<number, string>();
  /** Per round, the outcomes already certain (see outcomes()) and how many are not yet. */
  private readonly finalOutcomes = new Map<number, RoundDecision>();
  private readonly awaitedHashes = new Map<number, { member: number; hash: string }[]>();
  /** When this member last answered a (requester, round, member) fetch: answers are rate-limited, not refused. */
  private readonly answeredAt = new Map<string, number>();
  /** When each (round, member) message was last asked for and how often, so retries rotate targets. */
  private readonly asked = new Map<string, { at: number; attempts: number }>();
  /** (round, member, digest) versions already asked of a voter that named them: one evidence fetch each. */
  private readonly evidenceAsked = new Set<string>();
  /** (member, round) pairs already reported as bad reveals. */
  private readonly badRevealsSeen = new Set<string>();
  private started = false;
  /** Decisions before this round ran at a round length that is no longer current: not counted for adaptation. */
  private adaptFromRound = 0;
  private fetchArmed = false;
  /**
   * Recovery traffic is bounded: a member behind on processing would otherwise ask for everything
   * it has not read yet, and the answers would put it further behind. Token buckets of n/2 fetch
   * requests (two messages each) and n forwards per round length.
   */
  private readonly fetchBudget = { tokens: 0, at: 0 };
  private readonly forwardBudget = { tokens: 0, at: 0 };
  private readonly counters = Object.fromEntries(NEO_COUNTERS.map((c) => [c, 0])) as Record<NeoCounter, number>;
  /** Every other member's endpoint, in member order: the round message goes to all of them. */
  private readonly others: readonly Endpoint[];
  private readonly sampleRate: number;
  /** Members caught sending a bad content signature: every message of theirs is verified from then on. */
  private readonly distrusted = new Set<number>();
  /** updateAad's output for the commitment in hand, rewritten by context() for each one. */
  private readonly contextScratch: Uint8Array;
  /** Below this many known ballots on a round no outcome of it can be certain (see decideReady). */
  private readonly ballotsBeforeCertain: number;
  private readonly checkpoints = new Map<number, string>();
  private readonly equivocations: Equivocation[] = [];
  private readonly timers: TimerHandle[] = [];
  /** The round whose message this member sent last; votes for it and earlier are closed. */
  private currentRound: number;
  private nextToDecide: number;
  private proposal: { effectiveRound: number; roundMs: number } | null = null;
  private window = { rounds: 0, dropped: 0, updates: 0, maxOffsetMs: 0 };
  private stopped = false;
  private deciding = false;
  /** The first round this member sent a message for (later than the view's first when it started late). */
  private firstSentRound = 0;
  private catchUpUntilMs = 0;
  private resolveDone: () => void = () => {};
  /** Resolves once every round up to `lastRound` is decided (never, for an unbounded session). */
  readonly done: Promise<void>;

  constructor(view: NeoView, config: NeoConfig, deps: NeoSessionDeps) {
    validate(view, config, deps);
    this.view = view;
    this.deps = deps;
    this.n = view.members.length;
    this.me = deps.memberIndex;
    this.depth = config.pipelineDepth ?? 1;
    this.hashEvery = config.stateHashEvery ?? 10;
    this.futureWindow = config.futureWindow ?? 2;
    this.maxWaitRounds = config.maxWaitRounds ?? 8;
    this.lastRound = config.lastRound ?? Number.MAX_SAFE_INTEGER;
    this.fetchAfterMs = config.fetchAfterMs;
    this.adaptation = config.adaptation;
    this.schedule = new RoundSchedule(view.startRound, deps.startMs, config.roundMs);
    this.currentRound = view.startRound - 1;
    this.nextToDecide = view.startRound;
    this.others = view.members.filter((_, j) => j !== deps.memberIndex).map((m) => m.endpoint);
    this.sampleRate = config.signatureSampleRate ?? DEFAULT_SIGNATURE_SAMPLE_RATE;
    this.contextScratch = new Uint8Array(UPDATE_AAD_BYTES);
    // A majority needs needed − 1 other ballots for one digest; no majority needs n − needed + 1 ballots
    // without it (the member's own ballot aside, hence the −1 below): fewer, and every tally is undecided.
    const needed = strictMajority(this.n);
    this.ballotsBeforeCertain = Math.max(0, Math.min(needed - 1, this.n - needed));
    // Pairwise MACs from the first round: the view says which key answers at each member's endpoint.
    view.members.forEach((m, j) => j !== deps.memberIndex && deps.transport.introduce(m.endpoint, m.publicKey));
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Arms the first round; `startMs` moves the view's first round to that time (a group started on a signal). */
  start(startMs?: number): void {
    if (this.started) return;
    this.started = true;
    if (startMs !== undefined) this.schedule = new RoundSchedule(this.view.startRound, startMs, this.schedule.roundMsAt(this.view.startRound));
    // Started late (a view joined after its first round): begin with the round in progress rather
    // than firing every past round's message at once; the past rounds are decided from what others sent.
    const now = this.deps.clock.nowMs();
    const first = Math.max(this.view.startRound, this.schedule.roundAt(now));
    this.currentRound = first - 1;
    this.firstSentRound = first;
    if (first > this.view.startRound) {
      this.counters.roundsSkippedAtStart += first - this.view.startRound;
      this.catchUpUntilMs = now + (this.depth + this.maxWaitRounds) * this.schedule.roundMsAt(first);
    }
    this.at(this.schedule.startOf(first), () => this.tick(first));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.splice(0)) t.cancel();
  }

  /**
   * This view ends after `round`: no updates for later rounds, and the session is done once
   * `round` is decided (a membership change takes effect at round + 1). Only ever shortens.
   */
  endAfter(round: number): void {
    if (!Number.isInteger(round) || round < this.view.startRound - 1) throw new RangeError(`endAfter: round ${round} precedes the view's first round ${this.view.startRound}`);
    if (round >= this.lastRound) return;
    this.lastRound = Math.max(round, this.nextToDecide - 1);
    this.tryDecide();
  }

  /** Try to decide and play again (after `canPlay` changed its answer). */
  poke(): void {
    if (!this.stopped) this.tryDecide();
  }

  /** The last round this view plays. */
  get finalRound(): number {
    return this.lastRound;
  }

  /** The next round this member will decide: every earlier one is played. */
  get nextRound(): number {
    return this.nextToDecide;
  }

  /** The round of this view's schedule in progress at `nowMs` (its first round before it starts). */
  roundAt(nowMs: number): number {
    return this.schedule.roundAt(nowMs);
  }

  /** When `round` starts on the shared clock, under the agreed schedule. */
  startOfRound(round: number): number {
    return this.schedule.startOf(round);
  }

  roundMsAt(round: number): number {
    return this.schedule.roundMsAt(round);
  }

  /** The counters alone: cheap enough to read every second for every session. */
  counterSnapshot(): Record<NeoCounter, number> {
    return { ...this.counters };
  }

  /** The round length in force now. */
  get roundMs(): number {
    return this.schedule.roundMsAt(Math.max(this.currentRound, this.view.startRound));
  }

  /** This replica's state hash (hex) after `round`, while the session keeps it (the last 4 · stateHashEvery rounds played). */
  playedHash(round: number): string | undefined {
    return this.playedHashes.get(round);
  }

  stats(): NeoSessionStats {
    return {
      counters: { ...this.counters },
      checkpoints: new Map(this.checkpoints),
      equivocations: [...this.equivocations],
      nextRoundToDecide: this.nextToDecide,
      roundMs: this.roundMs,
    };
  }

  private at(dueMs: number, fn: () => void): void {
    const handle = this.deps.scheduler.schedule(dueMs, () => {
      if (!this.stopped) fn();
    });
    this.timers.push(handle);
    if (this.timers.length > 64) this.timers.splice(0, this.timers.length - 64);
  }

  // ---- sending ------------------------------------------------------------------------------

  private tick(round: number): void {
    this.currentRound = round;
    const content = this.buildContent(round);
    const encoded = encodeWith(NeoRoundContent, content);
    const signed: SignedRound = { content: encoded, signature: this.deps.sign(roundSigningBytes(encoded)) };
    // Our own message is "received" on time, like everyone else's that arrived before this moment.
    this.store(round, this.me, signed, content, true, 'valid');
    this.deps.transport.broadcast(this.others, NeoRound, signed);
    this.counters.sent += this.others.length;
    this.tryDecide();
    if (round - 1 >= this.view.startRound) this.armFetch(this.schedule.startOf(round) + (this.fetchAfterMs ?? this.schedule.roundMsAt(round) / 2));
    if (round < this.lastRound + this.depth) this.at(this.schedule.startOf(round + 1), () => this.tick(round + 1));
    else this.at(this.forceDeadline(this.nextToDecide), () => this.tryDecide());
  }

  /** When a round still missing votes, a key or a ciphertext is decided anyway with what is here. */
  private forceDeadline(round: number): number {
    const deadline = this.schedule.startOf(round + this.depth + this.maxWaitRounds);
    // Rounds this member joined too late to hear get the same wait from when it started, so it
    // can fetch what it missed instead of deciding them blind (and differently from the others).
    return round < this.firstSentRound ? Math.max(deadline, this.catchUpUntilMs) : deadline;
  }

  private buildContent(round: number): NeoRoundContentValue {
    const { sessionId, number } = this.view;
    let update: Uint8Array = new Uint8Array(0);
    if (round <= this.lastRound) {
      const { key, commitment } = createCommitment(this.deps.nextUpdate(round), this.context(round, this.me));
      if (commitment.length > MAX_COMMITMENT_BYTES) throw new RangeError(`NEO update for round ${round} is ${commitment.length - COMMITMENT_OVERHEAD} bytes; at most ${MAX_COMMITMENT_BYTES - COMMITMENT_OVERHEAD}`);
      this.keys.set(round, key);
      update = commitment;
      this.counters.updatesCreated++;
    }
    const revealRound = round - this.depth;
    const revealKey = this.keys.get(revealRound);
    if (revealKey) this.keys.delete(revealRound);
    // With pipeline depth d, a member votes on round r in its round r+d message: d rounds to arrive.
    const votedRound = round - this.depth;
    let votes: NeoRoundContentValue['votes'] = null;
    if (votedRound >= this.view.startRound) {
      const entries: { member: number; digest: Uint8Array }[] = [];
      for (const [member, m] of (this.messages.get(votedRound) ?? []).entries()) {
        if (m?.onTime && m.content.update.length > 0) entries.push({ member, digest: m.digestBytes });
      }
      votes = { round: votedRound, entries };
    }
    const lastPlayed = this.nextToDecide - 1;
    const stateHash =
      round % this.hashEvery === 0 && lastPlayed >= this.view.startRound ? { round: lastPlayed, hash: Buffer.from(this.playedHashes.get(lastPlayed) as string, 'hex') } : null;
    if (stateHash) this.deps.onStateHash?.(this.me, lastPlayed, this.playedHashes.get(lastPlayed) as string);
    if (this.proposal && this.proposal.effectiveRound <= round) this.proposal = null;
    return {
      session: sessionId,
      view: number,
      round,
      sender: this.me,
      update,
      reveal: revealKey ? { round: revealRound, key: revealKey } : null,
      votes,
      stateHash,
      proposal: this.proposal,
    };
  }

  // ---- receiving ----------------------------------------------------------------------------

  /**
   * A round message, direct or forwarded. Every refusal is counted; nothing here throws on remote
   * bytes. `senderKey` is the key the transport authenticated the datagram's sender by (null when
   * unauthenticated): a direct message from the member itself needs its content signature verified
   * only when sampled; anything else (a forwarded copy, or a member's message from another's key) always.
   */
  receive(signed: SignedRound, forwarded: boolean, senderKey: Uint8Array | null = null): void {
    if (this.stopped) return;
    let content: NeoRoundContentValue;
    try {
      content = decodeViewsWith(NeoRoundContent, signed.content);
    } catch (e) {
      if (e instanceof DecodeError) {
        this.counters.malformed++;
        return;
      }
      throw e;
    }
    if (!equalBytes(content.session, this.view.sessionId)) return void this.counters.wrongSession++;
    if (content.view !== this.view.number) return void this.counters.wrongView++;
    if (content.sender >= this.n) return void this.counters.nonMember++;
    // Our own message reflected back to us: we hold the original already.
    if (content.sender === this.me) return void this.counters.duplicate++;
    // Rounds below the oldest one still undecided can change nothing: replays of old rounds end here.
    if (content.round < this.nextToDecide) return void this.counters.staleRound++;
    if (content.round > Math.max(this.currentRound, this.view.startRound) + this.futureWindow) return void this.counters.futureRound++;
    // On time iff it arrived directly before this member closed its vote on that round (in round + d).
    const onTime = !forwarded && content.round > this.currentRound - this.depth;
    const existing = this.messages.get(content.round)?.[content.sender];
    // A byte-identical copy needs no second check.
    if (existing && equalBytes(existing.signed.content, signed.content) && equalBytes(existing.signed.signature, signed.signature)) {
      this.counters.duplicate++;
      if (onTime && !existing.onTime) {
        existing.onTime = true;
        this.counters.onTime++;
      }
      return;
    }
    const member = this.view.members[content.sender] as NeoMember;
    const fromAuthor = !forwarded && senderKey !== null && equalBytes(senderKey, member.publicKey);
    let signature: Stored['signature'] = 'unchecked';
    if (!fromAuthor || this.distrusted.has(content.sender) || this.deps.random() < this.sampleRate) {
      if (fromAuthor && !this.distrusted.has(content.sender)) this.counters.signaturesSampled++;
      signature = this.checkSignature(signed, content.sender) ? 'valid' : 'invalid';
      if (signature === 'invalid') {
        // Only the author's own, envelope-authenticated message is kept despite a bad signature: its
        // content is the author's, and every replica that got it must decide the same way.
        if (!fromAuthor) return void this.counters.badSignature++;
        this.caughtBadSignature(content.sender, content.round);
      }
    }
    if (!this.store(content.round, content.sender, signed, content, onTime, signature)) {
      this.tryDecide();
      return;
    }
    this.counters.received++;
    if (forwarded) this.counters.forwardedIn++;
    if (!forwarded) {
      if (onTime) this.counters.onTime++;
      else this.counters.late++;
      if (onTime) this.window.maxOffsetMs = Math.max(this.window.maxOffsetMs, this.deps.clock.nowMs() - this.schedule.startOf(content.round));
    }
    if (content.votes) this.checkVotedDigests(content.sender, content.votes);
    // A hash can only be of a round played before the message was sent.
    if (content.stateHash && content.stateHash.round < content.round) this.checkStateHash(content.sender, content.stateHash.round, toHex(content.stateHash.hash));
    if (content.proposal && content.sender === 0) this.adoptProposal(content.proposal.effectiveRound, content.proposal.roundMs);
    this.tryDecide();
  }

  /** The commitment context of (round, member) in this view, in a buffer reused for every call (it is copied into the hash at once). */
  private context(round: number, member: number): Uint8Array {
    return updateAad(this.view.sessionId, this.view.number, round, member, this.contextScratch);
  }

  private checkSignature(signed: SignedRound, member: number): boolean {
    this.counters.signaturesVerified++;
    return this.deps.verify(signed.signature, roundSigningBytes(signed.content), (this.view.members[member] as NeoMember).publicKey);
  }

  /** A stored message's signature, verified now if it was not yet (evidence and forwarding need it). */
  private signatureHolds(stored: Stored | Version | Kept, member: number, round: number): boolean {
    if (stored.signature === 'valid') return true;
    if (stored.signature === 'invalid') return false;
    const valid = this.checkSignature(stored.signed, member);
    stored.signature = valid ? 'valid' : 'invalid';
    if (!valid) this.caughtBadSignature(member, round);
    return valid;
  }

  private caughtBadSignature(member: number, round: number): void {
    this.distrusted.add(member);
    this.counters.badSignaturesCaught++;
    this.deps.onBadSignature?.(member, round);
  }

  /**
   * Evidence exchange: a voter names a digest for a member's update that differs from every version
   * held here. Either the member sent different updates to different members (equivocation) or the
   * voter lies; asking the voter for what it holds settles it, since the answer is the member's own
   * signed message (a second version is proof) — a lying voter has nothing signed to send.
   */
  private checkVotedDigests(voter: number, votes: NonNullable<NeoRoundContentValue['votes']>): void {
    if (votes.round < this.nextToDecide) return;
    const row = this.messages.get(votes.round);
    if (!row) return;
    for (const e of votes.entries) {
      const held = e.member < this.n ? row[e.member] : undefined;
      if (!held || e.member === voter || equalBytes(held.digestBytes, e.digest)) continue;
      const digest = byteKey(e.digest);
      if (held.others.some((o) => o.digest === digest)) continue;
      const key = `${votes.round}:${e.member}:${digest}`;
      if (this.evidenceAsked.has(key) || this.evidenceAsked.size >= 4 * MAX_EQUIVOCATIONS) continue;
      this.evidenceAsked.add(key);
      this.deps.transport.send((this.view.members[voter] as NeoMember).endpoint, NeoFetch, { session: this.view.sessionId, view: this.view.number, round: votes.round, member: e.member });
      this.counters.evidenceFetches++;
    }
  }

  /** Stores a message; false when it was a duplicate or a second version (equivocation). */
  private store(round: number, sender: number, signed: SignedRound, content: NeoRoundContentValue, onTime: boolean, signature: Stored['signature']): boolean {
    let row = this.messages.get(round);
    if (!row) this.messages.set(round, (row = new Array<Stored | undefined>(this.n)));
    const digestBytes = digest16(content.update);
    const digest = byteKey(digestBytes);
    const existing = row[sender];
    if (existing) {
      if (equalBytes(existing.signed.content, signed.content)) {
        this.counters.duplicate++;
        return false;
      }
      // The version keeps the verdict of any check below, so forwarding it later does not check again.
      const version: Version = { digest, content, signed, signature };
      // A second version for one round: proof of equivocation once both signatures hold (kept once per member and round).
      if (existing.others.length === 0 && this.signatureHolds(existing, sender, round) && this.signatureHolds(version, sender, round)) {
        this.counters.equivocation++;
        if (this.equivocations.length < MAX_EQUIVOCATIONS) this.equivocations.push({ round, member: sender, first: existing.signed, second: signed });
        this.deps.onEvidence?.({ kind: 'equivocation', member: sender, round, first: existing.signed, second: signed });
      }
      if (existing.others.length < MAX_VERSIONS && !existing.others.some((o) => equalBytes(o.content.update, content.update) && equalBytes(o.content.reveal?.key ?? new Uint8Array(0), content.reveal?.key ?? new Uint8Array(0)))) {
        existing.others.push(version);
      }
      return false;
    }
    row[sender] = { signed, content, digest, digestBytes, ballot: this.readBallot(content), onTime, signature, others: [] };
    return true;
  }

  /** A fetch for a message this member holds: answer once per requester, round and member. */
  answerFetch(requesterKey: Uint8Array, fetch: { session: Uint8Array; view: number; round: number; member: number }): void {
    if (this.stopped || !equalBytes(fetch.session, this.view.sessionId) || fetch.view !== this.view.number) return;
    const requesterIndex = this.view.members.findIndex((m) => equalBytes(m.publicKey, requesterKey));
    if (requesterIndex < 0) return void this.counters.nonMember++;
    const stored = this.messages.get(fetch.round)?.[fetch.member] ?? this.kept.get(fetch.round)?.[fetch.member];
    if (!stored) return;
    // A retry is answered again (the first answer may have been lost), but not faster than every half round.
    const key = `${requesterIndex}:${fetch.round}:${fetch.member}`;
    const now = this.deps.clock.nowMs();
    const last = this.answeredAt.get(key);
    if (last !== undefined && now - last < this.schedule.roundMsAt(Math.max(this.currentRound, this.view.startRound)) / 2) return;
    if (!this.take(this.forwardBudget, this.n, now)) return void this.counters.recoveryThrottled++;
    this.answeredAt.set(key, now);
    // To the member's registered endpoint, not to wherever the request claims to come from. Every
    // version this member holds goes along (at most MAX_VERSIONS + 1): an equivocator's other
    // version is the evidence the asker needs, and the version with the key is what it needs to
    // decide like everyone else.
    // A forwarded copy is only as good as its signature (the asker verifies it): versions whose
    // signature was not checked yet are checked now, and a bad one is not passed on.
    const to = (this.view.members[requesterIndex] as NeoMember).endpoint;
    for (const version of [stored, ...stored.others]) {
      if (!this.signatureHolds(version, fetch.member, fetch.round)) continue;
      this.deps.transport.send(to, NeoForward, version.signed);
      this.counters.forwardsSent++;
    }
  }

  // ---- deciding -----------------------------------------------------------------------------

  private ballotsKnown(round: number): number {
    const row = this.messages.get(round + this.depth);
    let known = 0;
    if (row) for (let v = 0; v < this.n; v++) if (row[v] !== undefined) known++;
    return known;
  }

  /** The ballots on `round`: each voter's round + d message's votes, read when it was stored. */
  private ballots(round: number): (Ballot | undefined)[] {
    const row = this.messages.get(round + this.depth);
    const out = new Array<Ballot | undefined>(this.n);
    for (let v = 0; v < this.n; v++) {
      const m = row?.[v];
      out[v] = m === undefined ? undefined : m.content.votes?.round === round ? m.ballot : EMPTY_BALLOT;
    }
    return out;
  }

  private readBallot(content: NeoRoundContentValue): Ballot {
    const votes = content.votes;
    if (!votes || votes.entries.length === 0) return EMPTY_BALLOT;
    const ballot = new Map<number, string>();
    for (const e of votes.entries) if (e.member < this.n && !ballot.has(e.member)) ballot.set(e.member, byteKey(e.digest));
    return ballot;
  }

  private outcomes(round: number, knownBallots?: (Ballot | undefined)[]): UpdateOutcome[] {
    const final = this.decision(round);
    // A final outcome is certain by construction and never revisited: no re-tally, no re-decryption.
    if (final.pending === 0) return final.outcomes as UpdateOutcome[];
    const ballots = knownBallots ?? this.ballots(round);
    const row = this.messages.get(round) ?? [];
    const revealRow = this.messages.get(round + this.depth) ?? [];
    const out = new Array<UpdateOutcome>(this.n);
    for (let j = 0; j < this.n; j++) {
      const known = final.outcomes[j];
      if (known) {
        out[j] = known;
        continue;
      }
      const outcome = this.outcomeOf(round, j, ballots, row, revealRow, final);
      if (outcome.kind !== 'pending') {
        final.outcomes[j] = outcome;
        final.pending--;
      }
      out[j] = outcome;
    }
    return out;
  }

  private decision(round: number): RoundDecision {
    let decision = this.finalOutcomes.get(round);
    if (!decision) {
      decision = { outcomes: new Array<UpdateOutcome | undefined>(this.n).fill(undefined), votes: new Array<VoteOutcome | undefined>(this.n).fill(undefined), pending: this.n };
      this.finalOutcomes.set(round, decision);
    }
    return decision;
  }

  private outcomeOf(
    round: number,
    j: number,
    ballots: (Ballot | undefined)[],
    row: readonly (Stored | undefined)[],
    revealRow: readonly (Stored | undefined)[],
    decision: RoundDecision,
    final = false,
  ): UpdateOutcome {
    let vote = decision.votes[j];
    if (vote === undefined) {
      vote = tallyVotes(j, ballots);
      // Most evaluations end here while ballots are still coming in: nothing else is gathered for them.
      if (vote.kind === 'undecided') return PENDING_VOTES;
      decision.votes[j] = vote;
    }
    if (vote.kind === 'no-majority') return DROPPED_LATE;
    const mine = row[j];
    const revealMsg = revealRow[j];
    // Waiting for the member's round + d message, which carries the key: nothing to gather yet.
    if (revealMsg === undefined) return PENDING_REVEAL;
    const revealVersions: (Stored | Version)[] = revealMsg.others.length === 0 ? [revealMsg] : [revealMsg, ...revealMsg.others];
    const keys: Uint8Array[] = [];
    for (const version of revealVersions) if (version.content.reveal && version.content.reveal.round === round) keys.push(version.content.reveal.key);
    const outcome = decideUpdate(
      vote,
      (digest) => (mine?.digest === digest ? mine.content.update : mine?.others.find((o) => o.digest === digest)?.content.update),
      { known: true, keys },
      (k, ciphertext) => openCommitment(k, ciphertext, this.context(round, j)),
    );
    if (outcome.kind !== 'dropped' || (outcome.reason !== 'no-key' && outcome.reason !== 'bad-key')) return outcome;
    if (outcome.reason === 'bad-key' && vote.kind === 'majority' && mine) this.reportBadReveal(round, j, vote.digest, mine, revealVersions);
    // A reveal without a key that opens the majority's ciphertext is not final before the forced
    // deadline: a member that signed two versions of its revealing message (the key to some
    // members, none or another to the rest) would otherwise make honest replicas decide
    // differently. Waiting and fetching every version from the others makes every replica hold the
    // same versions by then; an honest member never sends such a reveal, so only a cheater's (or a
    // crashed member's) update waits.
    return final ? outcome : { kind: 'pending', waitingFor: 'reveal' };
  }

  private reportBadReveal(round: number, member: number, digest: string, mine: Stored, reveals: readonly (Stored | Version)[]): void {
    const key = `${member}:${round}`;
    if (this.badRevealsSeen.has(key)) return;
    const commitment = mine.digest === digest ? mine : mine.others.find((o) => o.digest === digest);
    const reveal = reveals.find((v) => v.content.reveal?.round === round);
    if (!commitment || !reveal) return;
    // Evidence for the authority must carry valid signatures; a bad one is this member's proof only.
    if (!this.signatureHolds(commitment, member, round) || !this.signatureHolds(reveal, member, round + this.depth)) return;
    this.badRevealsSeen.add(key);
    this.counters.badReveals++;
    this.deps.onEvidence?.({ kind: 'bad-reveal', member, round, commitment: commitment.signed, reveal: reveal.signed });
  }

  private tryDecide(): void {
    // playRound may end the view (endAfter) and so call back in here: one decision loop at a time.
    if (this.deciding) return;
    this.deciding = true;
    try {
      this.decideReady();
    } finally {
      this.deciding = false;
    }
  }

  private decideReady(): void {
    while (this.nextToDecide <= this.lastRound) {
      const round = this.nextToDecide;
      if (this.deps.canPlay && !this.deps.canPlay(round)) return;
      // Votes on a round close when a member sends its round + d message: nothing is certain before our own.
      if (this.currentRound < round + this.depth) return;
      // Nor before enough of the round + d ballots are in for any tally to be certain either way (the
      // same answer tallyVotes would give, without tallying every member on every arrival).
      if (this.ballotsKnown(round) < this.ballotsBeforeCertain && this.deps.clock.nowMs() < this.forceDeadline(round)) return;
      let outcomes = this.outcomes(round);
      if (outcomes.some((o) => o.kind === 'pending')) {
        if (this.deps.clock.nowMs() < this.forceDeadline(round)) return;
        // Waited long enough: what is still missing is treated as absent, the same way by everyone who waited.
        this.counters.forcedRounds++;
        const row = this.messages.get(round) ?? [];
        const revealRow = this.messages.get(round + this.depth) ?? [];
        const ballots = this.ballots(round);
        outcomes = outcomes.map((o, j) => {
          if (o.kind !== 'pending') return o;
          // A reveal that is here but does not open decides as what it is: no key, or a bad key.
          const held = this.outcomeOf(round, j, ballots, row, revealRow, this.decision(round), true);
          if (held.kind !== 'pending') return held;
          return { kind: 'dropped', reason: o.waitingFor === 'votes' ? 'late' : o.waitingFor === 'reveal' ? 'no-key' : 'no-ciphertext' };
        });
      }
      this.play(round, outcomes);
    }
    if (this.nextToDecide > this.lastRound) this.resolveDone();
  }

  private play(round: number, outcomes: readonly UpdateOutcome[]): void {
    const now = this.deps.clock.nowMs();
    const createdAt = this.schedule.startOf(round);
    const accepted: NeoPlayedUpdate[] = [];
    outcomes.forEach((o, member) => {
      if (member === this.me && o.kind !== 'pending') this.counters[o.kind === 'accepted' ? 'ownAccepted' : 'ownDropped']++;
      if (o.kind === 'accepted') {
        accepted.push({ member, payload: o.payload });
        this.counters.accepted++;
        if (member !== this.me) {
          this.deps.onPlayout?.(Math.max(0, now - createdAt), member);
        }
      } else if (o.kind === 'dropped') {
        this.counters.dropped++;
        this.counters[dropCounter(o.reason)]++;
      }
    });
    this.deps.playRound(round, accepted);
    this.counters.roundsPlayed++;
    const stateHash = toHex(this.deps.stateHash());
    this.playedHashes.set(round, stateHash);
    if (round % this.hashEvery === 0) {
      this.checkpoints.set(round, stateHash);
      if (this.checkpoints.size > MAX_CHECKPOINTS) this.checkpoints.delete(this.checkpoints.keys().next().value as number);
    }
    this.deps.onDecided?.(round, outcomes, stateHash);
    for (const awaited of this.awaitedHashes.get(round) ?? []) this.compareHash(awaited.hash, stateHash);
    this.awaitedHashes.delete(round);
    this.nextToDecide = round + 1;
    this.adapt(round, outcomes);
    this.retire(round);
    this.forget(round);
  }

  /** Row `round` is nobody's ballots or reveals any more once `round` is played: only its signed bytes are kept. */
  private retire(round: number): void {
    const row = this.messages.get(round);
    if (!row) return;
    this.messages.delete(round);
    const kept = new Array<Kept | undefined>(this.n);
    for (let m = 0; m < this.n; m++) {
      const stored = row[m];
      if (stored) kept[m] = { signed: stored.signed, signature: stored.signature, others: stored.others.length === 0 ? NO_VERSIONS : stored.others.map((o) => ({ signed: o.signed, signature: o.signature, others: NO_VERSIONS })) };
    }
    this.kept.set(round, kept);
  }

  private forget(playedRound: number): void {
    // Rounds are kept as long as a slower member may still fetch them before its forced decision.
    const keepFrom = playedRound - this.depth - this.maxWaitRounds;
    for (const r of this.messages.keys()) if (r < keepFrom) this.messages.delete(r);
    for (const r of this.kept.keys()) if (r < keepFrom) this.kept.delete(r);
    for (const r of this.playedHashes.keys()) if (r < playedRound - 4 * this.hashEvery) this.playedHashes.delete(r);
    for (const r of this.awaitedHashes.keys()) if (r <= playedRound) this.awaitedHashes.delete(r);
    for (const r of this.finalOutcomes.keys()) if (r <= playedRound) this.finalOutcomes.delete(r);
    const roundOf = (k: string, at: number) => Number(k.split(':')[at]);
    for (const k of this.asked.keys()) if (roundOf(k, 0) <= playedRound) this.asked.delete(k);
    for (const k of this.evidenceAsked) if (roundOf(k, 0) <= playedRound) this.evidenceAsked.delete(k);
    for (const k of this.badRevealsSeen) if (roundOf(k, 1) < keepFrom) this.badRevealsSeen.delete(k);
    for (const k of this.answeredAt.keys()) if (roundOf(k, 1) < keepFrom) this.answeredAt.delete(k);
  }

  private checkStateHash(member: number, round: number, hash: string): void {
    this.deps.onStateHash?.(member, round, hash);
    const mine = this.playedHashes.get(round);
    if (mine !== undefined) this.compareHash(hash, mine);
    else if (round >= this.nextToDecide) {
      const list = this.awaitedHashes.get(round) ?? [];
      list.push({ member, hash });
      this.awaitedHashes.set(round, list);
    }
  }

  private compareHash(theirs: string, mine: string): void {
    this.counters.stateHashChecks++;
    if (theirs !== mine) this.counters.stateHashMismatches++;
  }

  /**
   * The game was resynchronised (src/groups/resync.ts): its state was replaced by the majority's
   * and replayed forward, so the hashes recorded for these played rounds are replaced by the
   * corrected ones. Later reports and comparisons use them; rounds not held here are ignored.
   */
  replaceStateHashes(hashes: ReadonlyMap<number, string>): void {
    for (const [round, hash] of hashes) {
      if (this.playedHashes.has(round)) this.playedHashes.set(round, hash);
      if (this.checkpoints.has(round)) this.checkpoints.set(round, hash);
    }
  }

  // ---- recovery -----------------------------------------------------------------------------

  /** One recovery timer at a time, whatever number of rounds are waiting. */
  private armFetch(dueMs: number): void {
    if (this.fetchArmed) return;
    this.fetchArmed = true;
    this.at(dueMs, () => {
      this.fetchArmed = false;
      this.fetchMissing();
    });
  }

  /** Ask other members for the messages the oldest undecided round is waiting on. */
  private fetchMissing(): void {
    this.tryDecide();
    const now = this.deps.clock.nowMs();
    let next = Infinity;
    // Every round whose votes are closed here may be missing something, oldest first (the budget
    // goes to the round that blocks playout); messages are kept long enough for later rounds.
    for (let round = this.nextToDecide; round <= Math.min(this.lastRound, this.currentRound - this.depth); round++) {
      // Everything a round needs is due by the start of round + d; ask only after that plus a grace
      // of a full round, so a member merely behind on reading its socket does not ask for what it holds.
      const askFrom = this.schedule.startOf(round + this.depth) + (this.fetchAfterMs ?? this.schedule.roundMsAt(round));
      if (now < askFrom) {
        next = Math.min(next, askFrom);
        break;
      }
      if (this.requestMissing(round, now)) next = Math.min(next, now + this.schedule.roundMsAt(round) / 2, this.forceDeadline(round));
    }
    // Keep asking until decided; past a round's deadline tryDecide (run first, above) forces it.
    // Never sooner than half a round: a round that cannot be played yet (canPlay) stays undecided
    // past its forced deadline, and an already-due timer would spin on it.
    if (next < Infinity) this.armFetch(next > now ? next : now + this.schedule.roundMsAt(this.nextToDecide) / 2);
  }

  /** Takes one token (two fetches, or one forward) from a bucket refilled at `capacity` per round length. */
  private take(bucket: { tokens: number; at: number }, capacity: number, now: number): boolean {
    const roundMs = this.schedule.roundMsAt(Math.max(this.currentRound, this.view.startRound));
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / roundMs) * capacity);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Sends fetches for what one round still lacks; true if it lacks anything. */
  private requestMissing(round: number, now: number): boolean {
    const roundMs = this.schedule.roundMsAt(round);
    const wanted = new Set<string>();
    const ask = (r: number, member: number, preferred: readonly number[]) => {
      const key = `${r}:${member}`;
      if (wanted.has(key)) return;
      wanted.add(key);
      // An answer takes a round trip; asking again sooner only adds load.
      const previous = this.asked.get(key);
      if (previous !== undefined && now - previous.at < roundMs) return;
      if (!this.take(this.fetchBudget, Math.max(2, this.n / 2), now)) return void this.counters.recoveryThrottled++;
      const attempt = previous ? previous.attempts + 1 : 0;
      this.asked.set(key, { at: now, attempts: attempt });
      // Two members per attempt, the members that voted for it first, then rotating through
      // everyone, so neither a lost answer nor a member chosen to lack it can stall the round.
      const others = [...preferred, ...Array.from({ length: this.n }, (_, k) => (member + 1 + k + r) % this.n)].filter(
        (k, i, all) => k !== this.me && k !== member && all.indexOf(k) === i,
      );
      // The author holds its own message too: the one to ask when nobody else can be (a group of
      // two), and a last resort after the others.
      const candidates = member !== this.me ? [...others, member] : others;
      for (let t = 0; t < Math.min(2, candidates.length); t++) {
        const target = candidates[(attempt * 2 + t) % candidates.length] as number;
        this.deps.transport.send((this.view.members[target] as NeoMember).endpoint, NeoFetch, { session: this.view.sessionId, view: this.view.number, round: r, member });
        this.counters.fetchesSent++;
      }
    };
    const ballots = this.ballots(round);
    this.outcomes(round, ballots).forEach((o, j) => {
      if (o.kind !== 'pending') return;
      if (o.waitingFor === 'votes') ballots.forEach((b, v) => b === undefined && v !== j && ask(round + this.depth, v, []));
      else if (o.waitingFor === 'reveal') ask(round + this.depth, j, []);
      else ask(round, j, ballots.flatMap((b, v) => (b?.has(j) ? [v] : [])));
    });
    return wanted.size > 0;
  }

  // ---- round length -------------------------------------------------------------------------

  private adoptProposal(effectiveRound: number, roundMs: number): void {
    // Round effectiveRound starts at the same time under the old and the new length; what changes is
    // only later rounds. So a member that has not yet started effectiveRound can still switch in step.
    if (effectiveRound <= this.currentRound) return;
    // A leader is one member: its proposals must stay inside the bounds every member configured.
    const a = this.adaptation;
    if (!a || roundMs < a.minRoundMs || roundMs > a.maxRoundMs || effectiveRound > this.currentRound + 4 * a.leadRounds) {
      this.counters.proposalsRefused++;
      return;
    }
    if (this.schedule.change(effectiveRound, roundMs)) {
      this.counters.roundLengthChanges++;
      this.adaptFromRound = effectiveRound;
    }
  }

  private adapt(round: number, outcomes: readonly UpdateOutcome[]): void {
    const a = this.adaptation;
    if (!a || this.me !== 0) return;
    // Rounds played at the old length say nothing about the new one.
    if (round < this.adaptFromRound) return;
    this.window.rounds++;
    this.window.updates += outcomes.length;
    this.window.dropped += outcomes.filter((o) => o.kind === 'dropped').length;
    if (this.window.rounds < a.windowRounds || this.proposal || this.schedule.pendingChangeAfter(this.currentRound)) return;
    const current = this.schedule.roundMsAt(this.currentRound);
    let next = current;
    if (this.window.dropped / this.window.updates > a.lateThreshold) next = Math.min(a.maxRoundMs, Math.ceil(current * 1.25));
    else if (this.window.dropped === 0 && this.window.maxOffsetMs < a.earlyFraction * current) next = Math.max(a.minRoundMs, Math.floor(current * 0.9));
    this.window = { rounds: 0, dropped: 0, updates: 0, maxOffsetMs: 0 };
    if (next === current) return;
    const effectiveRound = this.currentRound + a.leadRounds;
    this.proposal = { effectiveRound, roundMs: next };
    if (this.schedule.change(effectiveRound, next)) {
      this.counters.roundLengthChanges++;
      this.adaptFromRound = effectiveRound;
    }
  }
}

function dropCounter(reason: DropReason): NeoCounter {
  switch (reason) {
    case 'late':
      return 'droppedLate';
    case 'no-key':
      return 'droppedNoKey';
    case 'bad-key':
      return 'droppedBadKey';
    case 'no-ciphertext':
      return 'droppedNoCiphertext';
  }
}

function validate(view: NeoView, config: NeoConfig, deps: NeoSessionDeps): void {
  if (!(view.sessionId instanceof Uint8Array) || view.sessionId.length !== SESSION_ID_BYTES) throw new TypeError(`NeoView.sessionId must be ${SESSION_ID_BYTES} bytes`);
  if (!Number.isInteger(view.number) || view.number < 0 || view.number > 0xffffffff) throw new RangeError(`NeoView.number must be a u32, got ${view.number}`);
  if (view.members.length < 1 || view.members.length > MAX_GROUP_SIZE) throw new RangeError(`NeoView.members: between 1 and ${MAX_GROUP_SIZE} members, got ${view.members.length}`);
  if (!Number.isInteger(deps.memberIndex) || deps.memberIndex < 0 || deps.memberIndex >= view.members.length) throw new RangeError(`memberIndex ${deps.memberIndex} is not in the view`);
  const d = config.pipelineDepth ?? 1;
  if (!Number.isInteger(d) || d < 1 || d > 8) throw new RangeError(`pipelineDepth must be an integer in [1, 8], got ${d}`);
  const h = config.stateHashEvery ?? 10;
  if (!Number.isInteger(h) || h < 1) throw new RangeError(`stateHashEvery must be an integer >= 1, got ${h}`);
  const a = config.adaptation;
  if (a && (a.leadRounds < 2 || a.minRoundMs > a.maxRoundMs || a.windowRounds < 1)) throw new RangeError('adaptation: leadRounds >= 2, minRoundMs <= maxRoundMs, windowRounds >= 1');
}
