import type { ManualClock } from '../../src/time/clock.js';
import type { TimerHost } from '../../src/time/timer-queue.js';

interface FakeTimeout {
  id: number;
  fireAt: number;
  cb: () => void;
}

/**
 * A TimerHost driven by a ManualClock. Like Node, a timeout shorter than 1 ms waits 1 ms; each
 * round of immediates costs `immediateCostMs` of clock time (a real loop turn is not free), so a
 * queue that spins on setImmediate until an item is due terminates. `lateByMs` delays every
 * timeout, imitating an overloaded event loop.
 */
export class FakeTimerHost implements TimerHost {
  setTimeoutCalls = 0;
  clearTimeoutCalls = 0;
  setImmediateCalls = 0;
  clearImmediateCalls = 0;
  /** Largest number of timeouts + immediates pending at once. */
  maxPending = 0;
  lateByMs = 0;
  immediateCostMs = 0.05;

  private readonly clock: ManualClock;
  private readonly timeouts = new Map<number, FakeTimeout>();
  private readonly immediates = new Map<number, () => void>();
  private nextId = 1;
  private roundsAtThisTime = 0;

  constructor(clock: ManualClock) {
    this.clock = clock;
  }

  get pending(): number {
    return this.timeouts.size + this.immediates.size;
  }

  setTimeout(cb: () => void, ms: number): unknown {
    this.setTimeoutCalls++;
    const id = this.nextId++;
    const wait = ms >= 1 ? ms : 1;
    this.timeouts.set(id, { id, fireAt: this.clock.nowMs() + wait + this.lateByMs, cb });
    this.maxPending = Math.max(this.maxPending, this.pending);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.clearTimeoutCalls++;
    this.timeouts.delete(handle as number);
  }

  setImmediate(cb: () => void): unknown {
    this.setImmediateCalls++;
    const id = this.nextId++;
    this.immediates.set(id, cb);
    this.maxPending = Math.max(this.maxPending, this.pending);
    return id;
  }

  clearImmediate(handle: unknown): void {
    this.clearImmediateCalls++;
    this.immediates.delete(handle as number);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.clock.nowMs() + ms);
  }

  /** Moves the clock to `target`, firing timeouts at their times and immediates between them. */
  advanceTo(target: number): void {
    for (let guard = 0; ; guard++) {
      if (guard > 10_000_000) throw new Error('FakeTimerHost: runaway timers');
      const now = this.clock.nowMs();
      if (this.immediates.size > 0 && this.roundsAtThisTime < 3) {
        this.runImmediateRound();
        continue;
      }
      const t = this.earliestTimeout();
      const next = Math.min(t?.fireAt ?? Infinity, this.immediates.size > 0 ? now + this.immediateCostMs : Infinity);
      if (next > target) {
        if (now < target) {
          this.clock.set(target);
          this.roundsAtThisTime = 0;
          continue;
        }
        return;
      }
      if (next > now) {
        this.clock.set(next);
        this.roundsAtThisTime = 0;
      }
      if (t !== undefined && t.fireAt <= this.clock.nowMs()) {
        this.timeouts.delete(t.id);
        t.cb();
      } else {
        this.runImmediateRound();
      }
    }
  }

  private runImmediateRound(): void {
    this.roundsAtThisTime++;
    for (const id of [...this.immediates.keys()]) {
      const cb = this.immediates.get(id);
      if (cb === undefined) continue;
      this.immediates.delete(id);
      cb();
    }
  }

  private earliestTimeout(): FakeTimeout | undefined {
    let best: FakeTimeout | undefined;
    for (const t of this.timeouts.values()) if (best === undefined || t.fireAt < best.fireAt) best = t;
    return best;
  }
}
