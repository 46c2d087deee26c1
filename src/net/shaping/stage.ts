import type { Rng } from '../../random/index.js';
import { MAX_STAGE_DELAY_MS, type DelayDist, type DropReason, type LinkProfile, type LossModel } from './types.js';

/** True when a profile cannot change a datagram: such stages are skipped entirely. */
export function isIdentityProfile(p: LinkProfile | undefined): boolean {
  if (p === undefined) return true;
  return (
    delayIsZero(p.delay) &&
    (p.jitterMs ?? 0) === 0 &&
    lossIsZero(p.loss) &&
    (p.duplicate ?? 0) === 0 &&
    (p.reorder?.p ?? 0) === 0 &&
    p.bandwidthBps === undefined
  );
}

function delayIsZero(d: DelayDist | undefined): boolean {
  if (d === undefined) return true;
  switch (d.kind) {
    case 'constant':
      return d.ms === 0;
    case 'uniform':
      return d.maxMs === 0;
    case 'normal':
      return d.meanMs === 0 && d.stdMs === 0;
    case 'pareto':
      return false;
  }
}

function lossIsZero(l: LossModel | undefined): boolean {
  if (l === undefined) return true;
  if (l.kind === 'bernoulli') return l.p === 0;
  return l.lossInGood === 0 && l.lossInBad === 0;
}

/**
 * One copy of a datagram in flight along the sender side (or the receiver's downlink).
 *
 * Serialization queues run on the undelayed timeline: `t` is only the time the copy finished
 * serialization on the stages so far (the send time, plus queueing and serialization on every
 * capped stage), so it never decreases from one datagram to the next at a stage and the next
 * stage's queue serves datagrams in send order. Everything else the copy is held (propagation
 * delays, jitter, waits on an `inOrder` stage, reorder holds, a duplicate's own delay) is its
 * hold, added at the end: the due time is `t + hold`. The hold is kept in two parts, so that an
 * `inOrder` stage orders copies by the part that is subject to FIFO order:
 * `departMs - t` (delays and FIFO waits) and `outOfOrderMs` (holds that lie outside every FIFO).
 * `departMs` is stored as an absolute time rather than as a difference so that FIFO order, a max
 * of absolute times, survives floating-point rounding exactly.
 */
export interface Copy {
  /** Serialization-completion time so far; non-decreasing in send order at each stage. */
  t: number;
  /** `t` plus the delays and FIFO waits so far: when the copy would leave on a FIFO path. */
  departMs: number;
  /** Reorder holds, and the extra delay of a duplicate later than its original: nobody waits for these. */
  outOfOrderMs: number;
  /** Some stage held this copy back for reordering. */
  reordered: boolean;
}

/** A copy entering the first stage at `nowMs`. */
export function freshCopy(nowMs: number): Copy {
  return { t: nowMs, departMs: nowMs, outOfOrderMs: 0, reordered: false };
}

/** When the copy is due, the total hold clamped to `maxHoldMs` (stages passed × MAX_STAGE_DELAY_MS). */
export function dueTime(c: Copy, maxHoldMs: number): number {
  return Math.min(c.departMs + c.outOfOrderMs, c.t + maxHoldMs);
}

export type StageOutcome = { drop: DropReason } | { copies: Copy[]; duplicated: boolean };

/**
 * The state of one stage (an access uplink, a directed link, or an access downlink): its
 * Gilbert–Elliott state, its serialization queue and its FIFO horizon. Each random aspect draws
 * from its own sub-stream, so turning one knob (say, duplication) does not reshuffle the samples
 * of another (say, delay) between two runs with the same seed.
 */
export class Stage {
  private readonly profile: LinkProfile;
  private readonly rng: Rng;
  private lossRng: Rng | undefined;
  private delayRng: Rng | undefined;
  private jitterRng: Rng | undefined;
  private reorderRng: Rng | undefined;
  private dupRng: Rng | undefined;

  private geBad = false;
  private lastFifoMs = -Infinity;
  private queuedBytes = 0;
  private queueAtMs = -Infinity;

  constructor(profile: LinkProfile, rng: Rng) {
    this.profile = profile;
    this.rng = rng;
  }

  offer(copy: Copy, bytes: number): StageOutcome {
    const p = this.profile;

    // Loss before the queue, as netem does: a lost datagram occupies no bandwidth here.
    if (p.loss !== undefined && this.lost(p.loss)) return { drop: 'loss' };

    // The queue sees the copy at its serialization time (send order), not at its delayed time:
    // earlier stages' propagation delays are not applied before it. docs/shaping.md.
    let txDone = copy.t;
    if (p.bandwidthBps !== undefined) {
      const at = Math.max(copy.t, this.queueAtMs);
      if (this.queuedBytes > 0) {
        this.queuedBytes = Math.max(0, this.queuedBytes - ((at - this.queueAtMs) * p.bandwidthBps) / 8000);
      }
      this.queueAtMs = at;
      if (p.queueLimitBytes !== undefined && this.queuedBytes + bytes > p.queueLimitBytes) return { drop: 'queue-overflow' };
      this.queuedBytes += bytes;
      txDone = at + (this.queuedBytes * 8000) / p.bandwidthBps;
    }
    // Waiting in this queue delays everything that follows by the same amount.
    const shifted = txDone === copy.t ? copy.departMs : copy.departMs + (txDone - copy.t);

    if (p.delay !== undefined && p.delay.kind !== 'constant') this.delayRng ??= this.rng.fork('delay');
    if (p.jitterMs !== undefined && p.jitterMs > 0) this.jitterRng ??= this.rng.fork('jitter');
    // Only an inOrder stage makes a datagram wait for its predecessors. It compares full times
    // (earlier stages' delays included), but not out-of-order holds: those hold nobody back.
    const fifoBefore = p.inOrder === true ? this.lastFifoMs : -Infinity;
    const depart = Math.max(shifted + this.sampleDelay(this.delayRng, this.jitterRng), fifoBefore);
    // A held datagram keeps its FIFO slot (later ones still queue behind that slot); only the
    // hold lies outside the FIFO constraint, which is what lets later datagrams overtake it.
    if (p.inOrder === true) this.lastFifoMs = depart;
    let outOfOrderMs = copy.outOfOrderMs;
    let reordered = copy.reordered;
    if (p.reorder !== undefined && p.reorder.p > 0) {
      this.reorderRng ??= this.rng.fork('reorder');
      if (this.reorderRng.float() < p.reorder.p) {
        reordered = true;
        outOfOrderMs += Math.min(p.reorder.extraDelayMs, MAX_STAGE_DELAY_MS);
      }
    }
    const first: Copy = { t: txDone, departMs: depart, outOfOrderMs, reordered };

    if (p.duplicate !== undefined && p.duplicate > 0) {
      this.dupRng ??= this.rng.fork('duplicate');
      if (this.dupRng.float() < p.duplicate) {
        // The copy shares the original's serialization slot (duplication happens past the
        // bottleneck) but takes its own delay, so it may arrive before or after its original.
        // It never overtakes the original's predecessors, and it holds back nobody: a copy later
        // than its original rides in the original's FIFO slot plus an out-of-order hold.
        const depart2 = Math.max(shifted + this.sampleDelay(this.dupRng, this.dupRng), fifoBefore);
        const base = { t: txDone, outOfOrderMs: copy.outOfOrderMs, reordered: copy.reordered };
        const copies: Copy[] =
          depart2 < depart
            ? [{ ...base, departMs: depart2 }, first]
            : [first, { ...base, departMs: depart, outOfOrderMs: base.outOfOrderMs + (depart2 - depart) }];
        return { copies, duplicated: true };
      }
    }
    return { copies: [first], duplicated: false };
  }

  private lost(model: LossModel): boolean {
    this.lossRng ??= this.rng.fork('loss');
    if (model.kind === 'bernoulli') return model.p > 0 && this.lossRng.float() < model.p;
    // Step the chain first, then draw loss in the state this datagram finds the channel in.
    const u = this.lossRng.float();
    this.geBad = this.geBad ? !(u < model.pBadToGood) : u < model.pGoodToBad;
    const pLoss = this.geBad ? model.lossInBad : model.lossInGood;
    if (pLoss === 0) return false;
    if (pLoss === 1) return true;
    return this.lossRng.float() < pLoss;
  }

  private sampleDelay(rng: Rng | undefined, jitterRng: Rng | undefined): number {
    const p = this.profile;
    let d = 0;
    const dist = p.delay;
    if (dist !== undefined && dist.kind === 'constant') {
      d = dist.ms;
    } else if (dist !== undefined && rng !== undefined) {
      switch (dist.kind) {
        case 'uniform':
          d = rng.range(dist.minMs, dist.maxMs);
          break;
        case 'normal':
          d = rng.normal(dist.meanMs, dist.stdMs);
          break;
        case 'pareto':
          d = rng.pareto(dist.scaleMs, dist.shape);
          break;
      }
    }
    const j = p.jitterMs ?? 0;
    if (j > 0 && jitterRng !== undefined) d += jitterRng.range(-j, j);
    // Clamped both ways: pareto with a small shape yields Infinity or years.
    return d > 0 ? Math.min(d, MAX_STAGE_DELAY_MS) : 0;
  }
}
