/**
 * Storage (SPEC §6) over the DHT (docs/storage.md): existential data (houses that exist while their
 * owners are offline), characters sealed in sections whose keys their owners release one at a time,
 * and witnessed characters: a version joins a game only when at least t of the w nodes closest to
 * the owner's witness key (a hash of its certified key: anyone recomputes it, nobody picks it) signed
 * it after checking the change with the game's rule; a door (a group at admission) refuses a
 * character whose version was edited after it was witnessed, never witnessed, or signed by keys
 * outside the w + s nodes it finds closest itself. `forgedCharacterProbability` is the bound for c
 * colluders among n. Ephemeral zone data is not built yet.
 */
export { HouseValueCodec, MAX_HOUSE_CONTENTS_BYTES, MAX_HOUSE_SLOTS, housePolicy, houseRecord, houseSubject, readHouse, type House, type HouseValue } from './house.js';
export { CHARACTER_SECTIONS, CharacterManifestCodec, CharacterSectionCodec, MAX_SECTION_BYTES, characterSubject, openSection, readManifest, sealCharacter, type CharacterManifest, type CharacterPart, type CharacterSection, type OpenedSection, type SealedCharacter } from './character.js';
export { characterPolicy } from './character-policy.js';
export { CharacterKey, installCharacterKeyring, type CharacterKeyBody, type CharacterKeyring, type CharacterKeyringDeps, type KeyRecipient } from './keys.js';
export { createHouseStore, type HouseStore, type HouseStoreConfig, type HouseStoreDeps, type LoadResult, type SaveResult } from './houses.js';
export {
  AreaValueCodec,
  MAX_AREA_THINGS,
  applyAreaRecord,
  areaAt,
  areaKey,
  areaPolicy,
  areaRecord,
  areaRect,
  areaSubject,
  changesIn,
  coversArea,
  generateArea,
  mergeAreas,
  readAreaValue,
  type AreaId,
  type AreaState,
  type AreaTemplate,
  type AreaValue,
  type Rect,
  type Spot,
} from './area.js';
export { createAreaStore, type AreaFetch, type AreaStore, type AreaStoreConfig, type AreaStoreDeps, type AreaWrite } from './areas.js';
export {
  AttestationCodec,
  MAX_ATTESTATION_RENEWALS,
  MAX_ATTESTATION_SIGNATURES,
  NO_PREVIOUS_DIGEST,
  WITNESS_STATEMENT_SIGNING_TAG,
  WitnessStatementCodec,
  attestationRecord,
  attestationSeq,
  closestTo,
  manifestDigest,
  readAttestation,
  statementSigningBytes,
  witnessKey,
  type Attestation,
  type WitnessSignature,
  type WitnessStatement,
} from './attestation.js';
export {
  ChangeEvidenceCodec,
  CharacterSheetCodec,
  MAX_EVIDENCE_BYTES,
  encodeEvidence,
  encodeSheet,
  itemLedgerRule,
  type ChangeEvidence,
  type ChangeRule,
  type ChangeVerdict,
  type CharacterChange,
  type CharacterSheet,
  type ItemLedgerRuleConfig,
  type Sections,
} from './change-rule.js';
export { DEFAULT_WITNESS_CONFIG, DOOR_REFUSALS, createCharacterDoor, type CharacterDoor, type CheckOptions, type DoorCounters, type DoorDeps, type DoorRefusal, type DoorVerdict, type SignatureTally, type WitnessConfig } from './door.js';
export {
  CharacterEndorseRequest,
  CharacterEndorsement,
  CharacterWitness,
  CharacterWitnessEndorsements,
  CharacterWitnessRequest,
  CharacterWitnessSection,
  ENDORSE_OUTCOMES,
  MAX_ENDORSEMENTS,
  WITNESS_OUTCOMES,
  type EndorseOutcome,
  type WitnessOutcome,
  type WitnessRefusal,
} from './witness-messages.js';
export { ENDORSEMENT_SIGNING_TAG, endorsementFault, endorsementSigningBytes, requiredEndorsements, type EndorseResult, type EndorsementStatement, type GroupEndorsement, type OwnerGroup } from './endorsement.js';
export { WITNESS_GARBAGE, type WitnessGarbage } from './witness-serve.js';
export { type WitnessOptions, type WitnessResult } from './witness-owner.js';
export { installCharacterWitness, publishCharacter, type CharacterWitnessService, type CharacterWitnessConfig, type CharacterWitnessDeps, type WitnessCounters } from './witness.js';
export { CharacterClaimCodec, checkClaim, encodeCharacterClaim, readCharacterClaim, type AdmissionVerdict } from './claim.js';
export { forgedCharacterProbability, hypergeometricTail, type CollusionScenario } from './collusion.js';
