import { DEFAULT_PROOF_VERIFIERS, type ProofKindVerifier } from '../auth/index.js';
import { computeWrongResultVerifier } from '../compute/index.js';

/**
 * Every cheat-proof kind the product's authority checks: NEO's, and a signed wrong result of a game
 * process (src/compute), which the authority checks by running the step again. The authority
 * (src/auth) cannot import the components whose proofs it checks, so the product puts them together
 * here, beside the player that produces them.
 */
export const ALL_PROOF_VERIFIERS: readonly ProofKindVerifier[] = [...DEFAULT_PROOF_VERIFIERS, computeWrongResultVerifier];
