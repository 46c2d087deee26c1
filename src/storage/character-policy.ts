import { PUBLIC_KEY_LENGTH, equalBytes } from '../crypto/index.js';
import type { RecordPolicies, RecordPolicy } from '../dht/index.js';
import { readAttestation } from './attestation.js';
import { readManifest, readSection } from './character.js';

/**
 * The `player-data` policy: only the owner writes, and the value is a manifest, a section or an
 * attestation filed under its own slot, whose version is the record's seq (for an attestation,
 * seq = version · 2^16 + renewal). Witness signatures are not checked here: who counts as a
 * witness depends on the DHT's membership when a door looks (the door checks them,
 * src/storage/door.ts); a storing node only keeps what the owner signed.
 */
export function characterPolicy(): RecordPolicy {
  return {
    authorizedWriter: (record) => record.subject.length === PUBLIC_KEY_LENGTH + 1 && equalBytes(record.writer, record.subject.subarray(0, PUBLIC_KEY_LENGTH)),
    validateValue: (record) => readManifest(record) !== null || readSection(record) !== null || readAttestation(record) !== null,
  };
}

/** The policies a character's own records are checked against when they arrive outside the DHT (a witness request, a door). */
export const characterRecordPolicies: RecordPolicies = { 'player-data': characterPolicy() };
