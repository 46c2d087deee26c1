import type { Signer } from '../crypto/index.js';
import { encodeSheet, sealCharacter, type SealedCharacter } from '../storage/index.js';

/**
 * Tampered character data (SPEC §8, storage; docs/attacks.md): what a cheater does to its own
 * character at home. It holds the keys and signs its own records, so it can re-seal anything; what
 * it cannot make is its witnesses' signatures on it. The honest code never calls these.
 */

/**
 * How the cheater edits: `same-version` re-seals the version its witnesses signed with better
 * contents (the door finds another manifest than the one attested: `edited`); `next-version` seals
 * the better contents as the version after, which nobody witnessed (`unwitnessed`).
 */
export const CHARACTER_EDITS = ['same-version', 'next-version'] as const;
export type CharacterEdit = (typeof CHARACTER_EDITS)[number];

/** The loot every forgery grants itself: far beyond any change rule's limit, from no evidence. */
const FORGED_GOLD = 99_999;

export interface ForgeryDeps {
  readonly randomBytes: (n: number) => Uint8Array;
  /** Unix ms: when the re-sealed records expire. */
  readonly expiresAtMs: number;
}

/** The witnessed character `witnessed`, edited at home as `edit` says: re-sealed and signed by its owner alone. */
export function tamperedCharacter(owner: Signer, witnessed: SealedCharacter, edit: CharacterEdit, deps: ForgeryDeps): SealedCharacter {
  const version = edit === 'same-version' ? witnessed.version : witnessed.version + 1;
  return sealCharacter(owner, version, betterSections(0), deps.randomBytes, deps.expiresAtMs);
}

/**
 * A forged change for colluding witnesses to sign (docs/storage.md, "Colluding witnesses"): the
 * version after `base`, with gold and items no evidence covers; `attempt` makes each one distinct.
 */
export function forgedCharacter(owner: Signer, base: SealedCharacter, attempt: number, deps: ForgeryDeps): SealedCharacter {
  return sealCharacter(owner, base.version + 1, betterSections(attempt), deps.randomBytes, deps.expiresAtMs);
}

function betterSections(attempt: number) {
  return { equipped: encodeSheet({ gold: 0, items: ['excalibur', `crown ${attempt}`] }), inventory: encodeSheet({ gold: FORGED_GOLD + attempt, items: [] }) };
}
