export { installNeo, type NeoEndpoint } from './endpoint.js';
export {
  NeoSession,
  NEO_COUNTERS,
  type NeoAdaptation,
  type NeoConfig,
  type NeoCounter,
  type NeoMember,
  type NeoPlayedUpdate,
  type NeoSessionDeps,
  type NeoSessionStats,
  type NeoView,
  type Equivocation,
  type NeoEvidence,
} from './session.js';
export { tallyVotes, decideUpdate, strictMajority, type Ballot, type KnownBallots, type VoteOutcome, type UpdateOutcome, type RevealState, type DropReason } from './acceptance.js';
export { RoundSchedule } from './schedule.js';
export { NeoRound, NeoForward, NeoFetch, NeoRoundContent, MAX_GROUP_SIZE, MAX_COMMITMENT_BYTES, SESSION_ID_BYTES, roundSigningBytes, updateAad, type SignedRound, type NeoRoundContentValue } from './messages.js';
