/**
 * Computation (SPEC §7; docs/compute.md): game processes stepping deterministically from a seed and
 * agreed inputs (monster AI), run by r executors drawn verifiably from the candidates, the smallest
 * r that keeps the chance that all of them collude, C(c, r) / C(n, r), below a tolerance; and the
 * statistics that measure how often colluders' wrong results escape. The exchange of results, the
 * cross-check, proofs and the harness's part are not built yet (docs/compute.md, "Not built yet").
 */
export { MAX_PROCESS_ID_BYTES, chooseExecutors, drawRank, escapeProbability, executorsFor, isChosenExecutor, type ExecutorDraw } from './executors.js';
export {
  AGGRO_TILES,
  MAX_BITE,
  MAX_MONSTERS,
  MAX_STEP_PLAYERS,
  MonstersCodec,
  PLAYER_BLOW,
  StepInputsCodec,
  StepResultCodec,
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
export { escapeFigures, wilsonInterval95, type EscapeFigures } from './trials.js';
