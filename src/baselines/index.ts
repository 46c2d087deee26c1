/**
 * The baselines NEO is measured against, on the same transport and link shaping: lockstep
 * (commit, wait for all, reveal, wait for all) and a client/server relay. docs/baselines.md.
 */
export {
  startLockstepPlayer,
  commitmentHash,
  LOCKSTEP_DEFAULTS,
  type LockstepConfig,
  type LockstepDeps,
  type LockstepPlayer,
  type LockstepStats,
} from './lockstep.js';
export {
  startRelayServer,
  startRelayClient,
  type RelayServerDeps,
  type RelayServer,
  type RelayServerStats,
  type RelayClientConfig,
  type RelayClientDeps,
  type RelayClient,
  type RelayClientStats,
} from './relay.js';
export {
  LockstepCommit,
  LockstepReveal,
  ClientUpdate,
  ServerRelay,
  BASELINE_MESSAGES,
  MAX_BASELINE_UPDATE_BYTES,
  MAX_BASELINE_PLAYERS,
  LOCKSTEP_NONCE_BYTES,
  LOCKSTEP_HASH_BYTES,
  type LockstepCommitBody,
  type LockstepRevealBody,
  type ClientUpdateBody,
  type ServerRelayBody,
} from './messages.js';
export { checkInteger, checkPositive, type BaselineScheduler } from './support.js';
