import { describe, expect, it } from 'vitest';
import { ReplayGuard, ReplayWindow } from '../../src/net/replay-window.js';

const key = (n: number) => new Uint8Array(32).fill(n);

describe('replay window', () => {
  it('accepts each sequence once, out of order inside the window', () => {
    const w = new ReplayWindow(64);
    expect(w.accept(0n)).toBe('fresh');
    expect(w.accept(10n)).toBe('fresh');
    expect(w.accept(5n)).toBe('fresh');
    expect(w.accept(5n)).toBe('replay');
    expect(w.accept(10n)).toBe('replay');
    expect(w.accept(0n)).toBe('replay');
  });

  it('refuses a sequence below the window as stale, and accepts the oldest one still inside', () => {
    const w = new ReplayWindow(64);
    expect(w.accept(100n)).toBe('fresh');
    expect(w.accept(36n)).toBe('stale'); // age 64
    expect(w.accept(37n)).toBe('fresh'); // age 63
    expect(w.accept(37n)).toBe('replay');
  });

  it('forgets bits that slid out and keeps those that did not, across word boundaries', () => {
    const w = new ReplayWindow(64);
    for (let s = 0n; s < 64n; s++) expect(w.accept(s)).toBe('fresh');
    expect(w.accept(100n)).toBe('fresh'); // advance 37: sequences 37..63 stay seen
    expect(w.accept(50n)).toBe('replay');
    expect(w.accept(37n)).toBe('replay');
    expect(w.accept(70n)).toBe('fresh');
    expect(w.accept(36n)).toBe('stale');
  });

  it('handles a jump past the window and the ends of the u64 range', () => {
    const w = new ReplayWindow(32);
    expect(w.accept(5n)).toBe('fresh');
    expect(w.accept((1n << 64n) - 1n)).toBe('fresh');
    expect(w.accept(5n)).toBe('stale');
    expect(w.accept((1n << 64n) - 2n)).toBe('fresh');
    expect(w.accept((1n << 64n) - 1n)).toBe('replay');
  });

  it('refuses a window size that is not a multiple of 32', () => {
    expect(() => new ReplayWindow(1000)).toThrow(RangeError);
    expect(() => new ReplayGuard({ windowSize: 1000 })).toThrow(/windowSize/);
    expect(() => new ReplayGuard({ maxSenders: 0 })).toThrow(/maxSenders/);
  });
});

describe('replay guard', () => {
  it('keeps one window per sender', () => {
    const g = new ReplayGuard();
    expect(g.accept(key(1), 7n, 0)).toBe('fresh');
    expect(g.accept(key(2), 7n, 0)).toBe('fresh');
    expect(g.accept(key(1), 7n, 0)).toBe('replay');
  });

  it('cannot be made to forget an active sender by a flood of fresh keys', () => {
    const g = new ReplayGuard({ maxSenders: 4, idleEvictMs: 1000 });
    expect(g.accept(key(1), 100n, 0)).toBe('fresh');
    for (let k = 2; k <= 4; k++) expect(g.accept(key(k), 1n, 10)).toBe('fresh');
    // Table full, everyone active within the horizon: a new sender is refused, sender 1 kept.
    expect(g.accept(key(99), 1n, 20)).toBe('sender-table-full');
    expect(g.accept(key(1), 100n, 30)).toBe('replay');
    expect(g.trackedSenders).toBe(4);
  });

  it('forgets the least recently fresh sender once it has been idle past the horizon', () => {
    const g = new ReplayGuard({ maxSenders: 2, idleEvictMs: 1000 });
    expect(g.accept(key(1), 1n, 0)).toBe('fresh');
    expect(g.accept(key(2), 1n, 500)).toBe('fresh');
    // Replays do not count as activity.
    expect(g.accept(key(1), 1n, 900)).toBe('replay');
    expect(g.accept(key(3), 1n, 1200)).toBe('fresh'); // sender 1 idle 1200 ms: evicted
    expect(g.accept(key(2), 1n, 1200)).toBe('replay');
    expect(g.accept(key(4), 1n, 1300)).toBe('sender-table-full'); // sender 2 idle only 800 ms
  });
});
