import { CheatProofCodec, ProofKind, type KeyCertificate, type ProofKindVerifier } from '../auth/index.js';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, equalBytes } from '../crypto/index.js';
import { bytes, decodeOrNull, encodeWith, struct } from '../wire/index.js';
import { MonsterStepInputsCodec, ResultStatementCodec, monsterInputsDigest, resultSigningBytes, runMonsterStep, type MonsterStepInputs, type SignedResult } from './statements.js';

/** Evidence of a wrong result: the executor's signed statement and the inputs it names, so anyone can run the step again. */
export const ComputeWrongResultEvidence = struct({
  statement: ResultStatementCodec,
  signature: bytes(SIGNATURE_LENGTH),
  inputs: MonsterStepInputsCodec,
});

/** The proof a verifier submits against an executor whose signed result differs from the step run again. */
export function encodeComputeWrongResultProof(offender: KeyCertificate, wrong: SignedResult, inputs: MonsterStepInputs): Uint8Array {
  if (!equalBytes(offender.publicKey, wrong.executor)) throw new RangeError('encodeComputeWrongResultProof: the certificate is not the executor\'s');
  const evidence = encodeWith(ComputeWrongResultEvidence, { statement: wrong.statement, signature: wrong.signature, inputs: { seed: inputs.seed, monsters: [...inputs.monsters], inputs: inputs.inputs } });
  return encodeWith(CheatProofCodec, { kind: ProofKind.computeWrongResult, offender, evidence });
}

/**
 * The authority's check of a wrong-result proof: the inputs in the evidence are the ones the
 * statement names (`context`), the offender signed the statement (`signature`), and running the
 * step on them gives another result than the one signed (`identical` when it is the same: an honest
 * executor's result is never a proof).
 */
export const computeWrongResultVerifier: ProofKindVerifier = {
  kind: ProofKind.computeWrongResult,
  name: 'compute-wrong-result',
  verify(evidence, offenderKey, ed25519) {
    const e = decodeOrNull(ComputeWrongResultEvidence, evidence);
    if (!e || offenderKey.length !== PUBLIC_KEY_LENGTH) return { ok: false, reason: 'malformed' };
    if (!equalBytes(monsterInputsDigest(e.inputs), e.statement.inputsDigest)) return { ok: false, reason: 'context' };
    if (!ed25519.verify(e.signature, resultSigningBytes(e.statement), offenderKey)) return { ok: false, reason: 'signature' };
    if (equalBytes(runMonsterStep(e.inputs), e.statement.resultDigest)) return { ok: false, reason: 'identical' };
    return { ok: true };
  },
};
