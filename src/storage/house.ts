import { PUBLIC_KEY_LENGTH, equalBytes, type Signer } from '../crypto/index.js';
import { signRecord, type DhtRecord, type RecordPolicy } from '../dht/index.js';
import { decodeOrNull, encodeWith, struct, u32, u8, varBytes, type Infer } from '../wire/index.js';

/**
 * Existential data (SPEC §6): a house exists while its owner is offline. It lives in the DHT as a
 * `house` record the owner signs, keyed by (owner key ‖ slot), so a reader asking for a player's
 * house finds it from the player's key alone, and the DHT's replication, holder republish and
 * hand-off keep it on k nodes as nodes come and go (docs/storage.md, "Houses").
 */

/** Slots per owner: the subject's last byte. */
export const MAX_HOUSE_SLOTS = 16;
/** Contents of one house (furniture, a chest's items): within the DHT's 800-byte value with room for the header. */
export const MAX_HOUSE_CONTENTS_BYTES = 700;

export const HouseValueCodec = struct({
  /** The value's layout; a reader refuses layouts it does not know. */
  format: u8,
  slot: u8,
  /** The house's version: equal to the record's seq, so a newer version replaces an older one everywhere. */
  version: u32,
  contents: varBytes(MAX_HOUSE_CONTENTS_BYTES),
});
export type HouseValue = Infer<typeof HouseValueCodec>;
const HOUSE_FORMAT = 1;

export interface House {
  readonly owner: Uint8Array;
  readonly slot: number;
  /** 1 for the first version; every change increments it. */
  readonly version: number;
  readonly contents: Uint8Array;
}

/** The record's subject: the owner's public key followed by the slot. */
export function houseSubject(owner: Uint8Array, slot: number): Uint8Array {
  if (!(owner instanceof Uint8Array) || owner.length !== PUBLIC_KEY_LENGTH) throw new TypeError(`houseSubject: expected a ${PUBLIC_KEY_LENGTH}-byte public key`);
  if (!Number.isInteger(slot) || slot < 0 || slot >= MAX_HOUSE_SLOTS) throw new RangeError(`houseSubject: slot must be an integer in [0, ${MAX_HOUSE_SLOTS - 1}], got ${slot}`);
  const subject = new Uint8Array(PUBLIC_KEY_LENGTH + 1);
  subject.set(owner);
  subject[PUBLIC_KEY_LENGTH] = slot;
  return subject;
}

/** The owner's signed record of `house` (its version is the record's seq). Throws on a house this code would not store. */
export function houseRecord(house: House, signer: Signer, expiresAtMs: number): DhtRecord {
  if (!equalBytes(house.owner, signer.publicKey)) throw new RangeError('houseRecord: only the owner signs its house');
  if (!Number.isSafeInteger(house.version) || house.version < 1 || house.version > 0xffff_ffff) throw new RangeError(`houseRecord: version must be in [1, 2^32 - 1], got ${house.version}`);
  if (house.contents.length > MAX_HOUSE_CONTENTS_BYTES) throw new RangeError(`houseRecord: contents are at most ${MAX_HOUSE_CONTENTS_BYTES} bytes, got ${house.contents.length}`);
  const value = encodeWith(HouseValueCodec, { format: HOUSE_FORMAT, slot: house.slot, version: house.version, contents: house.contents });
  return signRecord({ type: 'house', subject: houseSubject(house.owner, house.slot), seq: BigInt(house.version), expiresAtMs: BigInt(Math.floor(expiresAtMs)), value }, signer);
}

/** The house a record holds, or null when it is not a well-formed house record (remote data: never throws). */
export function readHouse(record: DhtRecord): House | null {
  if (record.type !== 'house' || record.subject.length !== PUBLIC_KEY_LENGTH + 1) return null;
  const value = decodeOrNull(HouseValueCodec, record.value);
  if (!value || value.format !== HOUSE_FORMAT || value.slot >= MAX_HOUSE_SLOTS || value.slot !== record.subject[PUBLIC_KEY_LENGTH] || BigInt(value.version) !== record.seq) return null;
  return { owner: record.subject.slice(0, PUBLIC_KEY_LENGTH), slot: value.slot, version: value.version, contents: value.contents };
}

/**
 * The `house` record type's policy, for storing nodes and readers alike: only the owner (the
 * subject's key) writes, and the value must be a house filed under its own slot whose version is
 * the record's seq (a holder cannot serve version 5's contents under seq 9).
 */
export function housePolicy(): RecordPolicy {
  return {
    authorizedWriter: (record) => record.subject.length === PUBLIC_KEY_LENGTH + 1 && equalBytes(record.writer, record.subject.subarray(0, PUBLIC_KEY_LENGTH)),
    validateValue: (record) => readHouse(record) !== null,
  };
}
