/**
 * Attacks (SPEC §8, docs/attacks.md): behaviours of a cheating peer as a wrapper around its
 * transport, the statistics ledger, and the honest side's detection-to-sanction path.
 */
export { ATTACK_KINDS, createAttackLedger, mergeAttackSummaries, type AttackKind, type AttackGoal, type AttackAttempt, type AttackLedger, type AttackLedgerOptions, type AttackKindSummary, type AttackLedgerSummary, type DecisionObserver, type ObservedView, type LatencySummary } from './ledger.js';
export { createAttackTransport, createCollusion, ATTACK_COUNTERS, type AttackSpec, type AttackParams, type AttackDeps, type AttackTransport, type AttackCounter, type Collusion } from './behaviours.js';
export { createSanctioner, SANCTION_COUNTERS, type Sanctioner, type SanctionDeps, type SanctionCounter } from './sanction.js';
export { createMaliciousHolderTransport, emptyHolderCounters, DHT_HOLDER_BEHAVIOURS, type DhtHolderBehaviour, type DhtHolderCounters } from './dht-holder.js';
export { createGateWatch, emptyGateFigures, sybilFootprint, sybilIdentitySeed, sybilMembership, MEMBERSHIP_REFUSALS, SYBIL_HOUSE_SLOT, type GateFigures, type GateWatch, type InspectedNode, type SybilFootprint } from './sybil.js';
export {
  emptyStorageAttackSummary,
  emptySybilFigures,
  mergeStorageAttackSummaries,
  storageAttackRows,
  storageFalsePositives,
  STORAGE_ATTACK_KINDS,
  type HolderFigures,
  type HonestReadTruth,
  type StorageAttackKind,
  type StorageAttackRow,
  type StorageAttackSummary,
  type SybilFigures,
} from './storage-ledger.js';
export { acceptAnyChange, colludeWith } from './colluding-witness.js';
export { colludingStep } from './colluding-executor.js';
export { CHARACTER_EDITS, forgedCharacter, tamperedCharacter, type CharacterEdit, type ForgeryDeps } from './character-forgery.js';
