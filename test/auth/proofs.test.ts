import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CheatProofCodec,
  KeyCertificateType,
  MAX_PROOF_BYTES,
  MAX_PROOF_CHUNKS,
  ProofKind,
  createProofVerifier,
  encodeNeoEquivocationProof,
  proofDigest,
  signCertificate,
  type ProofKindVerifier,
} from '../../src/auth/index.js';
import { MAX_COMMITMENT_BYTES, MAX_GROUP_SIZE, type NeoRoundContentValue } from '../../src/neo/index.js';
import { CHUNK_DATA_MAX_BYTES, encodeWith } from '../../src/wire/index.js';
import { authoritySigner, ed, hex, playerSigner, roundContent, seed, signRound } from './helpers.js';

const verifier = createProofVerifier({ authorityPublicKey: authoritySigner.publicKey }, { ed25519: ed });
const cert = signCertificate(KeyCertificateType, authoritySigner, { playerId: 42n, publicKey: playerSigner.publicKey });
const other = ed.createSigner(seed(9));

describe('NEO equivocation proofs', () => {
  it('two validly signed, different messages of one member for one round are a proof', () => {
    const bytes = encodeNeoEquivocationProof(cert, signRound(playerSigner, roundContent({ update: new Uint8Array([1]) })), signRound(playerSigner, roundContent({ update: new Uint8Array([2]) })));
    const verdict = verifier.verify(bytes);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.offender.playerId).toBe(42n);
    expect(hex(verdict.digest)).toBe(hex(proofDigest(bytes)));
  });

  it('refuses each flaw under its own reason', () => {
    const a = signRound(playerSigner, roundContent({ update: new Uint8Array([1]) }));
    const b = signRound(playerSigner, roundContent({ update: new Uint8Array([2]) }));
    const reason = (bytes: Uint8Array) => {
      const v = verifier.verify(bytes);
      return v.ok ? 'accepted' : v.reason;
    };
    // One signature bad.
    const badSig = { ...b, signature: b.signature.slice() };
    badSig.signature[10] = (badSig.signature[10] as number) ^ 1;
    expect(reason(encodeNeoEquivocationProof(cert, a, badSig))).toBe('signature');
    // The same message twice (a forwarded copy is byte-identical).
    expect(reason(encodeNeoEquivocationProof(cert, a, a))).toBe('identical');
    // Different round, view, session or member index.
    for (const change of [{ round: 8 }, { view: 2 }, { session: new Uint8Array(16).fill(1) }, { sender: 3 }] as Partial<NeoRoundContentValue>[]) {
      expect(reason(encodeNeoEquivocationProof(cert, a, signRound(playerSigner, roundContent({ ...change, update: new Uint8Array([2]) }))))).toBe('context');
    }
    // The messages are someone else's: the certificate names another key.
    const otherCert = signCertificate(KeyCertificateType, authoritySigner, { playerId: 43n, publicKey: other.publicKey });
    expect(reason(encodeNeoEquivocationProof(otherCert, a, b))).toBe('signature');
    // A certificate the authority never signed.
    const selfSigned = signCertificate(KeyCertificateType, playerSigner, { playerId: 42n, publicKey: playerSigner.publicKey });
    expect(reason(encodeNeoEquivocationProof(selfSigned, a, b))).toBe('certificate');
    // Garbage, truncation, unknown kinds.
    const good = encodeNeoEquivocationProof(cert, a, b);
    expect(reason(good.subarray(0, good.length - 1))).toBe('malformed');
    expect(reason(new Uint8Array([1, 2, 3]))).toBe('malformed');
    const unknown = good.slice();
    unknown[0] = 0x77;
    expect(reason(unknown)).toBe('unknown-kind');
    const badContent = encodeWith(CheatProofCodec, { kind: ProofKind.neoEquivocation, offender: cert, evidence: new Uint8Array(10) });
    expect(reason(badContent)).toBe('malformed');
  });

  it('a proof at its caps still fits the chunks an auth-proof message can list', () => {
    expect(MAX_PROOF_BYTES).toBeLessThanOrEqual(MAX_PROOF_CHUNKS * CHUNK_DATA_MAX_BYTES);
    const big = roundContent({
      update: new Uint8Array(MAX_COMMITMENT_BYTES),
      reveal: { round: 6, key: new Uint8Array(32) },
      votes: { round: 6, entries: Array.from({ length: MAX_GROUP_SIZE }, (_, member) => ({ member, digest: new Uint8Array(16) })) },
      stateHash: { round: 5, hash: new Uint8Array(32) },
      proposal: { effectiveRound: 20, roundMs: 100 },
    });
    const second = { ...big, update: new Uint8Array(MAX_COMMITMENT_BYTES).fill(1) };
    const bytes = encodeNeoEquivocationProof(cert, signRound(playerSigner, big), signRound(playerSigner, second));
    expect(bytes.length).toBeLessThanOrEqual(MAX_PROOF_BYTES);
    expect(verifier.verify(bytes).ok).toBe(true);
  });

  it('honest players can never be proven guilty (property)', () => {
    // An honest member signs one message per (session, view, round); a proof built from anything
    // it signed, or from others' messages under its certificate, must never verify.
    const context = fc.record({ session: fc.uint8Array({ minLength: 16, maxLength: 16 }), view: fc.nat({ max: 3 }), round: fc.nat({ max: 3 }), sender: fc.nat({ max: 3 }) });
    const update = fc.uint8Array({ maxLength: 40 });
    fc.assert(
      fc.property(context, update, context, update, fc.boolean(), fc.constantFrom('honest-pair', 'third-party-second', 'third-party-both'), (c1, u1, c2, u2, sameSession, mode) => {
        const ctx2 = sameSession ? { ...c2, session: c1.session } : c2;
        const m1 = roundContent({ ...c1, update: u1 });
        const sameContext = hex(m1.session) === hex(ctx2.session) && m1.view === ctx2.view && m1.round === ctx2.round && m1.sender === ctx2.sender;
        // The honest member would have signed the very same message again for the same context.
        const m2 = sameContext && mode === 'honest-pair' ? m1 : roundContent({ ...ctx2, update: u2 });
        const first = signRound(mode === 'third-party-both' ? other : playerSigner, m1);
        const second = signRound(mode === 'honest-pair' ? playerSigner : other, m2);
        expect(verifier.verify(encodeNeoEquivocationProof(cert, first, second)).ok).toBe(false);
        expect(verifier.verify(encodeNeoEquivocationProof(cert, second, first)).ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('kinds come from a table: a new kind verifies through its own handler, a duplicate kind throws', () => {
    const wrongResult: ProofKindVerifier = { kind: ProofKind.computeWrongResult, name: 'compute-wrong-result', verify: (evidence) => (evidence[0] === 1 ? { ok: true } : { ok: false, reason: 'signature' }) };
    const extended = createProofVerifier({ authorityPublicKey: authoritySigner.publicKey }, { ed25519: ed, kinds: [wrongResult] });
    const proof = (e: number) => encodeWith(CheatProofCodec, { kind: ProofKind.computeWrongResult, offender: cert, evidence: new Uint8Array([e]) });
    expect(extended.verify(proof(1)).ok).toBe(true);
    expect(extended.verify(proof(0))).toEqual({ ok: false, reason: 'signature' });
    expect(verifier.verify(proof(1))).toEqual({ ok: false, reason: 'unknown-kind' });
    expect(() => createProofVerifier({ authorityPublicKey: authoritySigner.publicKey }, { ed25519: ed, kinds: [wrongResult, wrongResult] })).toThrow(RangeError);
  });
});
