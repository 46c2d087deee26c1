import { equalBytes } from '../crypto/index.js';
import type { ChangeRule } from '../storage/index.js';

/**
 * Colluding witnesses (SPEC §8, storage; docs/storage.md, "Witnessed characters"): "friends sign for
 * each other". The honest witness code takes its change rule injected and has no attack branch; a
 * colluder is a witness given one of these rules instead of the game's.
 */

/** Signs any change: whatever the owner edited, a witness with this rule vouches for it. */
export const acceptAnyChange: ChangeRule = () => ({ ok: true });

/** Signs anything for its friends' characters and applies `honest` to everyone else's (a colluder who wants to stay unnoticed). */
export function colludeWith(friends: readonly Uint8Array[], honest: ChangeRule): ChangeRule {
  const group = friends.map((f) => Uint8Array.from(f));
  return (change) => (group.some((f) => equalBytes(f, change.owner)) ? acceptAnyChange(change) : honest(change));
}
