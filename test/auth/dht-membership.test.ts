import { describe, expect, it } from 'vitest';
import { KeyCertificateType, encodeCertificate, keyCertificateMembership, signCertificate, type KeyCertificate } from '../../src/auth/index.js';
import { MAX_CREDENTIAL_BYTES } from '../../src/dht/index.js';
import { authoritySigner, ed, playerSigner, seed } from './helpers.js';

const other = ed.createSigner(seed(4));
const forger = ed.createSigner(seed(5));
const certificate = (publicKey: Uint8Array, by = authoritySigner): KeyCertificate => signCertificate(KeyCertificateType, by, { playerId: 42n, publicKey });

/** The DHT's Sybil gate as players compose it (docs/dht.md, "Membership"): a key certificate is the credential. */
describe('keyCertificateMembership', () => {
  const gate = keyCertificateMembership(authoritySigner.publicKey, ed, () => null);

  it('admits a sender whose certificate names its own key and is signed by the authority', () => {
    expect(gate.admits(playerSigner.publicKey, encodeCertificate(KeyCertificateType, certificate(playerSigner.publicKey)))).toBe(true);
  });

  it('refuses another key’s genuine certificate, a forged one, a flipped bit and junk, never throwing', () => {
    const genuine = encodeCertificate(KeyCertificateType, certificate(playerSigner.publicKey));
    expect(gate.admits(other.publicKey, genuine)).toBe(false);
    expect(gate.admits(other.publicKey, encodeCertificate(KeyCertificateType, certificate(other.publicKey, forger)))).toBe(false);
    for (let bit = 0; bit < genuine.length * 8; bit += 7) {
      const flipped = genuine.slice();
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(gate.admits(playerSigner.publicKey, flipped), `bit ${bit}`).toBe(false);
    }
    for (const junk of [new Uint8Array(0), genuine.subarray(0, 103), new Uint8Array([...genuine, 0]), new Uint8Array(MAX_CREDENTIAL_BYTES).fill(0xff)]) {
      expect(gate.admits(playerSigner.publicKey, junk)).toBe(false);
    }
  });

  it('presents nothing until the node holds a certificate, then its 104 bytes, encoded once', () => {
    let mine: KeyCertificate | null = null;
    const own = keyCertificateMembership(authoritySigner.publicKey, ed, () => mine);
    expect(own.credential()).toBeNull();
    mine = certificate(playerSigner.publicKey);
    const bytes = own.credential();
    expect(bytes).toEqual(encodeCertificate(KeyCertificateType, mine));
    expect(bytes?.length).toBe(104);
    expect(bytes?.length).toBeLessThanOrEqual(MAX_CREDENTIAL_BYTES);
    expect(own.credential()).toBe(bytes);
  });

  it('throws on an authority key of the wrong length (a caller bug)', () => {
    expect(() => keyCertificateMembership(new Uint8Array(31), ed, () => null)).toThrow(TypeError);
  });
});
