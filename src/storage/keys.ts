import { AEAD_KEY_LENGTH, toHex } from '../crypto/index.js';
import type { Endpoint, Incoming, Transport } from '../net/index.js';
import { MessageKind, bytes, defineMessage, enumU8, struct, u32, type Infer } from '../wire/index.js';
import { CHARACTER_SECTIONS, type CharacterSection } from './character.js';

export const CharacterKey = defineMessage({
  kind: MessageKind.characterKey,
  name: 'character-key',
  authenticated: true,
  summary: "a section key of the sender's own character (src/storage/character.ts), released to a player it engages: `equipped` when they engage, `inventory` when it equips an item from its inventory; the key is the sender's because the datagram is authenticated by the sender's key",
  body: struct({
    version: u32,
    section: enumU8(CHARACTER_SECTIONS),
    key: bytes(AEAD_KEY_LENGTH),
  }),
});
export type CharacterKeyBody = Infer<typeof CharacterKey.body>;

/**
 * Section keys a player released and received (docs/storage.md, "Sections"). A received key is
 * filed under the key that authenticated its datagram: a player can only ever release keys to its
 * own character, so nobody can hand out another player's key in its name.
 */
export interface CharacterKeyring {
  /** Sends `key` (of the sender's own character) to the player at `to`. */
  release(to: Endpoint, version: number, section: CharacterSection, key: Uint8Array): void;
  /** The key `owner` released to this player for that section and version, or null. */
  keyFor(owner: Uint8Array, version: number, section: CharacterSection): Uint8Array | null;
  counters(): { readonly released: number; readonly received: number };
}

const MAX_KEPT = 4096;

export function installCharacterKeyring(transport: Transport): CharacterKeyring {
  const keys = new Map<string, Uint8Array>();
  const count = { released: 0, received: 0 };
  const id = (owner: Uint8Array, version: number, section: CharacterSection) => `${toHex(owner)}/${version}/${section}`;
  transport.handle(CharacterKey, (m: Incoming<CharacterKeyBody>) => {
    if (!m.senderKey) return;
    count.received++;
    keys.set(id(m.senderKey, m.body.version, m.body.section), m.body.key);
    if (keys.size > MAX_KEPT) keys.delete(keys.keys().next().value as string);
  });
  return {
    release(to, version, section, key) {
      transport.send(to, CharacterKey, { version, section, key });
      count.released++;
    },
    keyFor: (owner, version, section) => keys.get(id(owner, version, section)) ?? null,
    counters: () => ({ ...count }),
  };
}
