import { DomainTag, NODE_ID_LENGTH, PUBLIC_KEY_LENGTH, SHA256_LENGTH, SIGNATURE_LENGTH, equalBytes, taggedSha256, type Signer } from '../crypto/index.js';
import { signRecord, type DhtRecord } from '../dht/index.js';
import { compareDistance } from '../dht/ids.js';
import { bytes, decodeOrNull, encodeTagged, encodeWith, list, struct, u32, u8, type Infer } from '../wire/index.js';
import { characterSubject } from './character.js';

/**
 * What witnesses sign for a character version, and how the owner keeps their signatures in the DHT
 * (docs/storage.md, "Witnessed characters"). The witnesses of a character are the DHT nodes closest
 * to its witness key, a hash of the owner's certified key: anyone recomputes it, nobody picks it.
 */

/** Zero digest: the "previous version" of version 1. */
export const NO_PREVIOUS_DIGEST = new Uint8Array(SHA256_LENGTH);

/**
 * The point of the ID space whose closest nodes witness `owner`'s character. Only the owner's key
 * goes in: a version number or a previous digest in it would let the owner try values (an unused
 * version, a re-sealed previous version, a claimed digest no door can check once the DHT holds only
 * the newest version) until colluders sit next to the result. Node IDs are hashes of certified keys,
 * so nobody places itself next to it either.
 */
export function witnessKey(owner: Uint8Array): Uint8Array {
  if (!(owner instanceof Uint8Array) || owner.length !== PUBLIC_KEY_LENGTH) throw new TypeError(`witnessKey: expected a ${PUBLIC_KEY_LENGTH}-byte public key`);
  return taggedSha256(DomainTag.characterWitness, owner);
}

/** The digest witnesses sign for a version: its owner and its manifest record's whole value (which commits to every section). */
export function manifestDigest(manifest: DhtRecord): Uint8Array {
  return taggedSha256(DomainTag.characterManifest, manifest.subject.subarray(0, PUBLIC_KEY_LENGTH), manifest.value);
}

/** What one witness signs: this version of this owner's character, built on that previous version, witnessed at that key. */
export const WitnessStatementCodec = struct({
  owner: bytes(PUBLIC_KEY_LENGTH),
  version: u32,
  manifestDigest: bytes(SHA256_LENGTH),
  /** The manifest digest of the version before, as the witness found it witnessed in the DHT (zero for version 1). */
  previousDigest: bytes(SHA256_LENGTH),
  witnessKey: bytes(NODE_ID_LENGTH),
});
export type WitnessStatement = Infer<typeof WitnessStatementCodec>;

/** Domain separation: a witness signature can never pass for a signature over anything else. */
export const WITNESS_STATEMENT_SIGNING_TAG = new TextEncoder().encode('p2p-mmog/character-witness-statement/v1');

export function statementSigningBytes(statement: WitnessStatement): Uint8Array {
  return encodeTagged(WITNESS_STATEMENT_SIGNING_TAG, WitnessStatementCodec, statement);
}

/** Signatures one attestation carries: 7 keep the value under the DHT's 800 bytes (742 at most). */
export const MAX_ATTESTATION_SIGNATURES = 7;

export const WitnessSignatureCodec = struct({ witness: bytes(PUBLIC_KEY_LENGTH), signature: bytes(SIGNATURE_LENGTH) });
export type WitnessSignature = Infer<typeof WitnessSignatureCodec>;

/** The value of a character's `player-data` record of slot 3: the witnesses' signatures on one version. */
export const AttestationCodec = struct({
  format: u8,
  version: u32,
  manifestDigest: bytes(SHA256_LENGTH),
  previousDigest: bytes(SHA256_LENGTH),
  signatures: list(WitnessSignatureCodec, MAX_ATTESTATION_SIGNATURES),
});
export type Attestation = Infer<typeof AttestationCodec>;
const FORMAT = 1;

/** Renewals of one version an attestation record's seq tells apart: seq = version · 2^16 + renewal. */
export const MAX_ATTESTATION_RENEWALS = 0xffff;

/** The seq of the attestation record of `version` witnessed afresh `renewal` times: a renewal replaces the attestation before it in the DHT. */
export function attestationSeq(version: number, renewal: number): bigint {
  if (!Number.isInteger(renewal) || renewal < 0 || renewal > MAX_ATTESTATION_RENEWALS) throw new RangeError(`attestationSeq: renewal must be an integer in [0, ${MAX_ATTESTATION_RENEWALS}], got ${renewal}`);
  return (BigInt(version) << 16n) | BigInt(renewal);
}

/** The owner's signed attestation record (`renewal`: how many times this version was witnessed before). Throws on one this code would not store (a caller bug). */
export function attestationRecord(owner: Signer, attestation: Omit<Attestation, 'format'>, expiresAtMs: number, renewal = 0): DhtRecord {
  if (attestation.signatures.length > MAX_ATTESTATION_SIGNATURES) throw new RangeError(`attestationRecord: at most ${MAX_ATTESTATION_SIGNATURES} signatures, got ${attestation.signatures.length}`);
  const value = encodeWith(AttestationCodec, { format: FORMAT, ...attestation });
  return signRecord({ type: 'player-data', subject: characterSubject(owner.publicKey, 'attestation'), seq: attestationSeq(attestation.version, renewal), expiresAtMs: BigInt(Math.floor(expiresAtMs)), value }, owner);
}

/** The attestation a record holds (slot 3, seq = version · 2^16 + renewal), or null (remote data: never throws). */
export function readAttestation(record: DhtRecord): Attestation | null {
  if (record.type !== 'player-data' || record.subject.length !== PUBLIC_KEY_LENGTH + 1) return null;
  if (!equalBytes(record.subject, characterSubject(record.subject.subarray(0, PUBLIC_KEY_LENGTH), 'attestation'))) return null;
  const a = decodeOrNull(AttestationCodec, record.value);
  return a && a.format === FORMAT && BigInt(a.version) === record.seq >> 16n ? a : null;
}

/** The `count` IDs of `ids` closest to `target` by XOR, closest first. */
export function closestTo(target: Uint8Array, ids: readonly Uint8Array[], count: number): Uint8Array[] {
  return [...ids].sort((a, b) => compareDistance(target, a, b)).slice(0, count);
}
