import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeUpdate } from '../../src/game/index.js';
import { BanType, signCertificate } from '../../src/auth/index.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { decodePayload, encodeFittedPayload, encodePayload, MAX_PAYLOAD_BYTES, type MembershipOp } from '../../src/groups/index.js';
import { MAX_COMMITMENT_BYTES } from '../../src/neo/index.js';
import { MAX_EVENT_ZONE_BYTES, signZoneEvent } from '../../src/zones/index.js';

const update = encodeUpdate({ dx: 1, dy: -2, action: { kind: 'none' } });
const key = new Uint8Array(32).fill(7);

describe('group payload: a game update plus membership operations', () => {
  it('round-trips every operation kind', () => {
    const ops: MembershipOp[] = [{ kind: 'leave' }, { kind: 'admit', publicKey: key, host: '127.0.0.1', port: 4000 }, { kind: 'remove', publicKey: key }];
    const decoded = decodePayload(encodePayload({ update, ops }));
    expect(decoded).not.toBeNull();
    expect(decoded!.update).toEqual(update);
    expect(decoded!.ops).toEqual(ops);
  });

  it('carries a handed-over player\'s avatar in its admit, and fits what it can of the proposals into one update', () => {
    const avatar = { x: 300, y: 7, hp: 55, gold: 1234 };
    const admit: MembershipOp = { kind: 'admit', publicKey: key, host: '127.0.0.1', port: 4000, avatar };
    expect(decodePayload(encodePayload({ update, ops: [admit] }))?.ops).toEqual([admit]);
    // Four admits from IPv6 hosts do not fit one update: the first ones go now, the rest next round.
    const long: MembershipOp = { kind: 'admit', publicKey: key, host: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', port: 4000, avatar };
    const fitted = decodePayload(encodeFittedPayload(update, [long, long, long, long]));
    expect(fitted?.ops.length).toBeGreaterThan(0);
    expect(fitted?.ops.length).toBeLessThan(4);
    expect(encodeFittedPayload(update, [long, long, long, long]).length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    // An avatar on any other operation is not a canonical payload.
    const leave = encodePayload({ update, ops: [{ kind: 'leave' }] });
    const withAvatar = encodePayload({ update, ops: [{ kind: 'admit', publicKey: new Uint8Array(32), host: 'h', port: 1, avatar }] });
    expect(decodePayload(leave)).not.toBeNull();
    expect(withAvatar.length).toBeGreaterThan(leave.length);
  });

  it('decodes nothing but canonical payloads, and never throws on remote bytes', () => {
    const good = encodePayload({ update, ops: [{ kind: 'leave' }] });
    // A leave carrying a key is not the canonical encoding of any payload.
    const tampered = good.slice();
    tampered[tampered.length - 36] = 1;
    expect(decodePayload(tampered)).toBeNull();
    expect(decodePayload(good.subarray(0, good.length - 1))).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const p = decodePayload(bytes);
        if (p !== null) expect(encodePayload(p)).toEqual(bytes);
      }),
    );
  });

  it('carries a ban (authority ban certificate and key-certificate signature) alone within a sealed update', () => {
    const authority = createEd25519('native').createSigner(new Uint8Array(32).fill(1));
    const ban = signCertificate(BanType, authority, { playerId: 42n, bannedAtMs: 1_700_000_000_000n, reason: new Uint8Array(32).fill(0xbb) });
    const ops: MembershipOp[] = [{ kind: 'ban', ban, keySignature: new Uint8Array(64).fill(5) }];
    const bytes = encodePayload({ update, ops });
    // It must fit the plaintext NEO seals (the commitment adds 48 bytes).
    expect(bytes.length).toBeLessThanOrEqual(MAX_COMMITMENT_BYTES - 48);
    expect(decodePayload(bytes)!.ops).toEqual(ops);
    expect(() => encodePayload({ update, ops: [...ops, ...ops] })).toThrow(RangeError);
  });

  it('refuses more operations than an update may carry (a programmer error)', () => {
    expect(() => encodePayload({ update, ops: Array.from({ length: 5 }, () => ({ kind: 'leave' as const })) })).toThrow(RangeError);
  });
});

describe('group payload: notices', () => {
  const signer = createEd25519('native').createSigner(new Uint8Array(32).fill(3));
  // The largest notice the product makes: a zone event of a zone id at its longest.
  const notice = signZoneEvent({ origin: new Uint8Array(16).fill(1), seq: 0xffffffff, zone: 'z'.repeat(MAX_EVENT_ZONE_BYTES), kind: 'lights-out' }, signer);

  const short = signZoneEvent({ origin: new Uint8Array(16).fill(1), seq: 1, zone: 'building', kind: 'lights-on' }, signer);

  it('round-trips a notice beside membership operations; the largest fits the plaintext NEO seals', () => {
    expect(encodePayload({ update, ops: [], notices: [notice] }).length).toBeLessThanOrEqual(MAX_COMMITMENT_BYTES - 48);
    const ops: MembershipOp[] = [{ kind: 'leave' }];
    expect(decodePayload(encodePayload({ update, ops, notices: [short] }))).toEqual({ update, ops, notices: [short] });
    expect(decodePayload(encodePayload({ update, ops }))?.notices).toBeUndefined();
    expect(() => encodePayload({ update, ops: [], notices: [notice, notice] })).toThrow(RangeError);
  });

  it('puts the notice first: operations that no longer fit beside it wait for the next round', () => {
    const authority = createEd25519('native').createSigner(new Uint8Array(32).fill(1));
    const ban = signCertificate(BanType, authority, { playerId: 42n, bannedAtMs: 1_700_000_000_000n, reason: new Uint8Array(32).fill(0xbb) });
    const fitted = decodePayload(encodeFittedPayload(update, [{ kind: 'ban', ban, keySignature: new Uint8Array(64).fill(5) }], notice));
    expect(fitted?.notices).toEqual([notice]);
    expect(fitted?.ops).toEqual([]);
    const withLeave = decodePayload(encodeFittedPayload(update, [{ kind: 'leave' }], short));
    expect(withLeave?.ops).toEqual([{ kind: 'leave' }]);
    expect(withLeave?.notices).toEqual([short]);
  });
});
