import { monotonicNowMs } from '../time/clock.js';

/** Round 0 of a run, set once every shard has bound its sockets; until then the run's clock shows 0. */
export interface RunClock {
  /** Shared monotonic ms of round 0; +Infinity before the start. */
  readonly startAtMs: number;
  /** Seconds since round 0 (0 before it). */
  tS(): number;
  started(): boolean;
  start(atMs: number): void;
}

export function createRunClock(): RunClock {
  let startAtMs = Number.POSITIVE_INFINITY;
  return {
    get startAtMs() {
      return startAtMs;
    },
    tS: () => Math.max(0, (monotonicNowMs() - startAtMs) / 1000),
    started: () => monotonicNowMs() >= startAtMs,
    start(atMs) {
      startAtMs = atMs;
    },
  };
}
