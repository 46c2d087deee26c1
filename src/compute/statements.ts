import { SHA256_LENGTH, sha256, type Signer } from '../crypto/index.js';
import { bytes, encodeTagged, struct, u32, utf8, varBytes, type Infer } from '../wire/index.js';
import { MAX_PROCESS_ID_BYTES } from './executors.js';
import { MonstersCodec, StepInputsCodec, stepMonsters, stepResultDigest, type Monster, type StepInputs, type StepResult } from './monster.js';

/**
 * What an executor signs (docs/compute.md, "Cross-checking and proofs"): the process, epoch and
 * agreed state of the draw, the digest of the inputs it was given and of the result it got.
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
  return stepResultDigest(monsterStep(inputs));
}

/** The honest step on a request's inputs. */
export function monsterStep(inputs: MonsterStepInputs): StepResult {
  return stepMonsters(inputs.seed, inputs.monsters, inputs.inputs);
}

