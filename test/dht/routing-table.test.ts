import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DhtContact } from '../../src/dht/contact.js';
import { commonPrefixLength, compareDistance, idHex, randomIdWithPrefix } from '../../src/dht/ids.js';
import { RoutingTable } from '../../src/dht/routing-table.js';
import { createRng } from '../../src/random/index.js';
import { ManualClock } from '../../src/time/clock.js';

const rng = createRng('routing-table-test');
const self = rng.bytes(32);
let port = 1000;
const contactIn = (bucket: number): DhtContact => ({ nodeId: randomIdWithPrefix(self, bucket, rng), endpoint: { host: '127.0.0.1', port: port++ } });
const ids = (cs: readonly DhtContact[]) => cs.map((c) => idHex(c.nodeId));

function table(options: { k?: number; replacements?: number; maxFailures?: number; freshContactMs?: number } = {}) {
  const clock = new ManualClock(1000);
  const probes: DhtContact[] = [];
  const t = new RoutingTable(
    self,
    { k: options.k ?? 3, replacementCacheSize: options.replacements ?? 2, maxFailures: options.maxFailures ?? 2, freshContactMs: options.freshContactMs ?? 0 },
    { clock, probe: (c) => probes.push(c) },
  );
  return { t, clock, probes };
}

describe('XOR metric helpers', () => {
  it('commonPrefixLength counts shared leading bits; randomIdWithPrefix lands in the asked bucket', () => {
    expect(commonPrefixLength(self, self)).toBe(256);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (prefix) => {
        expect(commonPrefixLength(self, randomIdWithPrefix(self, prefix, rng))).toBe(prefix);
      }),
    );
    expect(() => randomIdWithPrefix(self, 256, rng)).toThrow(RangeError);
  });

  it('compareDistance orders by XOR distance to the target', () => {
    const target = new Uint8Array(32);
    const near = new Uint8Array(32);
    near[31] = 1;
    const far = new Uint8Array(32);
    far[0] = 0x80;
    expect(compareDistance(target, near, far)).toBeLessThan(0);
    expect(compareDistance(target, far, near)).toBeGreaterThan(0);
    expect(compareDistance(far, far, near)).toBeLessThan(0);
    expect(compareDistance(target, near, near)).toBe(0);
  });
});

describe('RoutingTable', () => {
  it('files contacts by common prefix and never adds itself', () => {
    const { t } = table();
    const a = contactIn(0);
    const b = contactIn(5);
    expect(t.observe(a)).toBe('added');
    expect(t.observe(b)).toBe('added');
    expect(t.observe({ nodeId: self, endpoint: { host: '127.0.0.1', port: 1 } })).toBe('self');
    expect(ids(t.bucket(0).members)).toEqual(ids([a]));
    expect(ids(t.bucket(5).members)).toEqual(ids([b]));
    expect(t.size).toBe(2);
  });

  it('keeps least recently seen first; a contact heard again moves to the end with its new time and endpoint', () => {
    const { t, clock } = table();
    const [a, b, c] = [contactIn(1), contactIn(1), contactIn(1)];
    for (const x of [a, b, c]) {
      t.observe(x);
      clock.advance(10);
    }
    const moved = { nodeId: a.nodeId, endpoint: { host: '127.0.0.1', port: 9 } };
    expect(t.observe(moved)).toBe('refreshed');
    expect(ids(t.bucket(1).members)).toEqual(ids([b, c, a]));
    const entry = t.entries().find((e) => idHex(e.contact.nodeId) === idHex(a.nodeId));
    expect(entry?.lastSeenMs).toBe(1030);
    expect(entry?.contact.endpoint.port).toBe(9);
  });

  it('ping-before-evict: a full bucket pings its least recently seen member; alive, it stays and the newcomer waits in the replacement cache', () => {
    const { t, clock, probes } = table();
    const [a, b, c] = [contactIn(2), contactIn(2), contactIn(2)];
    for (const x of [a, b, c]) {
      t.observe(x);
      clock.advance(1);
    }
    const newcomer = contactIn(2);
    expect(t.observe(newcomer)).toBe('probing');
    expect(ids(probes)).toEqual(ids([a]));
    // While the probe runs, further newcomers only queue: one probe per bucket.
    const another = contactIn(2);
    expect(t.observe(another)).toBe('cached');
    expect(probes).toHaveLength(1);
    expect(t.bucket(2).probing).toBe(true);

    clock.advance(100);
    t.probeResult(a.nodeId, true);
    expect(ids(t.bucket(2).members)).toEqual(ids([b, c, a]));
    expect(ids(t.bucket(2).replacements)).toEqual(ids([newcomer, another]));
    expect(t.entries().find((e) => idHex(e.contact.nodeId) === idHex(a.nodeId))?.lastSeenMs).toBe(1103);
    expect(t.bucket(2).probing).toBe(false);
  });

  it('ping-before-evict: a silent member is replaced by the most recently seen replacement', () => {
    const { t, probes } = table();
    const [a, b, c] = [contactIn(3), contactIn(3), contactIn(3)];
    for (const x of [a, b, c]) t.observe(x);
    const first = contactIn(3);
    const second = contactIn(3);
    t.observe(first);
    t.observe(second);
    t.probeResult(a.nodeId, false);
    expect(ids(t.bucket(3).members)).toEqual(ids([b, c, second]));
    expect(ids(t.bucket(3).replacements)).toEqual(ids([first]));
    // The next newcomer probes the new least recently seen member.
    t.observe(contactIn(3));
    expect(ids(probes)).toEqual(ids([a, b]));
  });

  it('does not ping a least recently seen member heard from within freshContactMs', () => {
    const { t, clock, probes } = table({ freshContactMs: 5_000 });
    const [a, b, c] = [contactIn(9), contactIn(9), contactIn(9)];
    for (const x of [a, b, c]) t.observe(x);
    clock.advance(4_999);
    expect(t.observe(contactIn(9))).toBe('cached');
    expect(probes).toHaveLength(0);
    clock.advance(1);
    expect(t.observe(contactIn(9))).toBe('probing');
    expect(ids(probes)).toEqual(ids([a]));
  });

  it('ignores a probe result nobody asked for', () => {
    const { t } = table();
    const [a, b, c] = [contactIn(4), contactIn(4), contactIn(4)];
    for (const x of [a, b, c]) t.observe(x);
    t.probeResult(b.nodeId, false);
    expect(t.size).toBe(3);
  });

  it('bounds the replacement cache, keeping the most recently seen', () => {
    const { t } = table({ replacements: 2 });
    for (let i = 0; i < 3; i++) t.observe(contactIn(6));
    const waiting = [contactIn(6), contactIn(6), contactIn(6)];
    for (const w of waiting) t.observe(w);
    expect(ids(t.bucket(6).replacements)).toEqual(ids(waiting.slice(1)));
    // A cached contact heard again becomes the most recent one.
    t.observe(waiting[1] as DhtContact);
    expect(ids(t.bucket(6).replacements)).toEqual(ids([waiting[2], waiting[1]] as DhtContact[]));
  });

  it('drops a contact after maxFailures unanswered requests in a row, promoting a replacement', () => {
    const { t } = table({ maxFailures: 2 });
    const [a, b, c] = [contactIn(7), contactIn(7), contactIn(7)];
    for (const x of [a, b, c]) t.observe(x);
    const waiting = contactIn(7);
    t.observe(waiting);
    t.probeResult(a.nodeId, true);
    t.failed(b.nodeId);
    expect(t.has(b.nodeId)).toBe(true);
    // An answer in between resets the count.
    t.observe(b);
    t.failed(b.nodeId);
    expect(t.has(b.nodeId)).toBe(true);
    t.failed(b.nodeId);
    expect(t.has(b.nodeId)).toBe(false);
    expect(t.has(waiting.nodeId)).toBe(true);
    expect(t.size).toBe(3);
  });

  it('closest returns members by XOR distance to any target, excluding one if asked', () => {
    const { t } = table({ k: 8 });
    const all = Array.from({ length: 40 }, (_, i) => contactIn(i % 10));
    for (const c of all) t.observe(c);
    const target = rng.bytes(32);
    const members = t.entries().map((e) => e.contact);
    const expected = [...members].sort((x, y) => compareDistance(target, x.nodeId, y.nodeId)).slice(0, 5);
    expect(ids(t.closest(target, 5))).toEqual(ids(expected));
    expect(ids(t.closest(target, 5, expected[0]?.nodeId))).toEqual(ids(members.sort((x, y) => compareDistance(target, x.nodeId, y.nodeId)).slice(1, 6)));
  });

  it('offers for refresh the buckets up to the deepest non-empty one that no lookup covered lately', () => {
    const { t, clock } = table();
    t.observe(contactIn(0));
    t.observe(contactIn(3));
    expect(t.bucketsToRefresh(60_000)).toEqual([0, 1, 2, 3]);
    t.touch(randomIdWithPrefix(self, 1, rng));
    expect(t.bucketsToRefresh(60_000)).toEqual([0, 2, 3]);
    clock.advance(60_000);
    expect(t.bucketsToRefresh(60_000)).toEqual([0, 1, 2, 3]);
  });

  it('refuses a configuration it cannot honour', () => {
    const clock = new ManualClock();
    expect(() => new RoutingTable(self, { k: 0, replacementCacheSize: 1, maxFailures: 1, freshContactMs: 0 }, { clock, probe: () => {} })).toThrow(RangeError);
    expect(() => new RoutingTable(self, { k: 1, replacementCacheSize: 1, maxFailures: 0, freshContactMs: 0 }, { clock, probe: () => {} })).toThrow(RangeError);
    expect(() => new RoutingTable(self, { k: 1, replacementCacheSize: 1, maxFailures: 1, freshContactMs: -1 }, { clock, probe: () => {} })).toThrow(RangeError);
  });
});
