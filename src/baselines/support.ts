import { endpointId, type Endpoint } from '../net/index.js';

/** The part of the shared timer queue (src/time/timer-queue.ts) the baselines use. */
export interface BaselineScheduler {
  schedule(dueMs: number, callback: () => void): { cancel(): boolean };
}

/** Endpoint id → roster index; a roster naming one endpoint twice is a programmer error. */
export function indexRoster(roster: readonly Endpoint[], what: string): Map<string, number> {
  const byId = new Map<string, number>();
  roster.forEach((e, i) => {
    const id = endpointId(e);
    if (byId.has(id)) throw new TypeError(`${what}: roster names ${id} twice`);
    byId.set(id, i);
  });
  return byId;
}

export function checkInteger(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${what} must be an integer in [${min}, ${max}], got ${value}`);
}

export function checkPositive(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${what} must be a finite number > 0, got ${value}`);
}

/** A promise with its settle functions; the rejection is pre-handled so an unawaited stop() never crashes the process. */
export function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
