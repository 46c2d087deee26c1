import { SIGNATURE_LENGTH } from '../crypto/index.js';
import { MAX_RECORD_VALUE_BYTES, recordKey, type DhtRecord } from '../dht/index.js';
import { bytes, decodeOrNull, encodeWith, struct, u32, u64, varBytes } from '../wire/index.js';
import { characterSubject } from './character.js';
import type { CharacterDoor, DoorRefusal } from './door.js';

/**
 * The character a player brings to a group's door (docs/storage.md, "The door at admission"): its
 * manifest record, without the fields the door derives from the owner's key (subject, writer, record
 * key), so it rides in a join request (about 150 bytes). The door verifies it as the owner's record;
 * the attestation comes from the DHT (an attestation is up to 742 bytes: it would not fit).
 */
export const CharacterClaimCodec = struct({
  version: u32,
  expiresAtMs: u64,
  manifestValue: varBytes(MAX_RECORD_VALUE_BYTES),
  signature: bytes(SIGNATURE_LENGTH),
});

export function encodeCharacterClaim(manifest: DhtRecord): Uint8Array {
  return encodeWith(CharacterClaimCodec, { version: Number(manifest.seq), expiresAtMs: manifest.expiresAtMs, manifestValue: manifest.value, signature: manifest.signature });
}

/** The manifest record a claim describes for `owner`, not yet verified (the door does); null when the bytes do not decode (remote data: never throws). */
export function readCharacterClaim(owner: Uint8Array, bytes: Uint8Array): DhtRecord | null {
  const claim = decodeOrNull(CharacterClaimCodec, bytes);
  if (!claim) return null;
  const subject = characterSubject(owner, 'manifest');
  return { type: 'player-data', key: recordKey('player-data', subject), subject, writer: owner, seq: BigInt(claim.version), expiresAtMs: claim.expiresAtMs, value: claim.manifestValue, signature: claim.signature };
}

/** The door's answer at admission: the group only needs yes, or no with the reason. */
export type AdmissionVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: DoorRefusal };

/**
 * The door at a group's admission (docs/storage.md, "The door at admission"): the character a joiner
 * brought (`claim`, its join request's bytes), or, when it brought none, the newest one the DHT
 * holds for it. A claim that does not decode is no character. Throws only when the door does (its DHT closed).
 */
export async function checkClaim(door: CharacterDoor, owner: Uint8Array, claim: Uint8Array | null): Promise<AdmissionVerdict> {
  const manifest = claim && readCharacterClaim(owner, claim);
  if (claim && !manifest) return { ok: false, reason: 'no-character' };
  const verdict = await door.check(owner, manifest ? { manifest } : {});
  return verdict.ok ? { ok: true } : { ok: false, reason: verdict.reason };
}
