import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, toHex, type PairwiseAuthenticator } from '../crypto/index.js';
import type { Endpoint, Incoming, Transport } from '../net/index.js';
import { MessageKind, bytes, defineMessage, enumU8, struct, u32, type Infer } from '../wire/index.js';
import { CHARACTER_SECTIONS, sectionAad, type CharacterSection } from './character.js';

export const CharacterKey = defineMessage({
  kind: MessageKind.characterKey,
  name: 'character-key',
  authenticated: true,
  summary:
    "a section key of the sender's own character (src/storage/character.ts), released to a player it engages (`equipped` when they engage, `inventory` when it equips an item from its inventory), sealed to the receiver with ChaCha20-Poly1305 under the key the two peers' X25519 agreement derives (`p2p-mmog/pairwise-seal/v1`), the associated data the sender key ‖ version (u32) ‖ section index (u8)",
  body: struct({
    version: u32,
    section: enumU8(CHARACTER_SECTIONS),
    nonce: bytes(AEAD_NONCE_LENGTH),
    sealedKey: bytes(AEAD_KEY_LENGTH + AEAD_TAG_LENGTH),
  }),
});
export type CharacterKeyBody = Infer<typeof CharacterKey.body>;

/** The player a key goes to: where it listens, and its key (the key is sealed to it). */
export interface KeyRecipient {
  readonly endpoint: Endpoint;
  readonly publicKey: Uint8Array;
}

/**
 * Section keys a player released and received (docs/storage.md, "Sections"). A released key is
 * sealed to its receiver, so nobody on the path reads it; a received key is filed under the key that
 * authenticated its datagram (and that it was sealed by), so a player can only ever release keys to
 * its own character.
 */
export interface CharacterKeyring {
  /** Seals `key` (of the sender's own character) to `to` and sends it. */
  release(to: KeyRecipient, version: number, section: CharacterSection, key: Uint8Array): void;
  /** The key `owner` released to this player for that section and version, or null. */
  keyFor(owner: Uint8Array, version: number, section: CharacterSection): Uint8Array | null;
  /** Calls `listener` with every key received and opened from now on (a witness waits for the keys of the version it was asked to sign). */
  onReceived(listener: (owner: Uint8Array, version: number, section: CharacterSection) => void): void;
  /** Releases sent; keys received and opened; releases that did not open (not sealed to this player, or altered). */
  counters(): { readonly released: number; readonly received: number; readonly refused: number };
}

export interface CharacterKeyringDeps {
  readonly transport: Transport;
  readonly pairwise: PairwiseAuthenticator;
  /** Nonces: AEAD_NONCE_LENGTH fresh bytes a call. */
  readonly randomBytes: (n: number) => Uint8Array;
}

const MAX_KEPT = 4096;

export function installCharacterKeyring(deps: CharacterKeyringDeps): CharacterKeyring {
  const { transport, pairwise } = deps;
  const keys = new Map<string, Uint8Array>();
  const count = { released: 0, received: 0, refused: 0 };
  const listeners: ((owner: Uint8Array, version: number, section: CharacterSection) => void)[] = [];
  const id = (owner: Uint8Array, version: number, section: CharacterSection) => `${toHex(owner)}/${version}/${section}`;
  transport.handle(CharacterKey, (m: Incoming<CharacterKeyBody>) => {
    if (!m.senderKey) return;
    const key = pairwise.channel(m.senderKey)?.open(m.body.nonce, m.body.sealedKey, sectionAad(m.senderKey, m.body.version, m.body.section)) ?? null;
    if (!key) return void count.refused++;
    count.received++;
    keys.set(id(m.senderKey, m.body.version, m.body.section), key);
    if (keys.size > MAX_KEPT) keys.delete(keys.keys().next().value as string);
    for (const listener of listeners) listener(m.senderKey, m.body.version, m.body.section);
  });
  return {
    release(to, version, section, key) {
      if (key.length !== AEAD_KEY_LENGTH) throw new RangeError(`release: a section key is ${AEAD_KEY_LENGTH} bytes, got ${key.length}`);
      const channel = pairwise.channel(to.publicKey);
      if (!channel) throw new RangeError('release: no key can be agreed with that public key');
      const nonce = deps.randomBytes(AEAD_NONCE_LENGTH);
      transport.send(to.endpoint, CharacterKey, { version, section, nonce, sealedKey: channel.seal(nonce, key, sectionAad(pairwise.publicKey, version, section)) });
      count.released++;
    },
    keyFor: (owner, version, section) => keys.get(id(owner, version, section)) ?? null,
    onReceived: (listener) => void listeners.push(listener),
    counters: () => ({ ...count }),
  };
}
