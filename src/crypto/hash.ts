import { hash as oneShotHash } from 'node:crypto';
import { assertBytes, assertBytesOfLength } from './bytes.js';
import { DIGEST16_LENGTH, PUBLIC_KEY_LENGTH } from './sizes.js';

// Every hash with a purpose of its own starts with an ASCII tag, so a digest computed for one
// purpose can never be presented as one for another. The tags form a prefix-free set (a test
// checks it); a new purpose gets a new tag, a changed construction gets a new version suffix.
export const DomainTag = {
  nodeId: 'p2p-mmog/node-id/v1',
  digest16: 'p2p-mmog/digest/v1',
  updateCommitment: 'p2p-mmog/update-commitment/v2',
  dhtRecordKey: 'p2p-mmog/dht-record-key/v1',
  pairwiseMac: 'p2p-mmog/pairwise-mac/v1',
  pairwiseSeal: 'p2p-mmog/pairwise-seal/v1',
  groupSession: 'p2p-mmog/group-session/v1',
  zoneLeaf: 'p2p-mmog/zone-leaf/v1',
  characterSection: 'p2p-mmog/character-section/v1',
  characterManifest: 'p2p-mmog/character-manifest/v1',
  characterWitness: 'p2p-mmog/character-witness/v1',
  computeExecutor: 'p2p-mmog/compute-executor/v1',
} as const;
export type DomainTagName = keyof typeof DomainTag;

/** One thread, synchronous hashing: tagged inputs are assembled here rather than in a new array each time. */
const scratch = new Uint8Array(2048);

const encodedTags = new Map<string, Uint8Array>(
  Object.values(DomainTag).map((tag) => [tag, new TextEncoder().encode(tag)]),
);

// node:crypto (OpenSSL) rather than @noble/hashes: these run on every NEO message, and OpenSSL's
// one-shot hash is about 3x faster at these sizes (docs/performance.md). Both give the same bytes;
// the tests check them against each other. The digest is asked for as a latin1 string (one char
// per byte), not a Buffer: a Buffer costs a malloc'd backing store per call, and the string about
// half the time of the whole call (docs/performance.md, "Scale").

/** SHA-256 of `input` as a latin1 string: char i is byte i of the digest. */
export function sha256Latin1(input: Uint8Array): string {
  // 'binary' is node's name for latin1 in these typings.
  return oneShotHash('sha256', input, 'binary');
}

/** Writes the first `length` chars of a latin1 string into `out` at `offset`, one byte each. */
export function latin1Into(text: string, out: Uint8Array, offset = 0, length = text.length): void {
  for (let i = 0; i < length; i++) out[offset + i] = text.charCodeAt(i);
}

function latin1Bytes(text: string, length = text.length): Uint8Array {
  const out = new Uint8Array(length);
  latin1Into(text, out, 0, length);
  return out;
}

export function sha256(bytes: Uint8Array): Uint8Array {
  assertBytes(bytes, 'bytes');
  return latin1Bytes(sha256Latin1(bytes));
}

/** SHA-256(tag || parts...). Internal: callers use the purpose-named functions below. */
export function taggedSha256(tag: (typeof DomainTag)[DomainTagName], ...parts: readonly Uint8Array[]): Uint8Array {
  return latin1Bytes(taggedSha256Latin1(tag, parts));
}

function taggedSha256Latin1(tag: (typeof DomainTag)[DomainTagName], parts: readonly Uint8Array[]): string {
  const encodedTag = encodedTags.get(tag);
  if (encodedTag === undefined) throw new RangeError(`unknown domain tag: ${tag}`);
  // One copy into a scratch buffer and a one-shot hash cost less than a streaming hash object at these sizes.
  let length = encodedTag.length;
  for (const part of parts) length += part.length;
  const input = length <= scratch.length ? scratch.subarray(0, length) : new Uint8Array(length);
  input.set(encodedTag);
  let offset = encodedTag.length;
  for (const part of parts) {
    input.set(part, offset);
    offset += part.length;
  }
  return sha256Latin1(input);
}

/**
 * DHT node ID: SHA-256("p2p-mmog/node-id/v1" || publicKey). Derived, never chosen, so a peer cannot
 * place itself next to a key it wants to control without grinding key pairs.
 */
export function nodeIdFromPublicKey(publicKey: Uint8Array): Uint8Array {
  assertBytesOfLength(publicKey, 'publicKey', PUBLIC_KEY_LENGTH);
  return taggedSha256(DomainTag.nodeId, publicKey);
}

/**
 * A 16-byte name for a blob (NEO votes use it to say which ciphertext they received):
 * the first 16 bytes of SHA-256("p2p-mmog/digest/v1" || bytes). 128 bits: finding two blobs with
 * the same digest costs about 2^64 hash evaluations, far beyond what a round leaves time for.
 */
export function digest16(bytes: Uint8Array): Uint8Array {
  assertBytes(bytes, 'bytes');
  return latin1Bytes(taggedSha256Latin1(DomainTag.digest16, [bytes]), DIGEST16_LENGTH);
}

/**
 * DHT record key: SHA-256("p2p-mmog/dht-record-key/v1" || type || subject), with the record type as
 * one byte. Derived from what the record is about, so a writer cannot pick the key it lands on and
 * a reader asking for (type, subject) can check that an answer is filed under the right key. The
 * subject is the last field, so no length prefix is needed to keep the input unambiguous.
 */
export function dhtRecordKey(type: number, subject: Uint8Array): Uint8Array {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`dhtRecordKey: type must be a byte, got ${type}`);
  assertBytes(subject, 'subject');
  return taggedSha256(DomainTag.dhtRecordKey, Uint8Array.of(type), subject);
}
