import { describe, expect, it } from 'vitest';
import { createLinkShaper } from '../../src/net/shaping/index.js';
import { createRng } from '../../src/random/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import { FakeTimerHost } from '../time/fake-timers.js';
import { A, B } from './helpers.js';

describe('shaper + timer queue', () => {
  it('deliver every copy at its due time, through both the sender and the receiver side', () => {
    const clock = new ManualClock(10_000);
    const host = new FakeTimerHost(clock);
    const lateness: number[] = [];
    const queue = createTimerQueue({ clock, timers: host, onLateness: (ms) => lateness.push(ms) });
    const shaper = createLinkShaper(
      {
        default: { delay: { kind: 'normal', meanMs: 30, stdMs: 8 }, loss: { kind: 'bernoulli', p: 0.05 }, duplicate: 0.05 },
        accessLinks: { [B]: { down: { bandwidthBps: 5_000_000, delay: { kind: 'uniform', minMs: 1, maxMs: 4 } } } },
      },
      { rng: createRng('delivery').fork('shaping'), clock },
    );
    const traffic = createRng('delivery-traffic');

    const expectedSocket: number[] = [];
    const socketArrivals: number[] = [];
    const expectedApp: number[] = [];
    const appArrivals: { id: number; at: number }[] = [];

    // The receiver's socket: datagrams arrive when the sender-side due time comes, then go
    // through B's downlink before the protocol sees them.
    const onSocket = (id: number, bytes: number): void => {
      socketArrivals.push(clock.nowMs());
      const d = shaper.inbound(B, A, bytes);
      for (const due of d.deliveries) {
        expectedApp.push(due);
        queue.schedule(due, () => appArrivals.push({ id, at: clock.nowMs() }));
      }
    };

    let sent = 0;
    for (let i = 0; i < 3000; i++) {
      host.advanceBy(traffic.exponential(0.5));
      const bytes = 100 + traffic.int(1100);
      const d = shaper.outbound(A, B, bytes);
      sent++;
      for (const due of d.deliveries) {
        expectedSocket.push(due);
        queue.schedule(due, () => onSocket(i, bytes));
      }
    }
    host.advanceBy(10_000);

    expect(sent).toBe(3000);
    expect(queue.size).toBe(0);
    // Delivered when due, in due order, never early; late by at most one timer tick (1 ms, the
    // resolution of setTimeout: the queue does not busy-wait the rest) and one fake loop turn.
    expect(socketArrivals).toHaveLength(expectedSocket.length);
    expect(appArrivals).toHaveLength(expectedApp.length);
    const sortedSocket = [...expectedSocket].sort((a, b) => a - b);
    socketArrivals.forEach((at, k) => {
      const due = sortedSocket[k] as number;
      expect(at).toBeGreaterThanOrEqual(due);
      expect(at - due).toBeLessThanOrEqual(1 + host.immediateCostMs + 1e-9);
    });
    expect(Math.max(...lateness)).toBeLessThanOrEqual(1 + host.immediateCostMs + 1e-9);
    expect(lateness).toHaveLength(expectedSocket.length + expectedApp.length);
    // Some of the 3000 were lost, some duplicated.
    expect(expectedSocket.length).toBeLessThan(3000);
    expect(shaper.stats().duplicated).toBeGreaterThan(0);
    // One host timer at a time, however many datagrams were in flight.
    expect(host.maxPending).toBe(1);
  });
});
