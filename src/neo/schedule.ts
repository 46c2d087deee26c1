/**
 * The agreed round schedule: round r starts at a time computed from the schedule, never by
 * adding up timer firings, so rounds do not drift however late the event loop wakes. A change of
 * round length takes effect at an agreed round; earlier rounds keep their times.
 */
interface Segment {
  readonly fromRound: number;
  readonly startMs: number;
  readonly roundMs: number;
}

export class RoundSchedule {
  private readonly segments: Segment[];

  constructor(startRound: number, startMs: number, roundMs: number) {
    checkRoundMs(roundMs);
    if (!Number.isInteger(startRound) || startRound < 0) throw new RangeError(`RoundSchedule: startRound must be an integer >= 0, got ${startRound}`);
    if (!Number.isFinite(startMs)) throw new RangeError(`RoundSchedule: startMs must be finite, got ${startMs}`);
    this.segments = [{ fromRound: startRound, startMs, roundMs }];
  }

  get firstRound(): number {
    return (this.segments[0] as Segment).fromRound;
  }

  private segmentFor(round: number): Segment {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i] as Segment;
      if (s.fromRound <= round) return s;
    }
    throw new RangeError(`RoundSchedule: round ${round} precedes the first round ${this.firstRound}`);
  }

  startOf(round: number): number {
    const s = this.segmentFor(round);
    return s.startMs + (round - s.fromRound) * s.roundMs;
  }

  roundMsAt(round: number): number {
    return this.segmentFor(round).roundMs;
  }

  /** The round in progress at `nowMs` (the last round whose start is not after it). */
  roundAt(nowMs: number): number {
    let round = this.firstRound;
    for (const s of this.segments) {
      if (s.startMs > nowMs) break;
      round = s.fromRound + Math.floor((nowMs - s.startMs) / s.roundMs);
    }
    return round;
  }

  /** Switch to `roundMs` from `fromRound` on; false (and no change) if already scheduled or not in the future of the last change. */
  change(fromRound: number, roundMs: number): boolean {
    checkRoundMs(roundMs);
    const last = this.segments[this.segments.length - 1] as Segment;
    if (!Number.isInteger(fromRound) || fromRound <= last.fromRound) return false;
    if (last.roundMs === roundMs) return false;
    this.segments.push({ fromRound, startMs: this.startOf(fromRound), roundMs });
    return true;
  }

  pendingChangeAfter(round: number): { fromRound: number; roundMs: number } | null {
    const last = this.segments[this.segments.length - 1] as Segment;
    return last.fromRound > round ? { fromRound: last.fromRound, roundMs: last.roundMs } : null;
  }
}

function checkRoundMs(roundMs: number): void {
  if (!Number.isInteger(roundMs) || roundMs < 1 || roundMs > 60_000) throw new RangeError(`round length must be an integer in [1, 60000] ms, got ${roundMs}`);
}
