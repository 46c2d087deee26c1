import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyCertificateType, createProofVerifier, encodeNeoBadRevealProof, encodeNeoEquivocationProof, signCertificate } from '../../src/auth/index.js';
import { createCommitment } from '../../src/crypto/index.js';
import { updateAad } from '../../src/neo/index.js';
import { authoritySigner, ed, playerSigner, roundContent, seed, signRound } from './helpers.js';

const verifier = createProofVerifier({ authorityPublicKey: authoritySigner.publicKey }, { ed25519: ed });
const cert = signCertificate(KeyCertificateType, authoritySigner, { playerId: 42n, publicKey: playerSigner.publicKey });
const session = new Uint8Array(16).fill(0x5e);
const reason = (bytes: Uint8Array) => {
  const v = verifier.verify(bytes);
  return v.ok ? 'accepted' : v.reason;
};

/** What NeoSession signs: a sealed update in round r and, d rounds later, the key that sealed it. */
function honestPair(plaintext: Uint8Array, round: number, sender: number, depth: number, view = 1) {
  const { key, commitment } = createCommitment(plaintext, updateAad(session, view, round, sender));
  const commit = signRound(playerSigner, roundContent({ session, view, round, sender, update: commitment }));
  const reveal = signRound(playerSigner, roundContent({ session, view, round: round + depth, sender, update: new Uint8Array(0), reveal: { round, key } }));
  return { commit, reveal, key, commitment };
}

describe('NEO bad-reveal proofs (kind 3)', () => {
  it('another player\'s sealed update and key, signed by the offender as its own, are a proof', () => {
    // The victim (sender 0) sealed under its own context; the offender (sender 2) copies both.
    const { key, commitment } = createCommitment(new Uint8Array([1, 2, 3]), updateAad(session, 1, 7, 0));
    const commit = signRound(playerSigner, roundContent({ session, round: 7, sender: 2, update: commitment }));
    const reveal = signRound(playerSigner, roundContent({ session, round: 8, sender: 2, update: new Uint8Array(0), reveal: { round: 7, key } }));
    expect(reason(encodeNeoBadRevealProof(cert, commit, reveal))).toBe('accepted');
  });

  it('refuses each flaw under its own reason', () => {
    const { commit, reveal } = honestPair(new Uint8Array([9]), 7, 2, 1);
    // An honest pair opens: no proof.
    expect(reason(encodeNeoBadRevealProof(cert, commit, reveal))).toBe('opens');
    const wrongKey = signRound(playerSigner, roundContent({ session, round: 8, sender: 2, update: new Uint8Array(0), reveal: { round: 7, key: new Uint8Array(32).fill(1) } }));
    // Reveal for another round, another sender, or an earlier message: not about this update.
    const otherRound = signRound(playerSigner, roundContent({ session, round: 8, sender: 2, update: new Uint8Array(0), reveal: { round: 6, key: new Uint8Array(32).fill(1) } }));
    const otherSender = signRound(playerSigner, roundContent({ session, round: 8, sender: 3, update: new Uint8Array(0), reveal: { round: 7, key: new Uint8Array(32).fill(1) } }));
    const noKey = signRound(playerSigner, roundContent({ session, round: 8, sender: 2, update: new Uint8Array(0) }));
    expect(reason(encodeNeoBadRevealProof(cert, commit, otherRound))).toBe('context');
    expect(reason(encodeNeoBadRevealProof(cert, commit, otherSender))).toBe('context');
    expect(reason(encodeNeoBadRevealProof(cert, commit, noKey))).toBe('context');
    expect(reason(encodeNeoBadRevealProof(cert, wrongKey, commit))).toBe('context');
    // Signed by someone else than the certified key.
    const stranger = ed.createSigner(seed(9));
    const forged = signRound(stranger, roundContent({ session, round: 8, sender: 2, update: new Uint8Array(0), reveal: { round: 7, key: new Uint8Array(32).fill(1) } }));
    expect(reason(encodeNeoBadRevealProof(cert, commit, forged))).toBe('signature');
    expect(reason(encodeNeoBadRevealProof(cert, commit, wrongKey))).toBe('accepted');
  });

  it('nothing an honest member signs is ever a proof against it (bad reveal or equivocation)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 208 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 39 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (plaintext, round, sender, depth, view) => {
          const { commit, reveal } = honestPair(plaintext, round, sender, depth, view);
          expect(reason(encodeNeoBadRevealProof(cert, commit, reveal))).not.toBe('accepted');
          // The one message an honest member signs per round, twice (e.g. a forwarded copy): not equivocation.
          expect(reason(encodeNeoEquivocationProof(cert, commit, commit))).not.toBe('accepted');
          expect(reason(encodeNeoEquivocationProof(cert, reveal, reveal))).not.toBe('accepted');
          // Its commitment and its reveal are different rounds: not equivocation either.
          expect(reason(encodeNeoEquivocationProof(cert, commit, reveal))).not.toBe('accepted');
        },
      ),
      { numRuns: 60 },
    );
  });
});
