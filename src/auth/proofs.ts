import { equalBytes, openCommitment, sha256, type Ed25519Backend } from '../crypto/index.js';
import { NeoRound, NeoRoundContent, roundSigningBytes, updateAad, type NeoRoundContentValue, type SignedRound } from '../neo/messages.js';
import { DecodeError, decodeWith, encodeWith, struct, u8, varBytes, type Codec, type Infer } from '../wire/index.js';
import { KeyCertificateType, verifyCertificate, type KeyCertificate } from './certificates.js';

/**
 * Cheat proofs (SPEC §3): evidence that a player signed something no honest player ever signs,
 * checked by whoever receives it without trusting whoever sent it. A proof names its offender by
 * an authority-signed key certificate, so the ban lands on a player id, and carries evidence whose
 * layout depends on its kind. Verification is a table keyed by kind: a new kind of cheating (the
 * computation's signed wrong result) is one more entry, not a change here.
 */

/** Kind codes on the wire. 2 is reserved for the computation's wrong signed result (SPEC §7). */
export const ProofKind = { neoEquivocation: 1, computeWrongResult: 2, neoBadReveal: 3 } as const;

/** Room for two NEO round messages at their caps (2 × 1166 bytes) with margin. */
export const MAX_EVIDENCE_BYTES = 3968;

export const CheatProofCodec = struct({
  kind: u8,
  offender: KeyCertificateType.codec,
  evidence: varBytes(MAX_EVIDENCE_BYTES),
});
export type CheatProof = Infer<typeof CheatProofCodec>;

/** The largest encoded proof: kind, key certificate, evidence at its cap. Four 1024-byte chunks. */
export const MAX_PROOF_BYTES = CheatProofCodec.minSize + MAX_EVIDENCE_BYTES;

/** Why a proof was refused; each is counted apart, and none of them bans anyone. */
export const PROOF_REJECTIONS = ['malformed', 'unknown-kind', 'certificate', 'context', 'identical', 'signature', 'opens'] as const;
export type ProofRejection = (typeof PROOF_REJECTIONS)[number];

export type ProofCheck = { readonly ok: true } | { readonly ok: false; readonly reason: ProofRejection };

export interface ProofKindVerifier {
  readonly kind: number;
  readonly name: string;
  /** Evidence bytes from outside: a verdict, never a throw. `offenderKey` is already bound to a player id. */
  verify(evidence: Uint8Array, offenderKey: Uint8Array, ed25519: Pick<Ed25519Backend, 'verify'>): ProofCheck;
}

export type ProofVerdict =
  | { readonly ok: true; readonly proof: CheatProof; readonly offender: KeyCertificate; readonly digest: Uint8Array }
  | { readonly ok: false; readonly reason: ProofRejection };

export interface ProofVerifier {
  /** Decodes and verifies a whole proof from remote bytes. */
  verify(proofBytes: Uint8Array): ProofVerdict;
}

const REJECT = (reason: ProofRejection): ProofCheck => ({ ok: false, reason });

/** Evidence of equivocation in NEO: two round messages of one member, both signed. */
export const NeoEquivocationEvidence = struct({ first: NeoRound.body, second: NeoRound.body });

/**
 * NEO equivocation: the same member signed two different round messages for the same session,
 * view and round. NeoSession signs exactly one message per round it plays and sends the same bytes
 * to everyone, so an honest member never produces such a pair; a forwarded copy is byte-identical
 * and two copies of one message are refused as `identical`.
 */
export const neoEquivocationVerifier: ProofKindVerifier = {
  kind: ProofKind.neoEquivocation,
  name: 'neo-equivocation',
  verify(evidence, offenderKey, ed25519) {
    const pair = decodeRoundPair(NeoEquivocationEvidence, evidence, 'first', 'second');
    if ('ok' in pair) return pair;
    const [a, b] = pair.contents;
    if (!equalBytes(a.session, b.session) || a.view !== b.view || a.round !== b.round || a.sender !== b.sender) return REJECT('context');
    if (equalBytes(pair.signed[0].content, pair.signed[1].content)) return REJECT('identical');
    // Both under the offender's certified key: neither a third party's signature nor a stray copy counts.
    if (!bothSignedBy(pair.signed, offenderKey, ed25519)) return REJECT('signature');
    return { ok: true };
  },
};

/** The two signed round messages of a piece of evidence and their decoded contents, or why not. */
function decodeRoundPair<F1 extends string, F2 extends string>(
  codec: Codec<Record<F1 | F2, SignedRound>>,
  evidence: Uint8Array,
  first: F1,
  second: F2,
): { signed: [SignedRound, SignedRound]; contents: [NeoRoundContentValue, NeoRoundContentValue] } | ProofCheck {
  try {
    const pair = decodeWith(codec, evidence);
    const signed: [SignedRound, SignedRound] = [pair[first], pair[second]];
    return { signed, contents: [decodeWith(NeoRoundContent, signed[0].content), decodeWith(NeoRoundContent, signed[1].content)] };
  } catch (e) {
    if (e instanceof DecodeError) return REJECT('malformed');
    throw e;
  }
}

function bothSignedBy(signed: readonly [SignedRound, SignedRound], key: Uint8Array, ed25519: Pick<Ed25519Backend, 'verify'>): boolean {
  return signed.every((m) => ed25519.verify(m.signature, roundSigningBytes(m.content), key));
}

/** Evidence of a bad reveal in NEO: the round-r message with the sealed update, and a later message of the same member revealing a key for round r. */
export const NeoBadRevealEvidence = struct({ commitment: NeoRound.body, reveal: NeoRound.body });

/**
 * NEO bad reveal: a member signed a sealed update for round r and, in a later message, a key for
 * round r that does not open that update under the member's own context (session, view, round,
 * sender index). NeoSession reveals exactly the key it sealed its own update with, so an honest
 * member never signs such a pair; a member that copies another player's ciphertext and key (a
 * replay of someone else's update as its own) always does, because the AAD binds the author's
 * index. An equivocator that reveals one version's key next to the other version's ciphertext is
 * caught by it too.
 */
export const neoBadRevealVerifier: ProofKindVerifier = {
  kind: ProofKind.neoBadReveal,
  name: 'neo-bad-reveal',
  verify(evidence, offenderKey, ed25519) {
    const pair = decodeRoundPair(NeoBadRevealEvidence, evidence, 'commitment', 'reveal');
    if ('ok' in pair) return pair;
    const [c, r] = pair.contents;
    if (!equalBytes(c.session, r.session) || c.view !== r.view || c.sender !== r.sender || r.round <= c.round) return REJECT('context');
    if (c.update.length === 0 || !r.reveal || r.reveal.round !== c.round) return REJECT('context');
    if (!bothSignedBy(pair.signed, offenderKey, ed25519)) return REJECT('signature');
    if (openCommitment(r.reveal.key, c.update, updateAad(c.session, c.view, c.round, c.sender)) !== null) return REJECT('opens');
    return { ok: true };
  },
};

export const DEFAULT_PROOF_VERIFIERS: readonly ProofKindVerifier[] = [neoEquivocationVerifier, neoBadRevealVerifier];

const PROOF_DIGEST_TAG = new TextEncoder().encode('p2p-mmog/cheat-proof/v1');

/** SHA-256("p2p-mmog/cheat-proof/v1" || proof): the ban's reason, naming the exact proof that caused it. */
export function proofDigest(proofBytes: Uint8Array): Uint8Array {
  const tagged = new Uint8Array(PROOF_DIGEST_TAG.length + proofBytes.length);
  tagged.set(PROOF_DIGEST_TAG);
  tagged.set(proofBytes, PROOF_DIGEST_TAG.length);
  return sha256(tagged);
}

export interface ProofVerifierConfig {
  /** Offender certificates must carry this key's signature. */
  readonly authorityPublicKey: Uint8Array;
}

export interface ProofVerifierDeps {
  readonly ed25519: Pick<Ed25519Backend, 'verify'>;
  /** One per proof kind; defaults to the NEO equivocation verifier. */
  readonly kinds?: readonly ProofKindVerifier[];
}

export function createProofVerifier(config: ProofVerifierConfig, deps: ProofVerifierDeps): ProofVerifier {
  const table = new Map<number, ProofKindVerifier>();
  for (const k of deps.kinds ?? DEFAULT_PROOF_VERIFIERS) {
    if (table.has(k.kind)) throw new RangeError(`createProofVerifier: proof kind ${k.kind} (${k.name}) registered twice`);
    table.set(k.kind, k);
  }
  const authorityKey = Uint8Array.from(config.authorityPublicKey);
  return {
    verify(proofBytes) {
      let proof: CheatProof;
      try {
        proof = decodeWith(CheatProofCodec, proofBytes);
      } catch (e) {
        if (e instanceof DecodeError) return { ok: false, reason: 'malformed' };
        throw e;
      }
      const handler = table.get(proof.kind);
      if (!handler) return { ok: false, reason: 'unknown-kind' };
      if (!verifyCertificate(KeyCertificateType, proof.offender, authorityKey, deps.ed25519)) return { ok: false, reason: 'certificate' };
      const check = handler.verify(proof.evidence, proof.offender.publicKey, deps.ed25519);
      if (!check.ok) return check;
      return { ok: true, proof, offender: proof.offender, digest: proofDigest(proofBytes) };
    },
  };
}

/** The proof a member submits when its NEO session caught another member equivocating. */
export function encodeNeoEquivocationProof(offender: KeyCertificate, first: SignedRound, second: SignedRound): Uint8Array {
  const evidence = encodeWith(NeoEquivocationEvidence, { first, second });
  return encodeWith(CheatProofCodec, { kind: ProofKind.neoEquivocation, offender, evidence });
}

/** The proof a member submits when a member revealed, for its own sealed update, a key that does not open it. */
export function encodeNeoBadRevealProof(offender: KeyCertificate, commitment: SignedRound, reveal: SignedRound): Uint8Array {
  const evidence = encodeWith(NeoBadRevealEvidence, { commitment, reveal });
  return encodeWith(CheatProofCodec, { kind: ProofKind.neoBadReveal, offender, evidence });
}
