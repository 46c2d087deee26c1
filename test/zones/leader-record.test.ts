import { describe, expect, it } from 'vitest';
import { createEd25519, type Signer } from '../../src/crypto/index.js';
import { MAX_RECORD_VALUE_BYTES, RecordCodec, signRecord, verifyRecord, type DhtRecord, type RecordCheck } from '../../src/dht/index.js';
import type { GroupView } from '../../src/groups/index.js';
import { encodeWith } from '../../src/wire/index.js';
import {
  MAX_ENDORSEMENTS,
  MAX_LEAF_BYTES,
  MAX_LISTED_MEMBERS,
  decodeZoneLeaders,
  encodeZoneLeaders,
  endorse,
  endorsementBytes,
  leafRecordSubject,
  zoneLeadersBody,
  zoneLeadersPolicy,
  zoneLeadersRecord,
  type LeafAddress,
  type ZoneLeadersBody,
  type ZoneLeadersEndorsement,
  type ZoneLeadersValue,
} from '../../src/zones/index.js';

const ed = createEd25519('native');
const signers: Signer[] = Array.from({ length: 12 }, (_, i) => ed.createSigner(new Uint8Array(32).fill(i + 1)));
const outsider = ed.createSigner(new Uint8Array(32).fill(0x66));
const policy = zoneLeadersPolicy((s, m, k) => ed.verify(s, m, k));
const check: RecordCheck = { policies: { 'zone-leaders': policy }, verify: (s, m, k) => ed.verify(s, m, k), nowMs: 5_000 };
const leaf: LeafAddress = { zoneId: 'field', path: '03' };
const EXPIRES = 10_000n;

function viewOf(n: number): GroupView {
  return {
    sessionId: new Uint8Array(16).fill(0x5e),
    number: 7,
    startRound: 120,
    members: signers.slice(0, n).map((s, i) => ({ publicKey: s.publicKey, endpoint: { host: '127.0.0.1', port: 40_000 + i }, seat: i })),
  };
}

/** The first `count` listed members endorse; member `writer` writes. */
function recordOf(n: number, count = Math.floor(Math.min(n, MAX_LISTED_MEMBERS) / 2) + 1, writer = 0, seq = 130n): { body: ZoneLeadersBody; endorsements: ZoneLeadersEndorsement[]; record: DhtRecord } {
  const body = zoneLeadersBody(leaf, viewOf(n));
  const endorsements = signers.slice(0, count).map((s) => endorse(body, s));
  return { body, endorsements, record: zoneLeadersRecord(body, endorsements, signers[writer] as Signer, seq, EXPIRES) };
}

/** A record with any value, as a writer of bad intent could sign it. */
function forged(value: ZoneLeadersValue | Uint8Array, writer: Signer = signers[0] as Signer, subject = leafRecordSubject(leaf)): DhtRecord {
  const bytes = value instanceof Uint8Array ? value : encodeZoneLeaders(value);
  return signRecord({ type: 'zone-leaders', subject, seq: 130n, expiresAtMs: EXPIRES, value: bytes }, writer);
}

describe('the zone-leaders record', () => {
  it('round-trips: the value decodes to the body built from the view and its endorsements', () => {
    const { body, endorsements, record } = recordOf(3);
    expect(record.type).toBe('zone-leaders');
    expect(record.subject).toEqual(leafRecordSubject(leaf));
    const value = decodeZoneLeaders(record);
    expect(value).toEqual({ ...body, endorsements });
    expect(value?.leaf).toBe('field/03');
    expect(value?.members).toHaveLength(3);
    expect(value?.memberCount).toBe(3);
    expect(value?.leaders).toEqual([
      { host: '127.0.0.1', port: 40_000 },
      { host: '127.0.0.1', port: 40_001 },
    ]);
    expect(value?.view).toBe(7);
    expect(value?.startRound).toBe(120);
  });

  it('fits the DHT value cap at every field maximum (786 of 800 bytes)', () => {
    const host = 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255';
    expect(host).toHaveLength(45);
    const body: ZoneLeadersBody = {
      leaf: `${'z'.repeat(MAX_LEAF_BYTES - 9)}/01230123`,
      session: new Uint8Array(16).fill(0xff),
      view: 0xffffffff,
      startRound: 0xffffffff,
      members: signers.slice(0, MAX_LISTED_MEMBERS).map((s) => s.publicKey),
      memberCount: 255,
      leaders: [
        { host, port: 65_535 },
        { host, port: 65_535 },
      ],
    };
    expect(body.leaf).toHaveLength(MAX_LEAF_BYTES);
    const endorsements = signers.slice(0, MAX_ENDORSEMENTS).map((s) => endorse(body, s));
    const encoded = encodeZoneLeaders({ ...body, endorsements });
    expect(encoded.length).toBe(786);
    expect(encoded.length).toBeLessThanOrEqual(MAX_RECORD_VALUE_BYTES);
    // The whole record (and so a dht-store) is encodable too.
    const record = forged(encoded, signers[0] as Signer, new Uint8Array(32));
    expect(() => encodeWith(RecordCodec, record)).not.toThrow();
    // More endorsements than a majority of eight are a caller bug, refused by the codec.
    expect(() => encodeZoneLeaders({ ...body, endorsements: [...endorsements, endorse(body, signers[5] as Signer)] })).toThrow(TypeError);
  });

  it('lists the first eight members of a larger view and its real size; members beyond them can neither endorse nor write', () => {
    const view = viewOf(12);
    const body = zoneLeadersBody(leaf, view);
    expect(body.members).toHaveLength(MAX_LISTED_MEMBERS);
    expect(body.memberCount).toBe(12);
    expect(body.members[0]).toEqual(signers[0]?.publicKey);
    expect(() => endorse(body, signers[10] as Signer)).toThrow(RangeError);
    expect(() => zoneLeadersRecord(body, [], signers[10] as Signer, 1n, EXPIRES)).toThrow(RangeError);
  });

  it('refuses misuse at the call site', () => {
    expect(() => zoneLeadersBody(leaf, { ...viewOf(1), members: [] })).toThrow(RangeError);
    expect(() => leafRecordSubject({ zoneId: 'field', path: '04' })).toThrow(TypeError);
    expect(() => leafRecordSubject({ zoneId: '', path: '' })).toThrow(TypeError);
    expect(() => endorse(zoneLeadersBody(leaf, viewOf(2)), outsider)).toThrow(RangeError);
  });

  it('subjects are 32 bytes, the same for the same leaf and different for another', () => {
    const a = leafRecordSubject(leaf);
    expect(a).toHaveLength(32);
    expect(leafRecordSubject({ zoneId: 'field', path: '03' })).toEqual(a);
    expect(leafRecordSubject({ zoneId: 'field', path: '0' })).not.toEqual(a);
    expect(leafRecordSubject({ zoneId: 'field', path: '' })).not.toEqual(leafRecordSubject({ zoneId: 'fiel', path: '' }));
  });
});

describe('zoneLeadersPolicy', () => {
  it.each([1, 2, 3, 12])('accepts a record of a view of %i endorsed by a strict majority of the listed members', (n) => {
    const { record } = recordOf(n);
    expect(verifyRecord(record, check)).toBeNull();
  });

  it('accepts any listed member as the writer, and more endorsements than a bare majority', () => {
    expect(verifyRecord(recordOf(5, 5, 4).record, check)).toBeNull();
    expect(verifyRecord(recordOf(12, 5, 7).record, check)).toBeNull();
  });

  it('refuses a writer the value does not list (an outsider, or a member beyond the first eight)', () => {
    const { body, endorsements } = recordOf(12);
    expect(verifyRecord(forged({ ...body, endorsements }, outsider), check)).toBe('unauthorized');
    expect(verifyRecord(forged({ ...body, endorsements }, signers[10] as Signer), check)).toBe('unauthorized');
  });

  it('refuses endorsements below a strict majority of the listed members', () => {
    expect(verifyRecord(recordOf(2, 1).record, check)).toBe('invalid-value');
    expect(verifyRecord(recordOf(4, 2).record, check)).toBe('invalid-value');
    // A view of 12 lists 8: 4 endorsements are half of the listed, not a majority.
    expect(verifyRecord(recordOf(12, 4).record, check)).toBe('invalid-value');
    expect(verifyRecord(recordOf(3, 0).record, check)).toBe('invalid-value');
  });

  it('refuses an endorsement signed by a key the value does not list', () => {
    const { body, endorsements } = recordOf(5, 2);
    const stolenSeat: ZoneLeadersEndorsement = { index: 2, signature: outsider.sign(endorsementBytes(body)) };
    expect(verifyRecord(forged({ ...body, endorsements: [...endorsements, stolenSeat] }), check)).toBe('invalid-value');
  });

  it('refuses a duplicate endorsement index (one member counted twice)', () => {
    const { body, endorsements } = recordOf(5, 2);
    expect(verifyRecord(forged({ ...body, endorsements: [...endorsements, endorsements[1] as ZoneLeadersEndorsement] }), check)).toBe('invalid-value');
  });

  it('refuses an endorsement index beyond the listed members', () => {
    const { body, endorsements } = recordOf(3, 2);
    const beyond = { index: 3, signature: (signers[3] as Signer).sign(endorsementBytes(body)) };
    expect(verifyRecord(forged({ ...body, endorsements: [...endorsements, beyond] }), check)).toBe('invalid-value');
  });

  it('refuses a body altered after it was endorsed, even re-signed by a listed writer', () => {
    const { body, endorsements } = recordOf(3);
    const moved = { ...body, leaders: [{ host: '10.6.6.6', port: 6666 }, ...body.leaders.slice(1)] };
    expect(verifyRecord(forged({ ...moved, endorsements }), check)).toBe('invalid-value');
    expect(verifyRecord(forged({ ...body, view: body.view + 1, endorsements }), check)).toBe('invalid-value');
    expect(verifyRecord(forged({ ...body, startRound: body.startRound + 1, endorsements }), check)).toBe('invalid-value');
    expect(verifyRecord(forged({ ...body, session: new Uint8Array(16), endorsements }), check)).toBe('invalid-value');
  });

  it('refuses a record filed under another leaf than its value names', () => {
    const { body, endorsements } = recordOf(3);
    expect(verifyRecord(forged({ ...body, endorsements }, signers[0] as Signer, leafRecordSubject({ zoneId: 'field', path: '02' })), check)).toBe('invalid-value');
    // A value naming no leaf at all.
    const noLeaf = { ...body, leaf: 'field' };
    expect(verifyRecord(forged({ ...noLeaf, endorsements: signers.slice(0, 2).map((s) => endorse(noLeaf, s)) }), check)).toBe('invalid-value');
  });

  it('refuses inconsistent lists: repeated members, a listed count other than min(memberCount, 8), no leader or more leaders than members', () => {
    const sign = (b: ZoneLeadersBody, by: number[]) => forged({ ...b, endorsements: by.map((i) => endorse(b, signers[i] as Signer)) });
    const base = zoneLeadersBody(leaf, viewOf(3));
    const repeated = { ...base, members: [base.members[0], base.members[1], base.members[0]] as Uint8Array[] };
    expect(verifyRecord(sign(repeated, [0, 1]), check)).toBe('invalid-value');
    expect(verifyRecord(sign({ ...base, memberCount: 2 }, [0, 1]), check)).toBe('invalid-value');
    expect(verifyRecord(sign({ ...base, memberCount: 9 }, [0, 1]), check)).toBe('invalid-value');
    expect(verifyRecord(sign({ ...base, leaders: [] }, [0, 1]), check)).toBe('invalid-value');
    const one = zoneLeadersBody(leaf, viewOf(1));
    expect(verifyRecord(sign({ ...one, leaders: [...one.leaders, { host: '127.0.0.1', port: 1 }] }, [0]), check)).toBe('invalid-value');
    expect(verifyRecord(sign({ ...base, leaders: [{ host: '127.0.0.1', port: 0 }] }, [0, 1]), check)).toBe('invalid-value');
  });

  it('refuses garbage value bytes without throwing, and decodes them to null', () => {
    const garbage = forged(new Uint8Array([1, 2, 3, 4, 5]));
    expect(decodeZoneLeaders(garbage)).toBeNull();
    // No listed members, so no authorized writer.
    expect(verifyRecord(garbage, check)).toBe('unauthorized');
    expect(policy.validateValue?.(garbage)).toBe(false);
    // A valid value with trailing bytes, and truncated ones.
    const valid = recordOf(3).record.value;
    expect(verifyRecord(forged(new Uint8Array([...valid, 0])), check)).toBe('unauthorized');
    for (let cut = 0; cut < valid.length; cut += 7) {
      const r = forged(valid.subarray(0, cut));
      expect(() => policy.authorizedWriter(r)).not.toThrow();
      expect(policy.validateValue?.(r)).toBe(false);
    }
    // Every single-byte change of a valid record's value is refused, never thrown.
    for (let i = 0; i < valid.length; i += 3) {
      const bytes = valid.slice();
      bytes[i] = (bytes[i] as number) ^ 0x01;
      const r = forged(bytes);
      expect(() => verifyRecord(r, check)).not.toThrow();
      expect(verifyRecord(r, check)).not.toBeNull();
    }
  });

  it('a record of another type never decodes as zone leaders', () => {
    const { record } = recordOf(2);
    expect(decodeZoneLeaders({ ...record, type: 'house' })).toBeNull();
  });
});
