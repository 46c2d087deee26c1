import type { Rng } from '../../random/index.js';
import type { DelayDist, DropReason, LinkProfile, LossModel } from './types.js';

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

/** One copy of a datagram in flight along the path. */
export interface Copy {
  /**
   * When it leaves the stages so far. On an `inOrder` stage successive datagrams get
   * non-decreasing `t`; otherwise each `t` carries its own independent delay sample.
   */
  t: number;
  /** Out-of-band holds (reordering, a late duplicate) accumulated so far, added to `t` at the end. */
  holdMs: number;
  /** Some stage held this copy back for reordering. */
  reordered: boolean;
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

    if (p.delay !== undefined && p.delay.kind !== 'constant') this.delayRng ??= this.rng.fork('delay');
    if (p.jitterMs !== undefined && p.jitterMs > 0) this.jitterRng ??= this.rng.fork('jitter');
    // Only an inOrder stage makes a datagram wait for its predecessors' delivery.
    const fifoBefore = p.inOrder === true ? this.lastFifoMs : -Infinity;
    const out = Math.max(txDone + this.sampleDelay(this.delayRng, this.jitterRng), fifoBefore);
    // A held datagram keeps its FIFO slot (later ones still queue behind that slot); only the
    // hold lies outside the FIFO constraint, which is what lets later datagrams overtake it.
    if (p.inOrder === true) this.lastFifoMs = out;
    let holdMs = copy.holdMs;
    let reordered = copy.reordered;
    if (p.reorder !== undefined && p.reorder.p > 0) {
      this.reorderRng ??= this.rng.fork('reorder');
      if (this.reorderRng.float() < p.reorder.p) {
        reordered = true;
        holdMs += p.reorder.extraDelayMs;
      }
    }
    const first: Copy = { t: out, holdMs, reordered };

    if (p.duplicate !== undefined && p.duplicate > 0) {
      this.dupRng ??= this.rng.fork('duplicate');
      if (this.dupRng.float() < p.duplicate) {
        // The copy shares the original's serialization slot (duplication happens past the
        // bottleneck) but takes its own delay, so it may arrive before or after its original.
        // It never overtakes the original's predecessors, and it holds back nobody: a copy later
        // than its original rides in the original's FIFO slot plus an out-of-band hold.
        const out2 = Math.max(txDone + this.sampleDelay(this.dupRng, this.dupRng), fifoBefore);
        const base = { holdMs: copy.holdMs, reordered: copy.reordered };
        const copies: Copy[] =
          out2 < out ? [{ ...base, t: out2 }, first] : [first, { ...base, t: out, holdMs: base.holdMs + (out2 - out) }];
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
    return d > 0 ? d : 0;
  }
}
