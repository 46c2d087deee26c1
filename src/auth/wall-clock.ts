import type { Clock } from '../time/clock.js';

/**
 * Unix-epoch milliseconds. Certificates outlive the process that signed them and are checked by
 * other processes, so their times are wall-clock, unlike the shared monotonic clock (src/time)
 * that the transport and the protocols use for latency and deadlines. A `ManualClock` stands in
 * for it in tests.
 */
export const systemWallClock: Clock = { nowMs: () => Date.now() };
