/**
 * Computation (SPEC §7; docs/compute.md): game processes stepping deterministically from a seed and
 * agreed inputs (monster AI), run by r executors drawn verifiably from the candidates, the smallest
 * r that keeps the chance that all of them collude, C(c, r) / C(n, r), below a tolerance; and the
 * statistics that measure how often colluders' wrong results escape; executors' signed results, the
 * group's cross-check and the proof kind of a wrong result (re-executed by the authority); the
 * exchange on a peer's transport (a group asks its drawn executors and cross-checks their answers);
 * and the outcomes a group votes into its game (src/compute/outcome.ts).
 */
export { MAX_PROCESS_ID_BYTES, chooseExecutors, drawAllColludersProbability, drawRank, escapeProbability, executorsFor, isChosenExecutor, type ExecutorDraw } from './executors.js';
export {
  AGGRO_TILES,
  MAX_BITE,
  MAX_MONSTERS,
  MAX_STEP_PLAYERS,
  MonstersCodec,
  PLAYER_BLOW,
  StepInputsCodec,
  StepResultCodec,
  decodeStepResult,
  encodeStepResult,
  spawnMonsters,
  stepMonsters,
  stepResultDigest,
  type Monster,
  type StepEvent,
  type StepInputs,
  type StepPlayer,
  type StepResult,
} from './monster.js';
export { MAX_PROCESS_SEED_BYTES, MonsterStepInputsCodec, RESULT_SIGNING_TAG, ResultStatementCodec, monsterInputsDigest, resultSigningBytes, runMonsterStep, signResult, type MonsterStepInputs, type ResultStatement, type SignedResult } from './statements.js';
export { crossCheck, type CrossCheck } from './results.js';
export { ComputeWrongResultEvidence, computeWrongResultVerifier, encodeComputeWrongResultProof } from './proof.js';
export { ComputeOutcome, ComputeRequest, ComputeResult, MAX_OUTCOME_SIGNERS, MAX_STEP_RESULT_BYTES, type ComputeOutcomeBody } from './messages.js';
export { MAX_OUTCOME_EFFECTS, OUTCOME_LEAD_MS, OUTCOME_VOTE_MAGIC, effectsOfEvents, isOutcomeVote, judgeOutcome, outcomeVote, outcomeVoteRound, tallyOutcomeVotes, type JudgedOutcome, type OutcomeContext, type OutcomeRefusal } from './outcome.js';
export { installComputeService, type ComputeCounters, type ComputeService, type ComputeServiceConfig, type ComputeServiceDeps, type StepOutcome, type StepRequest } from './service.js';
export { escapeFigures, wilsonInterval95, type EscapeFigures } from './trials.js';
