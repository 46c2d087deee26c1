import { randomBytes } from 'node:crypto';
import { equalBytes, sha256 } from '../crypto/index.js';
import { createLatencyHistogram, type LatencyHistogram } from '../metrics/index.js';
import { endpointId, type Endpoint, type Incoming, type Transport } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import {
  LOCKSTEP_NONCE_BYTES,
  LockstepCommit,
  LockstepReveal,
  MAX_BASELINE_PLAYERS,
  MAX_BASELINE_UPDATE_BYTES,
  type LockstepCommitBody,
  type LockstepRevealBody,
} from './messages.js';
import { checkInteger, checkPositive, deferred, indexRoster, type BaselineScheduler } from './support.js';

/**
 * Lockstep (Baughman & Levine, "Cheat-proof playout for centralized and distributed online
 * games", 2001) over the shared transport: every turn each player commits to its update with a
 * hash, waits for every commitment, reveals, waits for every reveal. docs/baselines.md.
 */

export interface LockstepConfig {
  /** This player's index in the roster. */
  readonly index: number;
  /** Turns to play, numbered from 0. */
  readonly turns: number;
  /** While waiting in a phase, resend this player's message of that phase this often. Default 250. */
  readonly retransmitMs?: number;
  /**
   * Messages of turns [current, current + windowTurns) are kept; later ones are dropped (counted).
   * This player's own messages of the last windowTurns completed turns are kept to answer
   * laggards. Default 4; at least 2 (an honest peer is at most one turn ahead).
   */
  readonly windowTurns?: number;
}

export const LOCKSTEP_DEFAULTS = { retransmitMs: 250, windowTurns: 4 } as const;

export interface LockstepDeps {
  /** This player's transport; its endpoint must be `roster[index]`. One lockstep player per transport. */
  readonly transport: Transport;
  readonly clock: Clock;
  /** Retransmission timers; the shared timer queue. */
  readonly scheduler: BaselineScheduler;
  /** Every player's endpoint, in index order (identical at every player). */
  readonly roster: readonly Endpoint[];
  /** This player's opaque update for a turn (at most MAX_BASELINE_UPDATE_BYTES). */
  readonly nextUpdate: (turn: number) => Uint8Array;
  /**
   * Called once per completed turn with every player's update in index order; null for a player
   * whose reveal did not match its commitment (a cheat: the update is discarded).
   */
  readonly onTurnComplete?: (turn: number, updates: readonly (Uint8Array | null)[]) => void;
  /**
   * Attack hook (tests, attack profiles): the update this player actually reveals, given the one it
   * committed to. Returning different bytes makes this player a cheater whose reveal does not open
   * its commitment; every other player then counts a mismatch and discards that update.
   */
  readonly alterReveal?: (turn: number, committed: Uint8Array) => Uint8Array;
}

export interface LockstepStats {
  turnsCompleted: number;
  /** Per turn: from sending this player's commit to the turn's completion here (ms, shared clock). */
  turnLatency: LatencyHistogram;
  /** Reveals that did not open their commitment (cheats detected); those updates were discarded. */
  mismatches: number;
  /** Datagrams resent by the retransmission timer. */
  retransmits: number;
  /** Answers sent to laggards (own message of a phase this player had already passed). */
  repliesSent: number;
  /** Copies of a message already held (retransmissions, answers). */
  duplicates: number;
  /** A second, different commit or reveal from one player for one turn (the first is kept). */
  equivocations: number;
  /** Messages of a turn at or beyond current + windowTurns (dropped). */
  outOfWindow: number;
  /** From an endpoint outside the roster, naming another player than the sender, or for a turn outside the game. */
  ignored: number;
}

export interface LockstepPlayer {
  /** Resolves when every turn has completed here; rejects if stopped first or if nextUpdate throws. */
  readonly done: Promise<void>;
  stats(): LockstepStats;
  /**
   * Stops timers and ignores every later message. Until then a finished player keeps answering
   * laggards, so stop players only once every one of them is done.
   */
  stop(): void;
}

interface Slot {
  readonly commits: (Uint8Array | undefined)[];
  readonly reveals: (LockstepRevealBody | undefined)[];
  commitCount: number;
  revealCount: number;
}

interface Own {
  readonly commit: LockstepCommitBody;
  readonly committedUpdate: Uint8Array;
  /** Built with the commit, sent only once every commitment of the turn is in. */
  readonly reveal: LockstepRevealBody;
  revealed: boolean;
}

const COMMIT = 0;
const REVEAL = 1;

export function commitmentHash(update: Uint8Array, nonce: Uint8Array): Uint8Array {
  const input = new Uint8Array(update.length + nonce.length);
  input.set(update, 0);
  input.set(nonce, update.length);
  return sha256(input);
}

export function startLockstepPlayer(config: LockstepConfig, deps: LockstepDeps): LockstepPlayer {
  const n = deps.roster.length;
  checkInteger(n, 1, MAX_BASELINE_PLAYERS, 'lockstep: roster length');
  checkInteger(config.index, 0, n - 1, 'lockstep: config.index');
  checkInteger(config.turns, 0, 0xffffffff, 'lockstep: config.turns');
  const retransmitMs = config.retransmitMs ?? LOCKSTEP_DEFAULTS.retransmitMs;
  checkPositive(retransmitMs, 'lockstep: config.retransmitMs');
  const windowTurns = config.windowTurns ?? LOCKSTEP_DEFAULTS.windowTurns;
  checkInteger(windowTurns, 2, 1024, 'lockstep: config.windowTurns');
  const rosterIndex = indexRoster(deps.roster, 'lockstep');
  if (rosterIndex.get(deps.transport.endpointId) !== config.index) {
    throw new TypeError(`lockstep: roster[${config.index}] is not this transport's endpoint ${deps.transport.endpointId}`);
  }

  const { transport, clock, scheduler } = deps;
  const me = config.index;
  const turns = config.turns;
  const turnLatency = createLatencyHistogram();
  const counts = { mismatches: 0, retransmits: 0, repliesSent: 0, duplicates: 0, equivocations: 0, outOfWindow: 0, ignored: 0 };
  const finished = deferred();
  const slots = new Map<number, Slot>();
  const own = new Map<number, Own>();
  // Highest (turn * 2 + phase) seen from each player: a message of a later phase proves that
  // player holds this one's message of every earlier phase.
  const progress = new Array<number>(n).fill(-1);

  let turn = 0;
  let phase = COMMIT;
  let commitSentAtMs = 0;
  let completed = 0;
  let over = false; // every turn completed, or failed
  let stopped = false;
  let timer: { cancel(): boolean } | undefined;

  const position = (): number => (over ? turns * 2 : turn * 2 + phase);

  function slotFor(t: number): Slot {
    let slot = slots.get(t);
    if (!slot) {
      slot = { commits: new Array(n).fill(undefined), reveals: new Array(n).fill(undefined), commitCount: 0, revealCount: 0 };
      slots.set(t, slot);
    }
    return slot;
  }

  function sendTo(j: number, p: number, t: number, reply: boolean): boolean {
    const mine = own.get(t);
    const to = deps.roster[j] as Endpoint;
    if (!mine) return false;
    if (p === COMMIT) transport.send(to, LockstepCommit, reply ? { ...mine.commit, reply } : mine.commit);
    else if (mine.revealed) transport.send(to, LockstepReveal, reply ? { ...mine.reveal, reply } : mine.reveal);
    else return false;
    return true;
  }

  function broadcast(p: number): void {
    for (let j = 0; j < n; j++) if (j !== me) sendTo(j, p, turn, false);
  }

  function armRetransmit(): void {
    timer?.cancel();
    timer = scheduler.schedule(clock.nowMs() + retransmitMs, onRetransmitTimer);
  }

  function onRetransmitTimer(): void {
    timer = undefined;
    if (stopped || over) return;
    const slot = slotFor(turn);
    const here = turn * 2 + phase;
    for (let j = 0; j < n; j++) {
      if (j === me) continue;
      // Resend to whoever may lack this player's message (has shown no later phase) and to whoever
      // this player lacks a message from (so a peer that has moved on answers with it).
      const missing = phase === COMMIT ? slot.commits[j] === undefined : slot.reveals[j] === undefined;
      if ((progress[j] as number) <= here || missing) {
        if (sendTo(j, phase, turn, false)) counts.retransmits++;
      }
    }
    armRetransmit();
  }

  function fail(error: unknown): void {
    over = true;
    timer?.cancel();
    finished.reject(error);
  }

  function startTurn(): void {
    const update = deps.nextUpdate(turn);
    if (!(update instanceof Uint8Array) || update.length > MAX_BASELINE_UPDATE_BYTES) {
      throw new RangeError(`lockstep: nextUpdate(${turn}) must return a Uint8Array of at most ${MAX_BASELINE_UPDATE_BYTES} bytes`);
    }
    const nonce = new Uint8Array(randomBytes(LOCKSTEP_NONCE_BYTES));
    const commit: LockstepCommitBody = { turn, player: me, reply: false, hash: commitmentHash(update, nonce) };
    const revealed = deps.alterReveal ? deps.alterReveal(turn, update) : update;
    own.set(turn, { commit, committedUpdate: update, reveal: { turn, player: me, reply: false, update: revealed, nonce }, revealed: false });
    own.delete(turn - windowTurns);
    phase = COMMIT;
    const slot = slotFor(turn);
    slot.commits[me] = commit.hash;
    slot.commitCount++;
    commitSentAtMs = clock.nowMs();
    broadcast(COMMIT);
    armRetransmit();
  }

  function enterReveal(): void {
    const mine = own.get(turn) as Own;
    mine.revealed = true;
    phase = REVEAL;
    const slot = slotFor(turn);
    slot.reveals[me] = mine.reveal;
    slot.revealCount++;
    broadcast(REVEAL);
    armRetransmit();
  }

  function completeTurn(): void {
    const slot = slotFor(turn);
    const updates: (Uint8Array | null)[] = new Array(n).fill(null);
    for (let j = 0; j < n; j++) {
      if (j === me) {
        updates[j] = (own.get(turn) as Own).committedUpdate;
        continue;
      }
      const reveal = slot.reveals[j] as LockstepRevealBody;
      if (equalBytes(commitmentHash(reveal.update, reveal.nonce), slot.commits[j] as Uint8Array)) updates[j] = reveal.update;
      else counts.mismatches++;
    }
    turnLatency.recordMs(clock.nowMs() - commitSentAtMs);
    slots.delete(turn);
    completed++;
    deps.onTurnComplete?.(turn, updates);
  }

  /** Moves through every phase whose messages are all in; runs until it has to wait. */
  function advance(): void {
    try {
      while (!stopped && !over) {
        const slot = slotFor(turn);
        if (phase === COMMIT) {
          if (slot.commitCount < n) return;
          enterReveal();
          continue;
        }
        if (slot.revealCount < n) return;
        completeTurn();
        turn++;
        if (turn >= turns) {
          over = true;
          timer?.cancel();
          timer = undefined;
          finished.resolve();
          return;
        }
        startTurn();
      }
    } catch (error) {
      // Only our own collaborators throw here (nextUpdate, onTurnComplete, a send programmer error).
      fail(error);
    }
  }

  function onMessage(p: number, msg: Incoming<LockstepCommitBody | LockstepRevealBody>): void {
    if (stopped) return;
    const j = rosterIndex.get(endpointId(msg.from));
    const body = msg.body;
    if (j === undefined || j === me || body.player !== j || body.turn >= turns) {
      counts.ignored++;
      return;
    }
    const t = body.turn;
    const at = t * 2 + p;
    if (at > (progress[j] as number)) progress[j] = at;
    if (at < position() && !body.reply) {
      // The sender is still waiting in a phase this player has passed: answer with this player's
      // message of that phase. Answers are never answered, so two players cannot ping-pong.
      if (sendTo(j, p, t, true)) counts.repliesSent++;
    }
    if (over || t < turn) return; // a completed turn: nothing left to collect
    if (t >= turn + windowTurns) {
      counts.outOfWindow++;
      return;
    }
    const slot = slotFor(t);
    if (p === COMMIT) {
      const hash = (body as LockstepCommitBody).hash;
      const held = slot.commits[j];
      if (held === undefined) {
        slot.commits[j] = hash;
        slot.commitCount++;
      } else if (equalBytes(held, hash)) counts.duplicates++;
      else counts.equivocations++;
    } else {
      const reveal = body as LockstepRevealBody;
      const held = slot.reveals[j];
      if (held === undefined) {
        slot.reveals[j] = { turn: t, player: j, reply: false, update: reveal.update, nonce: reveal.nonce };
        slot.revealCount++;
      } else if (equalBytes(held.update, reveal.update) && equalBytes(held.nonce, reveal.nonce)) counts.duplicates++;
      else counts.equivocations++;
    }
    if (t === turn) advance();
  }

  transport.handle(LockstepCommit, (msg) => onMessage(COMMIT, msg));
  transport.handle(LockstepReveal, (msg) => onMessage(REVEAL, msg));

  if (turns === 0) {
    over = true;
    finished.resolve();
  } else {
    try {
      startTurn();
      advance();
    } catch (error) {
      fail(error);
    }
  }

  return {
    done: finished.promise,
    stats: () => ({ turnsCompleted: completed, turnLatency, ...counts }),
    stop() {
      if (stopped) return;
      stopped = true;
      timer?.cancel();
      timer = undefined;
      if (!over) {
        over = true;
        finished.reject(new Error(`lockstep player ${me}: stopped after ${completed} of ${turns} turns`));
      }
    },
  };
}
