import { RecordCodec } from '../dht/index.js';
import { PUBLIC_KEY_LENGTH, SHA256_LENGTH, SIGNATURE_LENGTH } from '../crypto/index.js';
import { SESSION_ID_BYTES } from '../neo/index.js';
import { MessageKind, bytes, defineMessage, enumU8, list, optional, struct, u32, u64, u8, utf8, varBytes, type Infer } from '../wire/index.js';
import { MAX_EVIDENCE_BYTES, MAX_REFUSAL_DETAIL_BYTES } from './change-rule.js';

/**
 * The witness exchange (docs/storage.md, "Witnessed characters"). A request carries the proposed
 * version's manifest (small) and the evidence; the witness answers `awaiting-sections`, which tells
 * the owner the witness's key, so the owner can seal the section keys to it (character-key) and send
 * the two section records (one datagram each: a record is up to 1012 bytes); then the witness
 * answers with its signature or a refusal. A version made in a group first gathers the
 * endorsements of that group's members (character-endorse-request, character-endorsement) and sends
 * them to each witness (character-witness-endorsements) before the sections.
 */

/** The largest manifest value (format, version, two section digests: 69 bytes) with room to grow. */
const MAX_MANIFEST_VALUE_BYTES = 128;

/** A proposed version as a witness or an endorsement request carries it: its manifest record in parts (the writer is the sender) and the digest of the version it builds on. */
const proposedVersionFields = {
  version: u32,
  previousDigest: bytes(SHA256_LENGTH),
  manifestExpiresAtMs: u64,
  manifestValue: varBytes(MAX_MANIFEST_VALUE_BYTES),
  manifestSignature: bytes(SIGNATURE_LENGTH),
};

export const CharacterWitnessRequest = defineMessage({
  kind: MessageKind.characterWitnessRequest,
  name: 'character-witness-request',
  authenticated: true,
  summary:
    "an owner asks one of its character's witnesses (the nodes closest to its witness key) to sign a new version: the version's manifest record in parts (its writer is the sender, its subject the sender's manifest slot, its seq `version`), the manifest digest of the version it builds on (zero for version 1) and the evidence for the change; answered by character-witness",
  body: struct({
    ...proposedVersionFields,
    evidence: varBytes(MAX_EVIDENCE_BYTES),
    /** Endorsements the owner will send (character-witness-endorsements): the witness waits for them as for the sections. */
    endorsements: u8,
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
  /** A change (not a renewal) of version 2 or later without a strict majority of its group's endorsements. */
  'unendorsed',
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

/** Endorsements one witness request carries at most: a strict majority of a group of up to 16 (768 bytes of signatures). */
export const MAX_ENDORSEMENTS = 8;

const EndorsementCodec = struct({ member: bytes(PUBLIC_KEY_LENGTH), signature: bytes(SIGNATURE_LENGTH) });

export const CharacterEndorseRequest = defineMessage({
  kind: MessageKind.characterEndorseRequest,
  name: 'character-endorse-request',
  authenticated: true,
  summary:
    "an owner asks a member of its group (the NEO session named) to endorse a new version of its character: the version's manifest record in parts, as in character-witness-request, and the manifest digest of the version it builds on; answered by character-endorsement",
  body: struct({
    ...proposedVersionFields,
    session: bytes(SESSION_ID_BYTES),
  }),
});
export type CharacterEndorseRequestBody = Infer<typeof CharacterEndorseRequest.body>;

/** What a group member answers; everything but `endorsed` is a refusal. */
export const ENDORSE_OUTCOMES = [
  'endorsed',
  /** The manifest does not verify as the sender's record of that version. */
  'malformed',
  /** The sender is not a member of this node's agreed view of that session. */
  'not-in-group',
] as const;
export type EndorseOutcome = (typeof ENDORSE_OUTCOMES)[number];

export const CharacterEndorsement = defineMessage({
  kind: MessageKind.characterEndorsement,
  name: 'character-endorsement',
  authenticated: true,
  summary: "a group member answers a character-endorse-request: `endorsed` with its Ed25519 signature over the endorsement statement (owner, version, manifest digest, previous digest, session), or a refusal",
  body: struct({
    version: u32,
    manifestDigest: bytes(SHA256_LENGTH),
    outcome: enumU8(ENDORSE_OUTCOMES),
    signature: optional(bytes(SIGNATURE_LENGTH)),
  }),
});
export type CharacterEndorsementBody = Infer<typeof CharacterEndorsement.body>;

export const CharacterWitnessEndorsements = defineMessage({
  kind: MessageKind.characterWitnessEndorsements,
  name: 'character-witness-endorsements',
  authenticated: true,
  summary:
    "the endorsements of the group a change was made in, sent to a witness once it answered `awaiting-sections`: the session, the group's size as the owner's view has it, and a strict majority of its other members' signatures over the endorsement statement; `version` and `manifestDigest` name the request",
  body: struct({
    version: u32,
    manifestDigest: bytes(SHA256_LENGTH),
    session: bytes(SESSION_ID_BYTES),
    groupSize: u8,
    endorsements: list(EndorsementCodec, MAX_ENDORSEMENTS),
  }),
});
export type CharacterWitnessEndorsementsBody = Infer<typeof CharacterWitnessEndorsements.body>;
