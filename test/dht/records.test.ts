import { describe, expect, it } from 'vitest';
import { createEd25519 } from '../../src/crypto/index.js';
import { SenderRateLimiter } from '../../src/time/rate-limit.js';
import { RecordStore } from '../../src/dht/store.js';
import {
  authorityWriterPolicy,
  defaultRecordPolicies,
  ownerWriterPolicy,
  recordKey,
  signRecord,
  verifyRecord,
  type DhtRecord,
  type RecordCheck,
  type RecordRejection,
} from '../../src/dht/records.js';
import { ManualClock } from '../../src/time/clock.js';

const ed = createEd25519('native');
const authority = ed.createSigner(new Uint8Array(32).fill(0xaa));
const alice = ed.createSigner(new Uint8Array(32).fill(0x01));
const mallory = ed.createSigner(new Uint8Array(32).fill(0x66));
const check: RecordCheck = { policies: defaultRecordPolicies(authority.publicKey), verify: ed.verify, nowMs: 5_000 };
const value = (text: string) => new TextEncoder().encode(text);

const aliceData = (seq: bigint, text = 'v', expiresAtMs = 10_000n) => signRecord({ type: 'player-data', subject: alice.publicKey, seq, expiresAtMs, value: value(text) }, alice);

describe('record verification', () => {
  it('accepts records from their authorized writers', () => {
    expect(verifyRecord(aliceData(1n), check)).toBeNull();
    const ban = signRecord({ type: 'ban', subject: Uint8Array.of(0, 0, 0, 7), seq: 1n, expiresAtMs: 10_000n, value: value('cheat') }, authority);
    expect(verifyRecord(ban, check)).toBeNull();
    // An owner may file several records under its key plus a slot.
    const house = signRecord({ type: 'house', subject: new Uint8Array([...alice.publicKey, 2]), seq: 1n, expiresAtMs: 10_000n, value: value('h') }, alice);
    expect(verifyRecord(house, check)).toBeNull();
  });

  const cases: [string, () => DhtRecord, RecordRejection][] = [
    ['a flipped bit in the value', () => {
      const r = aliceData(1n);
      const v = r.value.slice();
      v[0] = (v[0] as number) ^ 1;
      return { ...r, value: v };
    }, 'bad-signature'],
    ['a flipped bit in the signature', () => {
      const r = aliceData(1n);
      const s = r.signature.slice();
      s[10] = (s[10] as number) ^ 0x40;
      return { ...r, signature: s };
    }, 'bad-signature'],
    ['a raised sequence number under the old signature', () => ({ ...aliceData(1n), seq: 2n }), 'bad-signature'],
    ['the owner named as writer but another key signing', () => ({ ...signRecord({ type: 'player-data', subject: alice.publicKey, seq: 1n, expiresAtMs: 10_000n, value: value('x') }, mallory), writer: alice.publicKey }), 'bad-signature'],
    ['a validly signed record about someone else (wrong signer)', () => signRecord({ type: 'player-data', subject: alice.publicKey, seq: 1n, expiresAtMs: 10_000n, value: value('x') }, mallory), 'unauthorized'],
    ['a ban not signed by the authority', () => signRecord({ type: 'ban', subject: Uint8Array.of(7), seq: 1n, expiresAtMs: 10_000n, value: value('x') }, mallory), 'unauthorized'],
    ['an expired record', () => aliceData(1n, 'v', 5_000n), 'expired'],
    ['a key that was not derived from type and subject', () => ({ ...aliceData(1n), key: recordKey('house', alice.publicKey) }), 'bad-key'],
    ['a type moved under a valid key', () => ({ ...aliceData(1n), type: 'house' as const }), 'bad-key'],
  ];
  for (const [what, make, reason] of cases) {
    it(`rejects ${what} as ${reason}`, () => expect(verifyRecord(make(), check)).toBe(reason));
  }

  it('refuses types without a policy, and values a policy does not accept', () => {
    expect(verifyRecord(aliceData(1n), { ...check, policies: {} })).toBe('no-policy');
    const strict = { 'player-data': { ...ownerWriterPolicy(), validateValue: (r: DhtRecord) => r.value.length <= 3 } };
    expect(verifyRecord(aliceData(1n, 'long value'), { ...check, policies: strict })).toBe('invalid-value');
    expect(verifyRecord(aliceData(1n, 'ok'), { ...check, policies: strict })).toBeNull();
  });

  it('an authority policy insists on a 32-byte key', () => {
    expect(() => authorityWriterPolicy(new Uint8Array(31))).toThrow(TypeError);
  });
});

describe('RecordStore', () => {
  const store = () => new RecordStore(3);
  const verify = (r: DhtRecord) => () => verifyRecord(r, check);

  it('stores, refreshes an identical copy, replaces with a higher sequence number', () => {
    const s = store();
    const v1 = aliceData(1n);
    expect(s.offer(v1, verify(v1), 5_000, 1)).toEqual({ outcome: 'stored' });
    expect(s.offer(v1, () => { throw new Error('no verification needed for an identical copy'); }, 5_000, 7)).toEqual({ outcome: 'duplicate' });
    expect(s.entry(v1.key)?.refreshedAtMs).toBe(7);
    const v2 = aliceData(2n);
    expect(s.offer(v2, verify(v2), 5_000, 8)).toEqual({ outcome: 'stored' });
    expect(s.get(v1.key, 5_000)?.seq).toBe(2n);
  });

  it('refuses an older version without verifying it, and keeps the first of two versions with one number', () => {
    const s = store();
    const v2 = aliceData(2n, 'first');
    s.offer(v2, verify(v2), 5_000, 0);
    const v1 = aliceData(1n);
    expect(s.offer(v1, () => { throw new Error('stale needs no signature check'); }, 5_000, 0)).toEqual({ outcome: 'rejected', reason: 'stale' });
    const other = aliceData(2n, 'second');
    expect(s.offer(other, verify(other), 5_000, 0)).toEqual({ outcome: 'rejected', reason: 'conflict' });
    // A forged "conflict" is a forgery, not a conflict.
    const forged = { ...aliceData(2n, 'third'), signature: new Uint8Array(64) };
    expect(s.offer(forged, verify(forged), 5_000, 0)).toEqual({ outcome: 'rejected', reason: 'bad-signature' });
    expect(new TextDecoder().decode(s.get(v2.key, 5_000)?.value)).toBe('first');
  });

  it('is bounded for new keys, never serves and sweeps expired records', () => {
    const s = store();
    const owners = [1, 2, 3, 4].map((b) => ed.createSigner(new Uint8Array(32).fill(b)));
    const records = owners.map((o, i) => signRecord({ type: 'player-data', subject: o.publicKey, seq: 1n, expiresAtMs: BigInt(6_000 + i * 1000), value: value('x') }, o));
    for (const r of records.slice(0, 3)) expect(s.offer(r, verify(r), 5_000, 0).outcome).toBe('stored');
    expect(s.offer(records[3] as DhtRecord, verify(records[3] as DhtRecord), 5_000, 0)).toEqual({ outcome: 'rejected', reason: 'store-full' });
    expect(s.get((records[0] as DhtRecord).key, 6_000)).toBeUndefined();
    expect(s.sweep(7_000)).toBe(2);
    expect(s.size).toBe(1);
  });
});

describe('SenderRateLimiter', () => {
  it('lets a burst through, then refills at the configured rate, per sender', () => {
    const clock = new ManualClock(0);
    const limiter = new SenderRateLimiter({ perSecond: 10, burst: 3 }, 100, clock);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
    expect(limiter.take('b')).toBe(true);
    clock.advance(99);
    expect(limiter.take('a')).toBe(false);
    clock.advance(1);
    expect(limiter.take('a')).toBe(true);
    clock.advance(10_000);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
  });

  it('tracks at most maxSenders, forgetting the least recently active', () => {
    const clock = new ManualClock(0);
    const limiter = new SenderRateLimiter({ perSecond: 1, burst: 1 }, 2, clock);
    limiter.take('a');
    limiter.take('b');
    limiter.take('a');
    limiter.take('c');
    expect(limiter.trackedSenders).toBe(2);
    // 'b' was forgotten (so starts full again); 'a' was kept and is still empty.
    expect(limiter.take('a')).toBe(false);
    expect(limiter.take('b')).toBe(true);
  });

  it('refuses nonsense limits', () => {
    const clock = new ManualClock(0);
    expect(() => new SenderRateLimiter({ perSecond: 0, burst: 1 }, 1, clock)).toThrow(RangeError);
    expect(() => new SenderRateLimiter({ perSecond: 1, burst: 0.5 }, 1, clock)).toThrow(RangeError);
  });
});
