/**
 * Storage (SPEC §6) over the DHT (docs/storage.md): existential data (houses that exist while their
 * owners are offline) and characters sealed in sections whose keys their owners release one at a
 * time. Ephemeral zone data and witnessed characters are not built yet.
 */
export { HouseValueCodec, MAX_HOUSE_CONTENTS_BYTES, MAX_HOUSE_SLOTS, housePolicy, houseRecord, houseSubject, readHouse, type House, type HouseValue } from './house.js';
export { CHARACTER_SECTIONS, CharacterManifestCodec, CharacterSectionCodec, MAX_SECTION_BYTES, characterPolicy, characterSubject, openSection, readManifest, sealCharacter, type CharacterManifest, type CharacterSection, type OpenedSection, type SealedCharacter } from './character.js';
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
