import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BanType,
  CERTIFICATE_TYPES,
  GameKeyType,
  KeyCertificateType,
  PaymentTokenType,
  certificateSigningBytes,
  createPaymentIssuer,
  decodeCertificate,
  encodeCertificate,
  openCertificate,
  signCertificate,
  verifyCertificate,
  type CertificateType,
} from '../../src/auth/index.js';
import { createEd25519, DomainTag } from '../../src/crypto/index.js';
import { NEO_ROUND_SIGNING_TAG } from '../../src/neo/messages.js';
import { ManualClock } from '../../src/time/clock.js';
import { ZONE_LEADERS_SIGNING_TAG } from '../../src/zones/leader-record.js';
import { ZONE_EVENT_SIGNING_TAG } from '../../src/zones/events.js';
import type { StructFields } from '../../src/wire/index.js';
import { arbitraryFor } from '../wire/arbitrary.js';
import { authoritySigner, ed, hex, issuerSigner, playerSigner } from './helpers.js';

const anyType = CERTIFICATE_TYPES as readonly CertificateType<StructFields>[];

describe('certificates', () => {
  it('sign, encode, decode and verify round-trip for every type', () => {
    for (const type of anyType) {
      fc.assert(
        fc.property(arbitraryFor(type.record.shape), (record) => {
          const cert = signCertificate(type, authoritySigner, record as never);
          const bytes = encodeCertificate(type, cert);
          expect(bytes.length).toBe(type.codec.minSize);
          const decoded = decodeCertificate(type, bytes);
          expect(decoded).toEqual(cert);
          expect(verifyCertificate(type, decoded!, authoritySigner.publicKey, ed)).toBe(true);
          expect(openCertificate(type, bytes, authoritySigner.publicKey, ed)).toEqual(cert);
        }),
        { numRuns: 50 },
      );
    }
  });

  it('a certificate signed by any other key is refused', () => {
    const cert = signCertificate(KeyCertificateType, playerSigner, { playerId: 1n, publicKey: playerSigner.publicKey });
    expect(verifyCertificate(KeyCertificateType, cert, authoritySigner.publicKey, ed)).toBe(false);
    expect(openCertificate(KeyCertificateType, encodeCertificate(KeyCertificateType, cert), authoritySigner.publicKey, ed)).toBeNull();
  });

  it('every single-bit flip of an encoded certificate is refused (never thrown)', () => {
    for (const type of anyType) {
      const record = fc.sample(arbitraryFor(type.record.shape), { numRuns: 1, seed: 7 })[0];
      const bytes = encodeCertificate(type, signCertificate(type, authoritySigner, record as never));
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const flipped = bytes.slice();
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(openCertificate(type, flipped, authoritySigner.publicKey, ed), `${type.name} bit ${bit}`).toBeNull();
      }
    }
  });

  it('truncated, extended and random bytes decode to null, not to an exception', () => {
    const bytes = encodeCertificate(GameKeyType, signCertificate(GameKeyType, authoritySigner, { playerId: 3n, expiresAtMs: 10n }));
    expect(decodeCertificate(GameKeyType, bytes.subarray(0, bytes.length - 1))).toBeNull();
    expect(decodeCertificate(GameKeyType, new Uint8Array([...bytes, 0]))).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
        for (const type of anyType) expect(openCertificate(type, input, authoritySigner.publicKey, ed)).toBeNull();
      }),
    );
    expect(() => decodeCertificate(GameKeyType, 'nope' as never)).toThrow(TypeError);
  });

  it('a signature made for one type never verifies as another, even over the same field bytes', () => {
    // A game key (u64, u64) and the first 16 bytes of a ban share a layout; the tags keep them apart.
    const game = signCertificate(GameKeyType, authoritySigner, { playerId: 5n, expiresAtMs: 6n });
    const asBan = { playerId: 5n, bannedAtMs: 6n, reason: new Uint8Array(32), signature: game.signature };
    expect(verifyCertificate(BanType, asBan, authoritySigner.publicKey, ed)).toBe(false);
    const tags = anyType.map((t) => new TextDecoder().decode(t.tag));
    expect(new Set(tags).size).toBe(tags.length);
    expect(hex(certificateSigningBytes(GameKeyType, game))).toBe(hex(new TextEncoder().encode('p2p-mmog/game-key/v1')) + '0000000000000005' + '0000000000000006');
  });

  it('signing tags are prefix-free among themselves and with every other tag in the product', () => {
    const all = [...anyType.map((t) => new TextDecoder().decode(t.tag)), new TextDecoder().decode(NEO_ROUND_SIGNING_TAG), new TextDecoder().decode(ZONE_LEADERS_SIGNING_TAG), new TextDecoder().decode(ZONE_EVENT_SIGNING_TAG), ...Object.values(DomainTag), 'p2p-mmog/cheat-proof/v1'];
    for (const a of all) for (const b of all) if (a !== b) expect(b.startsWith(a), `${a} prefixes ${b}`).toBe(false);
  });

  it('misuse throws: a record that does not fit its layout', () => {
    expect(() => signCertificate(GameKeyType, authoritySigner, { playerId: -1n, expiresAtMs: 0n })).toThrow(TypeError);
    expect(() => signCertificate(KeyCertificateType, authoritySigner, { playerId: 1n, publicKey: new Uint8Array(31) })).toThrow(TypeError);
  });

  it('native and noble backends agree on every certificate', () => {
    const noble = createEd25519('noble');
    const nobleSigner = noble.createSigner(new Uint8Array(32).fill(1));
    const record = { playerId: 77n, bannedAtMs: 1234n, reason: new Uint8Array(32).fill(9) };
    const a = signCertificate(BanType, authoritySigner, record);
    const b = signCertificate(BanType, nobleSigner, record);
    expect(hex(a.signature)).toBe(hex(b.signature));
    expect(verifyCertificate(BanType, a, authoritySigner.publicKey, noble)).toBe(true);
  });
});

describe('payment issuer', () => {
  it('issues tokens signed by its key, stamped with the wall clock, with distinct ids', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const issuer = createPaymentIssuer(new Uint8Array(32).fill(2), { wallClock: clock });
    expect(hex(issuer.publicKey)).toBe(hex(issuerSigner.publicKey));
    const a = issuer.issue({ amount: 500, planMs: 86_400_000 });
    const b = issuer.issue({ amount: 500, planMs: 86_400_000 });
    expect(a.issuedAtMs).toBe(1_700_000_000_000n);
    expect(a.planMs).toBe(86_400_000n);
    expect(hex(a.tokenId)).not.toBe(hex(b.tokenId));
    expect(verifyCertificate(PaymentTokenType, a, issuer.publicKey, ed)).toBe(true);
    expect(verifyCertificate(PaymentTokenType, a, authoritySigner.publicKey, ed)).toBe(false);
    expect(() => issuer.issue({ amount: 1, planMs: 0 })).toThrow(RangeError);
  });

  it('repeats its token ids under a seeded generator', () => {
    let n = 0;
    const rng = { bytes: (k: number) => new Uint8Array(k).fill(++n) };
    const issuer = createPaymentIssuer(new Uint8Array(32).fill(2), { rng, wallClock: new ManualClock(1) });
    expect(hex(issuer.issue({ amount: 1, planMs: 1 }).tokenId)).toBe('01'.repeat(16));
  });
});
