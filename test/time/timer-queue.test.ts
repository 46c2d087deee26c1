import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random/index.js';
import { ManualClock, systemClock } from '../../src/time/clock.js';
import { createTimerQueue, MAX_TIMEOUT_MS, type TimerHost } from '../../src/time/timer-queue.js';
import { FakeTimerHost } from './fake-timers.js';

function setup(opts: { lateByMs?: number; withoutImmediate?: boolean; immediateWithinMs?: number } = {}) {
  const clock = new ManualClock(1000);
  const host = new FakeTimerHost(clock);
  host.lateByMs = opts.lateByMs ?? 0;
  const timers: TimerHost = opts.withoutImmediate
    ? { setTimeout: (cb, ms) => host.setTimeout(cb, ms), clearTimeout: (h) => host.clearTimeout(h) }
    : host;
  const lateness: number[] = [];
  const q = createTimerQueue({ clock, timers, onLateness: (ms) => lateness.push(ms) }, opts.immediateWithinMs !== undefined ? { immediateWithinMs: opts.immediateWithinMs } : {});
  return { clock, host, q, lateness };
}

describe('timer queue', () => {
  it('runs items in due order at their due times, whatever the order of scheduling', () => {
    const { clock, host, q, lateness } = setup();
    const rng = createRng('timer-order');
    const ran: { due: number; at: number }[] = [];
    const dues = Array.from({ length: 2000 }, () => 1000 + rng.range(0, 500));
    for (const due of dues) q.schedule(due, () => ran.push({ due, at: clock.nowMs() }));
    expect(q.size).toBe(2000);
    host.advanceTo(2000);
    expect(ran.map((r) => r.due)).toEqual([...dues].sort((a, b) => a - b));
    for (const r of ran) {
      expect(r.at).toBeGreaterThanOrEqual(r.due);
      // Each item runs at the first wake-up at or after its due time: within one timer tick of
      // Node's 1 ms resolution (no busy wait for the sub-millisecond rest).
      expect(r.at - r.due).toBeLessThanOrEqual(1 + host.immediateCostMs + 1e-9);
    }
    expect(lateness).toHaveLength(2000);
    expect(Math.max(...lateness)).toBeLessThanOrEqual(1 + host.immediateCostMs + 1e-9);
    expect(q.size).toBe(0);
  });

  it('is stable: equal due times run in scheduling order', () => {
    const { host, q } = setup();
    const ran: number[] = [];
    for (let i = 0; i < 100; i++) q.schedule(1010 + (i % 3), () => ran.push(i));
    host.advanceTo(1100);
    const expected = [0, 1, 2].flatMap((r) => Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 3 === r));
    expect(ran).toEqual(expected);
  });

  it('keeps a single host timer armed however many items are pending', () => {
    const { host, q } = setup();
    let ran = 0;
    // In order of due time: the first item arms the timer, the rest never touch it.
    for (let i = 0; i < 10_000; i++) q.schedule(1010 + i * 0.01, () => ran++);
    expect(host.setTimeoutCalls).toBe(1);
    expect(host.pending).toBe(1);
    host.advanceTo(1150);
    expect(ran).toBe(10_000);

    // Shuffled over 50 instants: re-arming only when a new earliest item appears, never two
    // timers at once, and one wake-up per instant rather than one timer per item.
    host.setTimeoutCalls = host.setImmediateCalls = host.clearTimeoutCalls = 0;
    const rng = createRng('timer-arm');
    for (let i = 0; i < 10_000; i++) q.schedule(1200 + 2 * rng.int(50), () => ran++);
    expect(host.pending).toBe(1);
    expect(host.setTimeoutCalls).toBeLessThan(20);
    host.advanceTo(1400);
    expect(ran).toBe(20_000);
    expect(host.maxPending).toBe(1);
    expect(host.setTimeoutCalls + host.setImmediateCalls).toBeLessThanOrEqual(100);
    expect(host.pending).toBe(0);
  });

  it('re-arms earlier when an earlier item arrives', () => {
    const { clock, host, q } = setup();
    const at: number[] = [];
    q.schedule(1500, () => at.push(clock.nowMs()));
    q.schedule(1020, () => at.push(clock.nowMs()));
    expect(host.setTimeoutCalls).toBe(2);
    expect(host.clearTimeoutCalls).toBe(1);
    expect(host.pending).toBe(1);
    host.advanceTo(2000);
    expect(at).toEqual([1020, 1500]);
  });

  it('an item scheduled when already due is late only from when it was scheduled, not from its due time', () => {
    const { clock, host, q, lateness } = setup({ lateByMs: 3, withoutImmediate: true });
    host.advanceTo(2000);
    q.schedule(clock.nowMs() - 900, () => {});
    host.advanceTo(2010);
    // Deliberately scheduled in the past (a protocol catching up): only the host's delay counts
    // (3 ms late plus its 1 ms minimum), not the 900 ms by which it was already due.
    expect(lateness).toHaveLength(1);
    expect(lateness[0]).toBeLessThanOrEqual(4);
  });

  it('reports lateness when the host timer fires late (an overloaded event loop)', () => {
    const { clock, host, q, lateness } = setup({ lateByMs: 7 });
    const at: number[] = [];
    q.schedule(1100, () => at.push(clock.nowMs()));
    q.schedule(1100, () => at.push(clock.nowMs()));
    q.schedule(1103, () => at.push(clock.nowMs()));
    host.advanceTo(1200);
    expect(at).toEqual([1107, 1107, 1107]);
    expect(lateness).toEqual([7, 7, 4]);
  });

  it('counts time spent in earlier callbacks of the same batch as lateness of later ones', () => {
    const { clock, host, q, lateness } = setup();
    q.schedule(1010, () => clock.advance(3));
    q.schedule(1010, () => undefined);
    host.advanceTo(1100);
    expect(lateness).toEqual([0, 3]);
  });

  it('uses setImmediate only for overdue items by default (no busy wait), within a window when asked, and works without it', () => {
    const d = setup();
    d.q.schedule(1000.5, () => undefined);
    expect(d.host.setImmediateCalls).toBe(0);
    expect(d.host.setTimeoutCalls).toBe(1);
    d.q.schedule(999, () => undefined);
    expect(d.host.setImmediateCalls).toBe(1);
    d.host.advanceTo(1001);
    expect(d.q.size).toBe(0);

    const a = setup({ immediateWithinMs: 1 });
    a.q.schedule(1000.5, () => undefined);
    expect(a.host.setImmediateCalls).toBe(1);
    expect(a.host.setTimeoutCalls).toBe(0);
    a.host.advanceTo(1001);
    expect(a.q.size).toBe(0);

    const b = setup({ withoutImmediate: true });
    const at: number[] = [];
    b.q.schedule(990, () => at.push(b.clock.nowMs()));
    b.q.schedule(1000.5, () => at.push(b.clock.nowMs()));
    b.host.advanceTo(1010);
    expect(at).toEqual([1001, 1001]);
  });

  it('an item scheduled for "now" by a callback runs on a later turn, not in the same batch', () => {
    const { clock, host, q } = setup();
    let runs = 0;
    const again = (): void => {
      runs++;
      if (runs < 5) q.schedule(clock.nowMs(), again);
    };
    q.schedule(1010, again);
    host.advanceTo(1010);
    // One run per loop turn: the timer's turn, then the three immediate rounds the fake host
    // allows at one instant.
    expect(runs).toBe(4);
    host.advanceTo(1011);
    expect(runs).toBe(5);
  });

  it('cancel removes a pending item; cancelling twice or after it ran returns false', () => {
    const { host, q } = setup();
    const ran: string[] = [];
    const a = q.schedule(1010, () => ran.push('a'));
    const b = q.schedule(1020, () => ran.push('b'));
    expect(a.cancel()).toBe(true);
    expect(a.cancel()).toBe(false);
    expect(q.size).toBe(1);
    expect(q.nextDueMs()).toBe(1020);
    host.advanceTo(1100);
    expect(ran).toEqual(['b']);
    expect(b.cancel()).toBe(false);
    expect(host.pending).toBe(0);
  });

  it('close cancels the host timer, drops pending items, and ignores later schedules', () => {
    const { host, q } = setup();
    let ran = 0;
    for (let i = 0; i < 100; i++) q.schedule(1010 + i, () => ran++);
    q.close();
    expect(q.closed).toBe(true);
    expect(q.size).toBe(0);
    expect(host.pending).toBe(0);
    expect(q.schedule(1020, () => ran++).cancel()).toBe(false);
    host.advanceTo(2000);
    expect(ran).toBe(0);
    expect(host.pending).toBe(0);
    q.close();
  });

  it('close from inside a callback stops the batch', () => {
    const { host, q } = setup();
    const ran: number[] = [];
    q.schedule(1010, () => ran.push(1));
    q.schedule(1010, () => {
      ran.push(2);
      q.close();
    });
    q.schedule(1010, () => ran.push(3));
    host.advanceTo(1100);
    expect(ran).toEqual([1, 2]);
    expect(host.pending).toBe(0);
  });

  it('a throwing callback does not stall the items after it', () => {
    const { host, q } = setup();
    const ran: number[] = [];
    q.schedule(1010, () => {
      throw new Error('boom');
    });
    q.schedule(1010, () => ran.push(2));
    q.schedule(1050, () => ran.push(3));
    expect(() => host.advanceTo(1100)).toThrow('boom');
    host.advanceTo(1100);
    expect(ran).toEqual([2, 3]);
  });

  it('rejects a due time that is not a finite number', () => {
    const { q } = setup();
    expect(() => q.schedule(Number.NaN, () => undefined)).toThrow(RangeError);
    expect(() => q.schedule(Infinity, () => undefined)).toThrow(/dueMs/);
    expect(() => q.schedule(-Infinity, () => undefined)).toThrow(RangeError);
    q.close();
    // Still a programming error after close(), where a valid schedule is a silent no-op.
    expect(() => q.schedule(Infinity, () => undefined)).toThrow(RangeError);
    expect(() => createTimerQueue({ clock: new ManualClock() }, { immediateWithinMs: -1 })).toThrow(/immediateWithinMs/);
  });

  /** The fake host with Node's overflow: a delay above 2^31 − 1 ms becomes 1 ms. Records each delay asked for. */
  function nodeLikeSetup() {
    const clock = new ManualClock(1000);
    const fake = new FakeTimerHost(clock);
    const armed: number[] = [];
    const timers: TimerHost = {
      setTimeout: (cb, ms) => {
        armed.push(ms);
        return fake.setTimeout(cb, ms > 2 ** 31 - 1 ? 1 : ms);
      },
      clearTimeout: (h) => fake.clearTimeout(h),
      setImmediate: (cb) => fake.setImmediate(cb),
      clearImmediate: (h) => fake.clearImmediate(h),
    };
    return { clock, fake, armed, q: createTimerQueue({ clock, timers }) };
  }

  it("arms one clamped timer for an item beyond setTimeout's range, not a loop of 1 ms timers", () => {
    const { clock, fake, armed, q } = nodeLikeSetup();
    const day = 86_400_000;
    const due = 1000 + 35 * day;
    const at: number[] = [];
    q.schedule(due, () => at.push(clock.nowMs()));
    expect(MAX_TIMEOUT_MS).toBe(2 ** 31 - 1);
    expect(armed).toEqual([MAX_TIMEOUT_MS]);
    fake.advanceBy(1000);
    expect(armed).toEqual([MAX_TIMEOUT_MS]);
    // An item due after the clamped wake-up but before the far one does not re-arm.
    q.schedule(1000 + 30 * day, () => at.push(clock.nowMs()));
    expect(armed).toEqual([MAX_TIMEOUT_MS]);
    // Wakes early once, re-arms for the rest, and runs each item at its due time.
    fake.advanceTo(due + 1);
    expect(at).toEqual([1000 + 30 * day, due]);
    expect(armed.every((ms) => ms >= 1 && ms <= MAX_TIMEOUT_MS)).toBe(true);
    expect(armed.length).toBeLessThanOrEqual(3);
    expect(q.size).toBe(0);
  });

  it('a far item behind a near one re-arms clamped once the near one has run', () => {
    const { clock, fake, armed, q } = nodeLikeSetup();
    const at: number[] = [];
    q.schedule(1000 + 2 ** 32, () => at.push(clock.nowMs()));
    q.schedule(1010, () => at.push(clock.nowMs()));
    fake.advanceTo(1100);
    expect(at).toEqual([1010]);
    expect(fake.pending).toBe(1);
    expect(armed).toEqual([MAX_TIMEOUT_MS, 10, MAX_TIMEOUT_MS]);
    fake.advanceTo(1000 + 2 ** 32);
    expect(at).toEqual([1010, 1000 + 2 ** 32]);
    // 2^32 ms is two clamped timers and the remainder: no storm of early wake-ups.
    expect(armed.length).toBeLessThanOrEqual(6);
  });

  it('compacts when most entries are cancelled', () => {
    const { host, q } = setup();
    let ran = 0;
    const handles = Array.from({ length: 5000 }, (_, i) => q.schedule(1010 + i, () => ran++));
    handles.forEach((h, i) => {
      if (i % 10 !== 0) h.cancel();
    });
    expect(q.size).toBe(500);
    host.advanceTo(7000);
    expect(ran).toBe(500);
  });

  it('works on the real host timers', async () => {
    const lateness: number[] = [];
    const q = createTimerQueue({ clock: systemClock, onLateness: (ms) => lateness.push(ms) });
    const now = systemClock.nowMs();
    const order: number[] = [];
    await new Promise<void>((resolve) => {
      for (let i = 9; i >= 0; i--) q.schedule(now + i * 2, () => order.push(i));
      q.schedule(now + 25, resolve);
    });
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Never early; how late depends on the machine, so no bound is asserted.
    expect(lateness.every((ms) => ms >= 0)).toBe(true);
    q.close();
  });
});
