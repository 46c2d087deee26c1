import { SIGNATURE_LENGTH, equalBytes, toHex } from '../crypto/index.js';
import type { SignatureVerifier } from '../net/index.js';
import { chooseExecutors, type ExecutorDraw } from './executors.js';
import { resultSigningBytes, type SignedResult } from './statements.js';

/**
 * Executors' signed results and the group's cross-check (SPEC §7; docs/compute.md, "Cross-checking"):
 * each executor signs what it computed for a process and epoch — the digest of the inputs it was
 * given and of the result it got. The group takes a result when the r executors' signatures agree;
 * when they differ, its verifiers run the step themselves, take their own result, and every signed
 * result that differs from it is a cheat proof (ProofKind.computeWrongResult), which the authority
 * checks by running the step once more from the inputs in the evidence.
 */

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

