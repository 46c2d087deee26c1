/**
 * Storage (SPEC §6) over the DHT: so far existential data, the houses that exist while their owners
 * are offline (docs/storage.md). Ephemeral zone data and witnessed characters are not built yet.
 */
export { HouseValueCodec, MAX_HOUSE_CONTENTS_BYTES, MAX_HOUSE_SLOTS, housePolicy, houseRecord, houseSubject, readHouse, type House, type HouseValue } from './house.js';
export { createHouseStore, type HouseStore, type HouseStoreConfig, type HouseStoreDeps, type LoadResult, type SaveResult } from './houses.js';
