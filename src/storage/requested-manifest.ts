import { recordKey, verifyRecord, type DhtRecord } from '../dht/index.js';
import type { SignatureVerifier } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import { characterSubject, readManifest } from './character.js';
import { characterRecordPolicies } from './character-policy.js';

/** A manifest record as a witness or endorsement request carries it: in parts, its writer the sender. */
export interface ManifestParts {
  readonly version: number;
  readonly manifestExpiresAtMs: bigint;
  readonly manifestValue: Uint8Array;
  readonly manifestSignature: Uint8Array;
}

/** The manifest record a request describes, rebuilt and verified as `owner`'s record of that version; null otherwise (remote data: never throws). */
export function requestedManifest(owner: Uint8Array, parts: ManifestParts, ctx: { readonly verify: SignatureVerifier; readonly wallClock: Clock }): DhtRecord | null {
  const subject = characterSubject(owner, 'manifest');
  const record: DhtRecord = { type: 'player-data', key: recordKey('player-data', subject), subject, writer: owner, seq: BigInt(parts.version), expiresAtMs: parts.manifestExpiresAtMs, value: parts.manifestValue, signature: parts.manifestSignature };
  const valid = verifyRecord(record, { policies: characterRecordPolicies, verify: ctx.verify, nowMs: ctx.wallClock.nowMs() }) === null;
  return valid && readManifest(record) ? record : null;
}
