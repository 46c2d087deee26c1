import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, dhtRecordKey, equalBytes } from '../crypto/index.js';
import { bytes, encodeWith, enumU8, struct, u64, varBytes, type Infer } from '../wire/index.js';

/**
 * What a record is about. The index of a name is its byte on the wire and in the key derivation,
 * so new types are appended, never inserted or reordered.
 */
export const RECORD_TYPES = ['key-certificate', 'game-key', 'ban', 'player-data', 'house', 'zone-leaders', 'zone-data'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** A player ID, a public key, or a public key plus a slot: 64 bytes covers every subject the product names. */
export const MAX_RECORD_SUBJECT_BYTES = 64;
/**
 * Keeps a whole record (≤ 1012 bytes) inside one signed datagram with the request id in front:
 * certificates, bans and a character's sections fit; larger values go through chunks and a
 * manifest whose digest is the record's value.
 */
export const MAX_RECORD_VALUE_BYTES = 800;
export const RECORD_KEY_BYTES = 32;

const recordFields = {
  type: enumU8(RECORD_TYPES),
  /** dhtRecordKey(type, subject): checked by every node and reader, so it is never chosen freely. */
  key: bytes(RECORD_KEY_BYTES),
  subject: varBytes(MAX_RECORD_SUBJECT_BYTES),
  /** Public key of the writer; the type's policy says whose key that must be. */
  writer: bytes(PUBLIC_KEY_LENGTH),
  /** Higher replaces lower; a node never goes back to a lower one. */
  seq: u64,
  /** Unix epoch milliseconds: records outlive processes and cross machines, so not the monotonic clock. */
  expiresAtMs: u64,
  value: varBytes(MAX_RECORD_VALUE_BYTES),
};

/** Every field the signature covers, in wire order. */
export const UnsignedRecordCodec = struct(recordFields);
export const RecordCodec = struct({ ...recordFields, signature: bytes(SIGNATURE_LENGTH) });

export type DhtRecord = Infer<typeof RecordCodec>;

/** What a writer fills in; key and writer are derived, the signature computed. */
export interface RecordDraft {
  readonly type: RecordType;
  readonly subject: Uint8Array;
  readonly seq: bigint;
  readonly expiresAtMs: bigint;
  readonly value: Uint8Array;
}

/** Domain separation: a record signature can never pass as a signature over anything else. */
export const RECORD_SIGNING_TAG = new TextEncoder().encode('p2p-mmog/dht-record/v1');

export function recordTypeCode(type: RecordType): number {
  const code = RECORD_TYPES.indexOf(type);
  if (code < 0) throw new TypeError(`unknown record type ${String(type)}`);
  return code;
}

export function recordKey(type: RecordType, subject: Uint8Array): Uint8Array {
  return dhtRecordKey(recordTypeCode(type), subject);
}

/** Tag followed by every field but the signature, exactly as encoded on the wire. */
export function recordSigningBytes(record: Omit<DhtRecord, 'signature'>): Uint8Array {
  const body = encodeWith(UnsignedRecordCodec, record);
  const out = new Uint8Array(RECORD_SIGNING_TAG.length + body.length);
  out.set(RECORD_SIGNING_TAG);
  out.set(body, RECORD_SIGNING_TAG.length);
  return out;
}

export function signRecord(draft: RecordDraft, signer: { readonly publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array }): DhtRecord {
  const unsigned = {
    type: draft.type,
    key: recordKey(draft.type, draft.subject),
    subject: draft.subject,
    writer: signer.publicKey,
    seq: draft.seq,
    expiresAtMs: draft.expiresAtMs,
    value: draft.value,
  };
  return { ...unsigned, signature: signer.sign(recordSigningBytes(unsigned)) };
}

/** Same bytes in every field, signature included. */
export function sameRecord(a: DhtRecord, b: DhtRecord): boolean {
  return (
    a.type === b.type &&
    a.seq === b.seq &&
    a.expiresAtMs === b.expiresAtMs &&
    equalBytes(a.key, b.key) &&
    equalBytes(a.subject, b.subject) &&
    equalBytes(a.writer, b.writer) &&
    equalBytes(a.value, b.value) &&
    equalBytes(a.signature, b.signature)
  );
}

/**
 * Who may write a type of record, and what its value must look like. Policies see remote data and
 * must return false, never throw, on anything they do not like.
 */
export interface RecordPolicy {
  authorizedWriter(record: DhtRecord): boolean;
  validateValue?(record: DhtRecord): boolean;
}

/** A type without a policy is refused everywhere (`no-policy`): nothing is writable by default. */
export type RecordPolicies = Readonly<Partial<Record<RecordType, RecordPolicy>>>;

/** Only the authority writes these (certificates, bans): the writer must be its key. */
export function authorityWriterPolicy(authorityPublicKey: Uint8Array): RecordPolicy {
  if (!(authorityPublicKey instanceof Uint8Array) || authorityPublicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new TypeError(`authorityWriterPolicy: expected a ${PUBLIC_KEY_LENGTH}-byte public key`);
  }
  const authority = authorityPublicKey.slice();
  return { authorizedWriter: (record) => equalBytes(record.writer, authority) };
}

/**
 * Only the owner writes these (player data, houses): the subject starts with the owner's public
 * key (optionally followed by a slot), and the writer must be that key.
 */
export function ownerWriterPolicy(): RecordPolicy {
  return {
    authorizedWriter: (record) => record.subject.length >= PUBLIC_KEY_LENGTH && equalBytes(record.writer, record.subject.subarray(0, PUBLIC_KEY_LENGTH)),
  };
}

/** SPEC §3/§4: the authority signs certificates, game keys and bans; owners sign their own data. */
export function defaultRecordPolicies(authorityPublicKey: Uint8Array): RecordPolicies {
  const authority = authorityWriterPolicy(authorityPublicKey);
  const owner = ownerWriterPolicy();
  return { 'key-certificate': authority, 'game-key': authority, ban: authority, 'player-data': owner, house: owner };
}

/**
 * Why a record was refused, by a storing node or by a reader. The first group is intrinsic to the
 * record (verifyRecord); the rest depend on what the node already holds or asked for.
 */
export const RECORD_REJECTIONS = [
  'bad-key',
  'expired',
  'no-policy',
  'unauthorized',
  'invalid-value',
  'bad-signature',
  /** older than a version this node holds or has seen */
  'stale',
  /** same sequence number as the held version, different content: the first one stays */
  'conflict',
  /** a reader got a valid record for another key than it asked for */
  'wrong-key',
  /** the store is at capacity and the record is for a key it does not hold */
  'store-full',
] as const;
export type RecordRejection = (typeof RECORD_REJECTIONS)[number];

export interface RecordCheck {
  readonly policies: RecordPolicies;
  readonly verify: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;
  /** Unix epoch ms now. */
  readonly nowMs: number;
}

/**
 * Everything a record must satisfy on its own, cheapest check first so junk costs a hash rather
 * than a signature verification. Null when it is valid.
 */
export function verifyRecord(record: DhtRecord, check: RecordCheck): RecordRejection | null {
  if (!equalBytes(record.key, recordKey(record.type, record.subject))) return 'bad-key';
  if (isExpired(record, check.nowMs)) return 'expired';
  const policy = check.policies[record.type];
  if (!policy) return 'no-policy';
  if (!policy.authorizedWriter(record)) return 'unauthorized';
  if (policy.validateValue && !policy.validateValue(record)) return 'invalid-value';
  if (!check.verify(record.signature, recordSigningBytes(record), record.writer)) return 'bad-signature';
  return null;
}

export function isExpired(record: DhtRecord, nowMs: number): boolean {
  return record.expiresAtMs <= BigInt(Math.floor(nowMs));
}
