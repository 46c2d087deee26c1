import { SHA256_LENGTH, SIGNATURE_LENGTH } from '../crypto/index.js';
import { RecordCodec } from '../dht/index.js';
import { MessageKind, bytes, defineMessage, enumU8, optional, struct, u32, u64, utf8, varBytes, type Infer } from '../wire/index.js';
import { MAX_EVIDENCE_BYTES, MAX_REFUSAL_DETAIL_BYTES } from './change-rule.js';

/**
 * The witness exchange (docs/storage.md, "Witnessed characters"). A request carries the proposed
 * version's manifest (small) and the evidence; the witness answers `awaiting-sections`, which tells
 * the owner the witness's key, so the owner can seal the section keys to it (character-key) and send
 * the two section records (one datagram each: a record is up to 1012 bytes); then the witness
 * answers with its signature or a refusal.
 */

/** The largest manifest value (format, version, two section digests: 69 bytes) with room to grow. */
const MAX_MANIFEST_VALUE_BYTES = 128;

export const CharacterWitnessRequest = defineMessage({
  kind: MessageKind.characterWitnessRequest,
  name: 'character-witness-request',
  authenticated: true,
  summary:
    "an owner asks one of its character's witnesses (the nodes closest to its witness key) to sign a new version: the version's manifest record in parts (its writer is the sender, its subject the sender's manifest slot, its seq `version`), the manifest digest of the version it builds on (zero for version 1) and the evidence for the change; answered by character-witness",
  body: struct({
    version: u32,
    previousDigest: bytes(SHA256_LENGTH),
    manifestExpiresAtMs: u64,
    manifestValue: varBytes(MAX_MANIFEST_VALUE_BYTES),
    manifestSignature: bytes(SIGNATURE_LENGTH),
    evidence: varBytes(MAX_EVIDENCE_BYTES),
  }),
});
export type CharacterWitnessRequestBody = Infer<typeof CharacterWitnessRequest.body>;

export const CharacterWitnessSection = defineMessage({
  kind: MessageKind.characterWitnessSection,
  name: 'character-witness-section',
  authenticated: true,
  summary: "one record for the version a character-witness-request proposes, sent once the witness answered `awaiting-sections` (after the section keys, sealed to the witness in character-key): one of its section records, or the manifest or a section record of the version it builds on (so the witness need not read them from the DHT); `version` is the proposed version",
  body: struct({ version: u32, record: RecordCodec }),
});
export type CharacterWitnessSectionBody = Infer<typeof CharacterWitnessSection.body>;

/** What a witness answers; everything after `awaiting-sections` is a refusal. */
export const WITNESS_OUTCOMES = [
  'signed',
  /** Send the section keys and records (the request is held until they arrive). */
  'awaiting-sections',
  /** A record that does not verify as the sender's, or sections that do not open against the manifest. */
  'malformed',
  /** The DHT's newest witnessed version is not the one before this one (or not the previous digest named). */
  'not-next-version',
  /** Version > 1 and no previous version in the DHT. */
  'previous-missing',
  /** The previous version in the DHT fails the door's check. */
  'previous-unwitnessed',
  /** The previous version's sections are missing or do not open with the released keys. */
  'previous-unreadable',
  /** This witness already signed another manifest for this version. */
  'conflict',
  /** The game's change rule refused it (the reason in `detail`). */
  'rule',
] as const;
export type WitnessOutcome = (typeof WITNESS_OUTCOMES)[number];
export type WitnessRefusal = Exclude<WitnessOutcome, 'signed' | 'awaiting-sections'>;

export const CharacterWitness = defineMessage({
  kind: MessageKind.characterWitness,
  name: 'character-witness',
  authenticated: true,
  summary:
    'a witness answers a character-witness-request: `signed` with its Ed25519 signature over the witness statement (owner, version, manifest digest, previous digest, witness key), `awaiting-sections`, or a refusal with its detail (the change rule\'s reason)',
  body: struct({
    version: u32,
    manifestDigest: bytes(SHA256_LENGTH),
    outcome: enumU8(WITNESS_OUTCOMES),
    detail: utf8(MAX_REFUSAL_DETAIL_BYTES),
    signature: optional(bytes(SIGNATURE_LENGTH)),
  }),
});
export type CharacterWitnessBody = Infer<typeof CharacterWitness.body>;
