import { CheatProofCodec, ProofKind, type KeyCertificate, type ProofKindVerifier } from '../auth/index.js';
import { PUBLIC_KEY_LENGTH, SHA256_LENGTH, SIGNATURE_LENGTH, equalBytes, sha256, toHex, type Signer } from '../crypto/index.js';
import type { SignatureVerifier } from '../net/index.js';
import { bytes, decodeOrNull, encodeTagged, encodeWith, struct, u32, utf8, varBytes, type Infer } from '../wire/index.js';
import { MAX_PROCESS_ID_BYTES, chooseExecutors, type ExecutorDraw } from './executors.js';
import { MonstersCodec, StepInputsCodec, stepMonsters, stepResultDigest, type Monster, type StepInputs } from './monster.js';

/**
 * Executors' signed results and the group's cross-check (SPEC §7; docs/compute.md, "Cross-checking"):
 * each executor signs what it computed for a process and epoch — the digest of the inputs it was
 * given and of the result it got. The group takes a result when the r executors' signatures agree;
 * when they differ, its verifiers run the step themselves, take their own result, and every signed
 * result that differs from it is a cheat proof (ProofKind.computeWrongResult), which the authority
 * checks by running the step once more from the inputs in the evidence.
 */

export const ResultStatementCodec = struct({
  processId: varBytes(MAX_PROCESS_ID_BYTES),
  epoch: u32,
  stateHash: bytes(SHA256_LENGTH),
  inputsDigest: bytes(SHA256_LENGTH),
  resultDigest: bytes(SHA256_LENGTH),
});
export type ResultStatement = Infer<typeof ResultStatementCodec>;

/** Domain separation: a result signature can never pass for anything else. */
export const RESULT_SIGNING_TAG = new TextEncoder().encode('p2p-mmog/compute-result/v1');

export function resultSigningBytes(statement: ResultStatement): Uint8Array {
  return encodeTagged(RESULT_SIGNING_TAG, ResultStatementCodec, statement);
}

export interface SignedResult {
  readonly executor: Uint8Array;
  readonly statement: ResultStatement;
  readonly signature: Uint8Array;
}

export function signResult(signer: Signer, statement: ResultStatement): SignedResult {
  return { executor: signer.publicKey, statement, signature: signer.sign(resultSigningBytes(statement)) };
}

/** What a monster step is computed from: the area's seed, its monsters before the step, the players' agreed positions. */
/** The most bytes of an area's seed (its label, e.g. `<run seed>/<zone>/<area>`). */
export const MAX_PROCESS_SEED_BYTES = 64;
export const MonsterStepInputsCodec = struct({ seed: utf8(MAX_PROCESS_SEED_BYTES), monsters: MonstersCodec, inputs: StepInputsCodec });
export interface MonsterStepInputs {
  readonly seed: string;
  readonly monsters: readonly Monster[];
  readonly inputs: StepInputs;
}

const INPUTS_TAG = new TextEncoder().encode('p2p-mmog/compute-inputs/v1');

/** The digest an executor signs of the inputs it was given. */
export function monsterInputsDigest(inputs: MonsterStepInputs): Uint8Array {
  return sha256(encodeTagged(INPUTS_TAG, MonsterStepInputsCodec, { seed: inputs.seed, monsters: [...inputs.monsters], inputs: inputs.inputs }));
}

/** The step's result digest from its inputs: what an honest executor or a verifier computes. */
export function runMonsterStep(inputs: MonsterStepInputs): Uint8Array {
  return stepResultDigest(stepMonsters(inputs.seed, inputs.monsters, inputs.inputs));
}

export type CrossCheck =
  /** Every chosen executor answered with a valid signature and the same result. */
  | { readonly outcome: 'agreed'; readonly resultDigest: Uint8Array; readonly ignored: number }
  /** They differed: the verifier's own result, and the signed results that differ from it (each a cheat proof). */
  | { readonly outcome: 're-executed'; readonly resultDigest: Uint8Array; readonly wrong: readonly SignedResult[]; readonly ignored: number }
  /** Fewer than r valid results from chosen executors: wait for more, or run it here. */
  | { readonly outcome: 'incomplete'; readonly valid: number; readonly ignored: number };

/**
 * The group's judgement of the results it received for one process and epoch. A result counts only
 * when its signer is one of the draw's r executors, its statement names this process, epoch, state
 * and inputs, and its signature verifies; any other (a player that was not chosen running the
 * process itself, a replay of another epoch, a forged signature) is `ignored`. `reexecute` runs the
 * step here; it is called only when the executors disagree.
 */
export function crossCheck(
  expected: { readonly draw: ExecutorDraw; readonly candidates: readonly Uint8Array[]; readonly r: number; readonly affected?: readonly Uint8Array[]; readonly inputsDigest: Uint8Array },
  results: readonly SignedResult[],
  deps: { readonly verify: SignatureVerifier; readonly reexecute: () => Uint8Array },
): CrossCheck {
  const chosen = new Set(chooseExecutors(expected.draw, expected.candidates, expected.r, expected.affected).map(toHex));
  const valid = new Map<string, SignedResult>();
  let ignored = 0;
  for (const result of results) {
    const hex = toHex(result.executor);
    const s = result.statement;
    const fits =
      chosen.has(hex) &&
      !valid.has(hex) &&
      equalBytes(s.processId, expected.draw.processId) &&
      s.epoch === expected.draw.epoch &&
      equalBytes(s.stateHash, expected.draw.stateHash) &&
      equalBytes(s.inputsDigest, expected.inputsDigest) &&
      result.signature.length === SIGNATURE_LENGTH &&
      deps.verify(result.signature, resultSigningBytes(s), result.executor);
    if (fits) valid.set(hex, result);
    else ignored++;
  }
  if (valid.size < expected.r) return { outcome: 'incomplete', valid: valid.size, ignored };
  const all = [...valid.values()];
  const first = (all[0] as SignedResult).statement.resultDigest;
  if (all.every((r) => equalBytes(r.statement.resultDigest, first))) return { outcome: 'agreed', resultDigest: first, ignored };
  const own = deps.reexecute();
  return { outcome: 're-executed', resultDigest: own, wrong: all.filter((r) => !equalBytes(r.statement.resultDigest, own)), ignored };
}

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
