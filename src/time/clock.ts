/**
 * One monotonic time base for every thread of the process.
 *
 * `process.hrtime.bigint()` reads CLOCK_MONOTONIC, which is process-wide: a timestamp taken in a
 * worker thread is directly comparable with one taken on the main thread. `performance.now()` is
 * not (each thread has its own `timeOrigin`), so it is never used for cross-thread latency.
 */
export interface Clock {
  /** Milliseconds on the shared monotonic time base, with sub-microsecond resolution. */
  nowMs(): number;
}

/** Monotonic milliseconds since an arbitrary process-wide origin (boot time on Linux). */
export function monotonicNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const systemClock: Clock = { nowMs: monotonicNowMs };

/** A clock that moves only when told to; for unit tests of time-dependent logic. */
export class ManualClock implements Clock {
  private current: number;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  nowMs(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock.advance: ms must be a finite number >= 0, got ${ms}`);
    this.current += ms;
  }

  set(ms: number): void {
    if (ms < this.current) throw new RangeError(`ManualClock.set: time cannot go backwards (${ms} < ${this.current})`);
    this.current = ms;
  }
}
