import { equalBytes, toHex } from '../crypto/index.js';
import { decodeState, encodeState, restoreGame, type Game, type RoundUpdate, type Avatar, type GameEffect } from '../game/index.js';
import { strictMajority, type NeoCounter } from '../neo/index.js';
import type { Incoming, Transport } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle } from '../time/timer-queue.js';
import { DecodeError } from '../wire/index.js';
import { GroupResyncFetch, GroupResyncState, MAX_STATE_BYTES, type GroupResyncFetchBody, type GroupResyncStateBody } from './messages.js';

/**
 * Resynchronisation of a replica whose game state split from its group's (SPEC §5: "a replica
 * whose state hash disagrees with the majority's resynchronises … within a bounded number of
 * rounds"). Design and bounds: docs/protocol-neo.md, "Resynchronisation".
 *
 *  detect   NEO hands over every state-hash report of the view (NeoSessionDeps.onStateHash); per
 *           (view, round) they are tallied with this replica's own hash of that round. A strict
 *           majority of the view on one hash that is not this replica's own: divergent.
 *  fetch    ask one member of that majority for its encoded state after that round (it kept the
 *           states it reported, the last few); at most MAX_ASKS members, RETRY_ROUNDS apart.
 *  verify   restore the state and hash it: only the majority's hash is accepted.
 *  catch up replay the accepted updates (and seat changes) this replica recorded for the rounds it
 *           played after that one — the accepted sets are agreed by NEO independently of game
 *           state, so the replay ends in the majority's state — and swap the game in.
 */

/** What one round's state-hash reports say about this replica. */
export type CheckpointVerdict =
  /** No hash has a strict majority of the view (a tie included): nobody resyncs on this round. */
  | { readonly kind: 'no-majority' }
  /** A majority hash exists but this replica has not played the round (yet). */
  | { readonly kind: 'unknown' }
  | { readonly kind: 'in-majority'; readonly hash: string }
  /** The majority's hash, and the members that reported it (ascending, this replica excluded). */
  | { readonly kind: 'divergent'; readonly hash: string; readonly holders: readonly number[] };

/**
 * The detection rule: `reports` maps member index → hash reported for one round, this replica's
 * own (`me`) included when known. Entries outside the view are ignored. A strict majority of the
 * whole view (⌊n/2⌋ + 1, not of the reports) must agree, so a minority — one liar, or a tie —
 * never moves anyone, and at most one hash can qualify.
 */
export function checkpointVerdict(viewSize: number, me: number, reports: ReadonlyMap<number, string>): CheckpointVerdict {
  const needed = strictMajority(viewSize);
  const counts = new Map<string, number>();
  for (const [member, hash] of reports) if (Number.isInteger(member) && member >= 0 && member < viewSize) counts.set(hash, (counts.get(hash) ?? 0) + 1);
  let majority: string | undefined;
  for (const [hash, n] of counts) if (n >= needed) majority = hash;
  if (majority === undefined) return { kind: 'no-majority' };
  const mine = reports.get(me);
  if (mine === undefined) return { kind: 'unknown' };
  if (mine === majority) return { kind: 'in-majority', hash: majority };
  const holders = [...reports]
    .filter(([m, h]) => h === majority && m !== me && m >= 0 && m < viewSize)
    .map(([m]) => m)
    .sort((a, b) => a - b);
  return { kind: 'divergent', hash: majority, holders };
}

/** Members of that majority asked per detection before it counts as a failure. */
export const RESYNC_MAX_ASKS = 3;
/** Rounds to wait for an answer before asking the next member of the majority. */
export const RESYNC_RETRY_ROUNDS = 2;
/**
 * A detection heals within this many rounds of the schedule, counting the round in progress at
 * detection and at healing, or counts as a failure (`resyncFailures`); the next checkpoint then
 * tries again. The documented bound the tests check.
 */
export const RESYNC_BOUND_ROUNDS = RESYNC_MAX_ASKS * RESYNC_RETRY_ROUNDS + 1;
/** One replica as the end-of-run check sees it. */
export interface ReplicaAtEnd {
  readonly group: number;
  /** The last round it played (-1: none yet; such a replica is left out). */
  readonly lastRound: number;
  /** Its state hash after `round`, if it still keeps it. */
  hashAt(round: number): string | undefined;
}

/**
 * Replicas whose state, at the last round every replica of their group played, lies outside a strict
 * majority of the group's replicas; all of a group's replicas when no hash has a strict majority (a
 * group split in halves is divergent on both sides), and a replica that no longer keeps that round's
 * hash counts as outside. A replica that diverged and healed counts 0.
 */
export function countDivergentReplicas(replicas: readonly ReplicaAtEnd[]): number {
  const byGroup = new Map<number, ReplicaAtEnd[]>();
  for (const r of replicas) {
    if (r.lastRound < 0) continue;
    const members = byGroup.get(r.group) ?? [];
    members.push(r);
    byGroup.set(r.group, members);
  }
  let divergent = 0;
  for (const members of byGroup.values()) {
    const round = Math.min(...members.map((m) => m.lastRound));
    const votes = new Map<string, number>();
    for (const m of members) {
      const hash = m.hashAt(round);
      if (hash !== undefined) votes.set(hash, (votes.get(hash) ?? 0) + 1);
    }
    const agreeing = Math.max(0, ...votes.values());
    divergent += agreeing > members.length / 2 ? members.length - agreeing : members.length;
  }
  return divergent;
}

/** Encoded states kept for others to fetch: those of the last few checkpoints this member reported. */
export const RESYNC_SNAPSHOTS_KEPT = 4;

/** Group counters the resync keeps (GROUP_COUNTERS lists them). */
export const RESYNC_GROUP_COUNTERS = [
  /** Rounds on which a strict majority reported a hash that is not this replica's (each starts a resync). */
  'divergencesDetected',
  'resyncFetchesSent',
  /** Fetches not answered: outside the view, another session, a round whose state is not kept, too frequent. */
  'resyncFetchesRefused',
  'resyncStatesSent',
  /** States refused: not asked for (or no longer), undecodable, or not hashing to the majority's hash. */
  'resyncStatesRefused',
] as const;
export type ResyncGroupCounter = (typeof RESYNC_GROUP_COUNTERS)[number];
type ResyncNeoCounter = Extract<NeoCounter, 'resyncs' | 'resyncFailures' | 'roundsDivergent'>;

/** A view as the resync needs it: the members' keys and endpoints in NEO order. */
export interface ResyncView {
  readonly sessionId: Uint8Array;
  readonly number: number;
  readonly members: readonly { readonly publicKey: Uint8Array; readonly endpoint: { readonly host: string; readonly port: number } }[];
}

/** One successful resync, for observers (tests, telemetry). */
export interface ResyncOutcome {
  /** The round whose state was fetched (the majority's checkpoint). */
  readonly round: number;
  /** Rounds replayed on top of it: this replica's last played round minus `round`. */
  readonly replayed: number;
  /** Rounds of the schedule from the first detection to now, both counted. */
  readonly roundsDivergent: number;
  /** Members asked before a state verified. */
  readonly asked: number;
}

export interface ResyncConfig {
  /** h: NEO's state-hash period; the windows kept here scale with it. */
  readonly stateHashEvery: number;
  /** Seats in the game: a state for another number is refused. */
  readonly seats: number;
}

export interface ResyncDeps {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  readonly publicKey: Uint8Array;
  /** The group's counters; the resync increments its own (RESYNC_GROUP_COUNTERS) in place. */
  readonly counters: Record<ResyncGroupCounter, number>;
  /** The game as played so far (null while a joiner has none). */
  game(): Game | null;
  /** Swap in the healed game; `hashes` are the corrected hashes of the fetched round and every replayed one. */
  adopt(game: Game, hashes: ReadonlyMap<number, string>): void;
  /** The current view: fetches are answered for its members only. */
  view(): ResyncView | null;
  roundMs(): number;
  /** The round of the schedule in progress now. */
  roundNow(): number;
  onResync?: (outcome: ResyncOutcome) => void;
}

interface Tally {
  readonly view: ResyncView;
  readonly me: number;
  readonly round: number;
  /** Other members' reports; this replica's own hash is taken from what it played. */
  readonly reports: Map<number, string>;
  settled: boolean;
}

interface Attempt {
  readonly view: ResyncView;
  readonly round: number;
  readonly hash: string;
  readonly holders: readonly number[];
  /** Where in `holders` the rotation starts: members that diverge together do not all ask the same one. */
  readonly first: number;
  asked: number;
  /** The member asked last: a bad state from it moves on at once, one from anybody else does not. */
  target: number;
  timer: TimerHandle | null;
}

interface LoggedRound {
  /** The round's updates packed into one buffer (see packUpdates): the log spans seconds, and one
   * small buffer per update kept that long was a third of a shard's live ArrayBuffers. */
  readonly updates: PackedUpdates;
  /** Effects the round's votes decided, applied right after its updates. */
  readonly effects: readonly GameEffect[];
  /** Seat changes applied right after the round (a view change), in order. */
  readonly seats: { seat: number; occupied: boolean; avatar?: Avatar }[];
}

interface PackedUpdates {
  readonly members: readonly number[];
  /** Where each update's payload ends in `bytes`. */
  readonly ends: readonly number[];
  readonly bytes: Uint8Array;
}

export function packUpdates(updates: readonly RoundUpdate[]): PackedUpdates {
  let length = 0;
  for (const u of updates) length += u.payload.length;
  const bytes = new Uint8Array(length);
  const members: number[] = [];
  const ends: number[] = [];
  let offset = 0;
  for (const u of updates) {
    bytes.set(u.payload, offset);
    offset += u.payload.length;
    members.push(u.member);
    ends.push(offset);
  }
  return { members, ends, bytes };
}

export function unpackUpdates(packed: PackedUpdates): RoundUpdate[] {
  return packed.members.map((member, i) => ({ member, payload: packed.bytes.subarray(i === 0 ? 0 : (packed.ends[i - 1] as number), packed.ends[i] as number) }));
}

/** One group member's resynchronisation; the member feeds it what it plays and what NEO reports. */
export class Resync {
  /** Rounds around the last played one within which reports are tallied and played rounds are logged. */
  private readonly window: number;
  private readonly tallies = new Map<string, Tally>();
  /** This replica's hash after each recent round it played. */
  private readonly own = new Map<number, string>();
  private readonly snapshots = new Map<number, Uint8Array>();
  private readonly log = new Map<number, LoggedRound>();
  private attempt: Attempt | null = null;
  /** Round in progress at the first detection of the divergence still unhealed. */
  private divergentSince: number | null = null;
  /** Rounds before the last healed one are history: their hashes are the pre-heal ones. */
  private floor = -1;
  private lastPlayed = -1;
  private readonly answeredAt = new Map<string, number>();
  readonly neo: Record<ResyncNeoCounter, number> = { resyncs: 0, resyncFailures: 0, roundsDivergent: 0 };

  constructor(
    private readonly config: ResyncConfig,
    private readonly deps: ResyncDeps,
  ) {
    // The window must hold the rounds played while a fetch is outstanding (at most
    // RESYNC_MAX_ASKS · RESYNC_RETRY_ROUNDS) on top of how far the checkpoint lags, and reach back
    // as far as NEO keeps its own played hashes (4h).
    this.window = Math.max(4 * config.stateHashEvery, 4 * RESYNC_BOUND_ROUNDS);
  }

  // ---- what the member feeds in -------------------------------------------------------------------

  /** A state-hash report of `member` for `round` in `view` (NeoSessionDeps.onStateHash); `me` is this member's index there. */
  report(view: ResyncView, me: number, member: number, round: number, hash: string): void {
    // Our own report: keep the state it vouches for, so a member that disagrees can fetch it.
    if (member === me) return this.keepSnapshot(round);
    if (round < this.floor || round < this.lastPlayed - this.window || round > this.lastPlayed + this.window) return;
    const key = `${view.number}:${round}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      // Pruned as rounds are played; the cap only guards against a flood of distinct rounds.
      if (this.tallies.size >= 8 * this.window) return;
      this.tallies.set(key, (tally = { view, me, round, reports: new Map(), settled: false }));
    }
    // The latest report counts: a member that resynced reports its corrected hash.
    tally.reports.set(member, hash);
    this.evaluate(tally);
  }

  /** This member played `round` (of `view`) and its state now hashes to `hash` (hex). */
  played(view: ResyncView, round: number, hash: string): void {
    this.lastPlayed = Math.max(this.lastPlayed, round);
    this.own.set(round, hash);
    const oldest = this.lastPlayed - this.window;
    for (const r of this.own.keys()) {
      if (r >= oldest) break;
      this.own.delete(r);
    }
    for (const [key, t] of this.tallies) if (t.round < oldest) this.tallies.delete(key);
    const tally = this.tallies.get(`${view.number}:${round}`);
    if (tally) this.evaluate(tally);
  }

  /** The accepted updates `round` was played with (by seat) and the effects its votes decided, so the round can be replayed on a fetched state. */
  record(round: number, updates: readonly RoundUpdate[], effects: readonly GameEffect[] = []): void {
    this.log.set(round, { updates: packUpdates(updates), effects, seats: [] });
    for (const r of this.log.keys()) {
      if (r >= round - this.window) break;
      this.log.delete(r);
    }
  }

  /** A seat changed right after `round` was played (a view change). */
  recordSeat(round: number, seat: number, occupied: boolean, avatar?: Avatar): void {
    this.log.get(round)?.seats.push({ seat, occupied, ...(avatar ? { avatar } : {}) });
  }

  // ---- detection ----------------------------------------------------------------------------------

  private evaluate(tally: Tally): void {
    if (tally.settled || tally.round < this.floor) return;
    const mine = this.own.get(tally.round);
    if (mine === undefined) return;
    const verdict = checkpointVerdict(tally.view.members.length, tally.me, new Map([...tally.reports, [tally.me, mine]]));
    if (verdict.kind === 'in-majority') tally.settled = true;
    // A majority without this replica always has a member besides it; the guard is for the type.
    if (verdict.kind !== 'divergent' || verdict.holders.length === 0) return;
    // One resync at a time; this tally is looked at again when it ends.
    if (this.attempt) return;
    tally.settled = true;
    this.deps.counters.divergencesDetected++;
    this.divergentSince ??= this.deps.roundNow();
    const { holders } = verdict;
    this.attempt = { view: tally.view, round: tally.round, hash: verdict.hash, holders, first: (tally.me + tally.round) % holders.length, asked: 0, target: -1, timer: null };
    this.askNext();
  }

  /** After a resync ended: the newest round still unsettled may show a divergence already reported. */
  private reevaluate(): void {
    const open = [...this.tallies.values()].filter((t) => !t.settled).sort((a, b) => b.round - a.round);
    for (const t of open) {
      this.evaluate(t);
      if (this.attempt) return;
    }
  }

  // ---- fetching -----------------------------------------------------------------------------------

  private askNext(): void {
    const a = this.attempt as Attempt;
    a.timer?.cancel();
    a.timer = null;
    if (a.asked >= Math.min(RESYNC_MAX_ASKS, a.holders.length)) return this.giveUp(a);
    a.target = a.holders[(a.first + a.asked) % a.holders.length] as number;
    a.asked++;
    const to = a.view.members[a.target];
    if (to) {
      this.deps.transport.send(to.endpoint, GroupResyncFetch, { session: a.view.sessionId, round: a.round });
      this.deps.counters.resyncFetchesSent++;
    }
    a.timer = this.deps.scheduler.schedule(this.deps.clock.nowMs() + RESYNC_RETRY_ROUNDS * this.deps.roundMs(), () => {
      if (this.attempt === a) this.askNext();
    });
  }

  private giveUp(a: Attempt): void {
    a.timer?.cancel();
    this.attempt = null;
    this.neo.resyncFailures++;
    this.reevaluate();
  }

  /** A member of the view asks for the state this member reported for a round. */
  answer(m: Incoming<GroupResyncFetchBody>): void {
    const view = this.deps.view();
    const key = m.senderKey;
    const asker = view && key && equalBytes(m.body.session, view.sessionId) && !equalBytes(key, this.deps.publicKey) ? view.members.findIndex((s) => equalBytes(s.publicKey, key)) : -1;
    const state = this.snapshots.get(m.body.round);
    if (!view || !key || asker < 0 || !state) return void this.deps.counters.resyncFetchesRefused++;
    // An honest asker asks a member once per detection; a repeat within half a round only costs bandwidth.
    const id = `${toHex(key)}:${m.body.round}`;
    const now = this.deps.clock.nowMs();
    const last = this.answeredAt.get(id);
    if (last !== undefined && now - last < this.deps.roundMs() / 2) return void this.deps.counters.resyncFetchesRefused++;
    if (this.answeredAt.size >= 64) this.answeredAt.clear();
    this.answeredAt.set(id, now);
    // To the member's registered endpoint, never to wherever the datagram claims to come from.
    this.deps.transport.send((view.members[asker] as ResyncView['members'][number]).endpoint, GroupResyncState, { session: view.sessionId, round: m.body.round, state });
    this.deps.counters.resyncStatesSent++;
  }

  /** A state answering a fetch: used only if it hashes to the majority's hash for the round asked. */
  receive(m: Incoming<GroupResyncStateBody>): void {
    const a = this.attempt;
    if (!a || !equalBytes(m.body.session, a.view.sessionId) || m.body.round !== a.round) return void this.deps.counters.resyncStatesRefused++;
    const game = this.verified(m.body.state, a);
    if (!game) {
      this.deps.counters.resyncStatesRefused++;
      // Only the member asked last moves the rotation on: anyone else could otherwise exhaust it.
      const fromTarget = m.senderKey !== null && equalBytes(m.senderKey, a.view.members[a.target]?.publicKey ?? new Uint8Array(0));
      if (fromTarget) this.askNext();
      return;
    }
    this.heal(a, game);
  }

  private verified(bytes: Uint8Array, a: Attempt): Game | null {
    try {
      const snapshot = decodeState(bytes);
      if (snapshot.round !== a.round || snapshot.members.length !== this.config.seats) return null;
      const game = restoreGame(snapshot);
      return toHex(game.stateHash()) === a.hash ? game : null;
    } catch (e) {
      if (e instanceof DecodeError || e instanceof RangeError || e instanceof TypeError) return null;
      throw e;
    }
  }

  // ---- healing ------------------------------------------------------------------------------------

  /** Replays what this replica played after the fetched round onto the fetched state, then swaps it in. */
  private heal(a: Attempt, game: Game): void {
    const current = this.deps.game();
    if (!current || current.lastRound < a.round) return this.giveUp(a);
    const hashes = new Map<number, string>([[a.round, a.hash]]);
    for (let r = a.round + 1; r <= current.lastRound; r++) {
      const entry = this.log.get(r);
      // The log no longer reaches back to the fetched round: this state cannot be brought forward.
      if (!entry) return this.giveUp(a);
      game.applyRound(r, unpackUpdates(entry.updates));
      game.applyEffects(entry.effects);
      for (const s of entry.seats) game.setSeat(s.seat, s.occupied, s.avatar);
      hashes.set(r, toHex(game.stateHash()));
    }
    a.timer?.cancel();
    this.attempt = null;
    this.deps.adopt(game, hashes);
    for (const [r, h] of hashes) if (this.own.has(r)) this.own.set(r, h);
    // The states kept for rounds after the fetched one were the split ones.
    for (const r of this.snapshots.keys()) if (r > a.round) this.snapshots.delete(r);
    this.floor = a.round;
    const now = this.deps.roundNow();
    const rounds = now - (this.divergentSince ?? now) + 1;
    this.divergentSince = null;
    this.neo.resyncs++;
    this.neo.roundsDivergent += rounds;
    this.deps.onResync?.({ round: a.round, replayed: current.lastRound - a.round, roundsDivergent: rounds, asked: a.asked });
    // If it forked again after the fetched round (a later round decided by force differently), a
    // checkpoint already reported shows it now, against the corrected hashes.
    this.reevaluate();
  }

  private keepSnapshot(round: number): void {
    const game = this.deps.game();
    if (!game || game.lastRound !== round) return;
    const bytes = encodeState(game.snapshot());
    if (bytes.length > MAX_STATE_BYTES) return;
    this.snapshots.delete(round);
    this.snapshots.set(round, bytes);
    for (const r of this.snapshots.keys()) {
      if (this.snapshots.size <= RESYNC_SNAPSHOTS_KEPT) break;
      this.snapshots.delete(r);
    }
  }

  /** Stops the outstanding fetch (the member crashed or left). */
  stop(): void {
    this.attempt?.timer?.cancel();
    this.attempt = null;
  }
}
