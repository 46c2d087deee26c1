import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, DomainTag, PUBLIC_KEY_LENGTH, equalBytes, open, seal, taggedSha256, type Signer } from '../crypto/index.js';
import { signRecord, type DhtRecord } from '../dht/index.js';
import { bytes, decodeOrNull, encodeWith, enumU8, list, struct, u32, u8, varBytes, type Infer } from '../wire/index.js';

/**
 * Sectioned character data (SPEC §6, privacy): a character is stored encrypted in sections under
 * separate keys — what it fights with (abilities and equipped items) and what it carries
 * (inventory) — and an owner-signed manifest commits to every section's ciphertext. Anyone can
 * fetch the ciphertexts from the DHT; only a player the owner released a section's key to can read
 * that section, and it checks what it read against the signed manifest (docs/storage.md, "Sections").
 */

export const CHARACTER_SECTIONS = ['equipped', 'inventory'] as const;
export type CharacterSection = (typeof CHARACTER_SECTIONS)[number];
/** A section's plaintext: within one DHT value with its header, nonce and tag. */
export const MAX_SECTION_BYTES = 700;

const FORMAT = 1;
/** The slot byte after the owner's key in a player-data subject: 0 the manifest, 1 + index a section, 3 the witnesses' attestation. */
const MANIFEST_SLOT = 0;
const ATTESTATION_SLOT = 1 + CHARACTER_SECTIONS.length;

/** What a `player-data` record of a character holds: its manifest, one of its sections, or its attestation (src/storage/attestation.ts). */
export type CharacterPart = 'manifest' | CharacterSection | 'attestation';

export const CharacterManifestCodec = struct({
  format: u8,
  version: u32,
  /** Per section, in CHARACTER_SECTIONS order: the digest of its record value (sectionDigest). */
  sections: list(bytes(32), CHARACTER_SECTIONS.length),
});
export const CharacterSectionCodec = struct({
  format: u8,
  version: u32,
  section: enumU8(CHARACTER_SECTIONS),
  nonce: bytes(AEAD_NONCE_LENGTH),
  sealed: varBytes(MAX_SECTION_BYTES + 16),
});
export type CharacterManifest = Infer<typeof CharacterManifestCodec>;
export type SealedSection = Infer<typeof CharacterSectionCodec>;

export interface SealedCharacter {
  readonly version: number;
  /** The owner-signed manifest and one record per section, all `player-data` records the owner writes. */
  readonly manifest: DhtRecord;
  readonly sections: Readonly<Record<CharacterSection, DhtRecord>>;
  /** Each section's key: the owner keeps them and releases one at a time. */
  readonly keys: Readonly<Record<CharacterSection, Uint8Array>>;
}

export type OpenedSection = { readonly ok: true; readonly plaintext: Uint8Array } | { readonly ok: false; readonly reason: 'malformed' | 'not-in-manifest' | 'undecryptable' };

export function characterSubject(owner: Uint8Array, part: CharacterPart): Uint8Array {
  if (!(owner instanceof Uint8Array) || owner.length !== PUBLIC_KEY_LENGTH) throw new TypeError(`characterSubject: expected a ${PUBLIC_KEY_LENGTH}-byte public key`);
  const subject = new Uint8Array(PUBLIC_KEY_LENGTH + 1);
  subject.set(owner);
  subject[PUBLIC_KEY_LENGTH] = slotOf(part);
  return subject;
}

function slotOf(part: CharacterPart): number {
  if (part === 'manifest') return MANIFEST_SLOT;
  if (part === 'attestation') return ATTESTATION_SLOT;
  const index = CHARACTER_SECTIONS.indexOf(part);
  if (index < 0) throw new TypeError(`characterSubject: unknown part ${String(part)}`);
  return 1 + index;
}

/** What the manifest commits to for one section: the owner, and the section's whole record value. */
function sectionDigest(owner: Uint8Array, value: Uint8Array): Uint8Array {
  return taggedSha256(DomainTag.characterSection, owner, value);
}

/** Binds a ciphertext (or a released key) to its owner, version and section: moved elsewhere it does not open. */
export function sectionAad(owner: Uint8Array, version: number, section: CharacterSection): Uint8Array {
  const aad = new Uint8Array(PUBLIC_KEY_LENGTH + 5);
  aad.set(owner);
  new DataView(aad.buffer).setUint32(PUBLIC_KEY_LENGTH, version);
  aad[PUBLIC_KEY_LENGTH + 4] = CHARACTER_SECTIONS.indexOf(section);
  return aad;
}

/**
 * Seals version `version` of a character: each section under a fresh key from `randomBytes`, the
 * manifest signed by the owner. Records expire at `expiresAtMs` (Unix ms).
 */
export function sealCharacter(
  owner: Signer,
  version: number,
  plaintexts: Readonly<Record<CharacterSection, Uint8Array>>,
  randomBytes: (n: number) => Uint8Array,
  expiresAtMs: number,
): SealedCharacter {
  if (!Number.isSafeInteger(version) || version < 1 || version > 0xffff_ffff) throw new RangeError(`sealCharacter: version must be in [1, 2^32 - 1], got ${version}`);
  const ownerKey = owner.publicKey;
  const keys = {} as Record<CharacterSection, Uint8Array>;
  const sections = {} as Record<CharacterSection, DhtRecord>;
  const digests: Uint8Array[] = [];
  for (const section of CHARACTER_SECTIONS) {
    const plaintext = plaintexts[section];
    if (plaintext.length > MAX_SECTION_BYTES) throw new RangeError(`sealCharacter: section ${section} is at most ${MAX_SECTION_BYTES} bytes, got ${plaintext.length}`);
    const key = randomBytes(AEAD_KEY_LENGTH);
    const nonce = randomBytes(AEAD_NONCE_LENGTH);
    const value = encodeWith(CharacterSectionCodec, { format: FORMAT, version, section, nonce, sealed: seal(key, nonce, plaintext, sectionAad(ownerKey, version, section)) });
    keys[section] = key;
    digests.push(sectionDigest(ownerKey, value));
    sections[section] = signRecord({ type: 'player-data', subject: characterSubject(ownerKey, section), seq: BigInt(version), expiresAtMs: BigInt(Math.floor(expiresAtMs)), value }, owner);
  }
  const manifestValue = encodeWith(CharacterManifestCodec, { format: FORMAT, version, sections: digests });
  const manifest = signRecord({ type: 'player-data', subject: characterSubject(ownerKey, 'manifest'), seq: BigInt(version), expiresAtMs: BigInt(Math.floor(expiresAtMs)), value: manifestValue }, owner);
  return { version, manifest, sections, keys };
}

/** The manifest a record holds, or null (remote data: never throws). */
export function readManifest(record: DhtRecord): CharacterManifest | null {
  if (record.type !== 'player-data' || record.subject.length !== PUBLIC_KEY_LENGTH + 1 || record.subject[PUBLIC_KEY_LENGTH] !== MANIFEST_SLOT) return null;
  const m = decodeOrNull(CharacterManifestCodec, record.value);
  return m && m.format === FORMAT && BigInt(m.version) === record.seq && m.sections.length === CHARACTER_SECTIONS.length ? m : null;
}

/** The sealed section a record holds (filed under its own slot, version = seq), or null (remote data: never throws). */
export function readSection(record: DhtRecord): SealedSection | null {
  if (record.type !== 'player-data' || record.subject.length !== PUBLIC_KEY_LENGTH + 1) return null;
  const s = decodeOrNull(CharacterSectionCodec, record.value);
  return s && s.format === FORMAT && BigInt(s.version) === record.seq && record.subject[PUBLIC_KEY_LENGTH] === 1 + CHARACTER_SECTIONS.indexOf(s.section) ? s : null;
}

/**
 * Reads one section with its released key and checks it against the owner's signed manifest (both
 * records already verified by the DHT: signed by the owner). Refused: a record that is not that
 * section of that version (`malformed`), a ciphertext the manifest does not commit to
 * (`not-in-manifest`: swapped or tampered), or one the key does not open (`undecryptable`).
 */
export function openSection(manifestRecord: DhtRecord, sectionRecord: DhtRecord, section: CharacterSection, key: Uint8Array): OpenedSection {
  const manifest = readManifest(manifestRecord);
  const sealed = readSection(sectionRecord);
  const owner = manifestRecord.subject.subarray(0, PUBLIC_KEY_LENGTH);
  if (!manifest || !sealed || sealed.section !== section || sealed.version !== manifest.version || !equalBytes(sectionRecord.subject.subarray(0, PUBLIC_KEY_LENGTH), owner)) return { ok: false, reason: 'malformed' };
  const committed = manifest.sections[CHARACTER_SECTIONS.indexOf(section)];
  if (!committed || !equalBytes(committed, sectionDigest(owner, sectionRecord.value))) return { ok: false, reason: 'not-in-manifest' };
  const plaintext = key.length === AEAD_KEY_LENGTH ? open(key, sealed.nonce, sealed.sealed, sectionAad(owner, sealed.version, section)) : null;
  return plaintext ? { ok: true, plaintext } : { ok: false, reason: 'undecryptable' };
}
