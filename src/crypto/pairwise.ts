import { createHash, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { etc } from '@noble/ed25519';
import { assertBytes, assertBytesOfLength, byteKey, bigIntFromLittleEndian, littleEndianFromBigInt } from './bytes.js';
import { DomainTag, latin1Into, sha256Latin1 } from './hash.js';
import { LruCache } from './lru-cache.js';
import { open, seal } from './aead.js';
import { PUBLIC_KEY_LENGTH, SEED_LENGTH } from './sizes.js';

/**
 * Pairwise message authentication between two certified identities (docs/crypto.md, "Pairwise
 * MACs"). Each pair of players shares a key that only those two can compute: X25519 between their
 * Ed25519 identity keys (the Edwards→Montgomery map libsodium calls crypto_sign_ed25519_*_to_curve25519),
 * hashed with both public keys. A 16-byte HMAC-SHA-256 tag under that key authenticates a datagram
 * for its one recipient at a tenth of the cost of verifying an Ed25519 signature — but, unlike a
 * signature, it proves nothing to a third party (either end could have made it), so whatever must
 * serve as evidence keeps its signature.
 */
export const MAC_TAG_LENGTH = 16;

/** The shared key of this peer and one other, ready to tag and check. */
export interface PairwiseChannel {
  /** This peer's key: the sender of what `tag` authenticates. */
  readonly publicKey: Uint8Array;
  readonly remoteKey: Uint8Array;
  /** The 16-byte tag over `data` for the remote peer. */
  tag(data: Uint8Array): Uint8Array;
  /** True only when `tag` is the remote peer's tag over `data` for us. Never throws on remote bytes. */
  check(data: Uint8Array, tag: Uint8Array): boolean;
  /**
   * ChaCha20-Poly1305 under a key only the two peers can derive (the same agreement as the MACs, a
   * separate derivation): for a secret one peer hands the other (a released section key). `nonce`:
   * AEAD_NONCE_LENGTH bytes, never reused with this channel.
   */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** The plaintext the remote peer sealed for us, or null (wrong peer, tampered, wrong aad). Never throws on remote bytes. */
  open(nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null;
}

export interface PairwiseAuthenticator {
  readonly publicKey: Uint8Array;
  /**
   * The channel with the holder of `remoteKey`; null when no key can be agreed with that public
   * key (wrong length, not a point of the curve, or of small order): the caller falls back to a
   * signature, or drops what claimed to come from it.
   */
  channel(remoteKey: Uint8Array): PairwiseChannel | null;
  /** Keys agreed so far and public keys no key could be agreed with (remote garbage, counted). */
  stats(): { readonly agreed: number; readonly refused: number; readonly cached: number };
}

export interface PairwiseOptions {
  /** Agreed keys kept (least recently used evicted). Default 2048: a player's group, DHT contacts and the authority. */
  readonly cacheSize?: number;
}

// X25519 keys in the fixed DER wrappers of RFC 8410 (OID 1.3.101.110), as ed25519-native.ts does for Ed25519.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const P = 2n ** 255n - 19n;
const Y_MASK = (1n << 255n) - 1n;
const PAIRWISE_TAG = Buffer.from(DomainTag.pairwiseMac);
const PAIRWISE_SEAL_TAG = Buffer.from(DomainTag.pairwiseSeal);

/**
 * The Montgomery u-coordinate of an Ed25519 public key: u = (1 + y) / (1 − y) mod p, where y is the
 * key's 255-bit coordinate (the sign bit of x does not change u). Null for a non-canonical y
 * (y ≥ p) and for y = 1 (the neutral element), which has no u.
 */
export function montgomeryFromEdwards(publicKey: Uint8Array): Uint8Array | null {
  assertBytes(publicKey, 'publicKey');
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return null;
  const y = bigIntFromLittleEndian(publicKey) & Y_MASK;
  if (y >= P || y === 1n) return null;
  const u = etc.mod((1n + y) * etc.invert(etc.mod(1n - y, P), P), P);
  return littleEndianFromBigInt(u, 32);
}

/** The X25519 secret for an Ed25519 seed: the first half of SHA-512(seed), the same scalar Ed25519 signs with (X25519 clamps it). */
function x25519PrivateKey(seed: Uint8Array): KeyObject {
  const scalar = createHash('sha512').update(seed).digest().subarray(0, 32);
  const der = Buffer.concat([PKCS8_X25519_PREFIX, scalar]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
    scalar.fill(0);
  }
}

/**
 * Remote Ed25519 keys as X25519 key objects, shared by every authenticator of the thread: the map
 * costs a modular inversion and the import as much again, both public computations, so a key
 * converted for one peer of a shard serves all of them. Only keys that agreed are kept.
 */
const remoteMontgomeryKeys = new LruCache<string, KeyObject>(4096);

function remoteX25519Key(id: string, remoteKey: Uint8Array): KeyObject | null {
  const cached = remoteMontgomeryKeys.get(id);
  if (cached) return cached;
  const u = montgomeryFromEdwards(remoteKey);
  if (!u) return null;
  try {
    // JWK rather than DER: OpenSSL 3's DER decoder costs about seven times as much per key.
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(u).toString('base64url') }, format: 'jwk' });
  } catch {
    return null;
  }
}

const HMAC_BLOCK_BYTES = 64;
const MAX_MAC_INPUT_BYTES = 2048;
/** One thread, synchronous hashing: one scratch buffer serves every tag computed here. */
const innerScratch = new Uint8Array(HMAC_BLOCK_BYTES + MAX_MAC_INPUT_BYTES);
const outerScratch = new Uint8Array(HMAC_BLOCK_BYTES + 32);

/**
 * HMAC-SHA-256 (RFC 2104) under a fixed key, truncated to MAC_TAG_LENGTH: the key's two padded
 * blocks are prepared once, and each tag is two one-shot hashes (digests as latin1 strings: no Buffer per call). The same bytes as createHmac
 * (a test checks it), at about two thirds of its cost per datagram (docs/performance.md).
 */
function hmacSha256With(key: Uint8Array): (data: Uint8Array) => string {
  const inner = new Uint8Array(HMAC_BLOCK_BYTES).fill(0x36);
  const outer = new Uint8Array(HMAC_BLOCK_BYTES).fill(0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i] = (inner[i] as number) ^ (key[i] as number);
    outer[i] = (outer[i] as number) ^ (key[i] as number);
  }
  return (data) => {
    // Datagrams are capped at 1200 bytes: anything longer is a caller's bug, not remote input.
    if (data.length > MAX_MAC_INPUT_BYTES) throw new RangeError(`pairwise MAC: at most ${MAX_MAC_INPUT_BYTES} bytes, got ${data.length}`);
    innerScratch.set(inner, 0);
    innerScratch.set(data, HMAC_BLOCK_BYTES);
    outerScratch.set(outer, 0);
    latin1Into(sha256Latin1(innerScratch.subarray(0, HMAC_BLOCK_BYTES + data.length)), outerScratch, HMAC_BLOCK_BYTES);
    return sha256Latin1(outerScratch);
  };
}

/** The tag (the digest's first MAC_TAG_LENGTH bytes) against a received one, in time independent of where they differ. */
function tagMatches(digest: string, tag: Uint8Array): boolean {
  let difference = 0;
  for (let i = 0; i < MAC_TAG_LENGTH; i++) difference |= digest.charCodeAt(i) ^ (tag[i] as number);
  return difference === 0;
}

/** 1 when a sorts after b, byte-wise: both ends must hash the two keys in the same order. */
function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

export function createPairwiseAuthenticator(seed: Uint8Array, publicKey: Uint8Array, options: PairwiseOptions = {}): PairwiseAuthenticator {
  assertBytesOfLength(seed, 'seed', SEED_LENGTH);
  assertBytesOfLength(publicKey, 'publicKey', PUBLIC_KEY_LENGTH);
  const own = Uint8Array.from(publicKey);
  const privateKey = x25519PrivateKey(seed);
  const ownU = montgomeryFromEdwards(own);
  const derivedU = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519_PREFIX.length);
  if (!ownU || !derivedU.equals(ownU)) throw new RangeError('createPairwiseAuthenticator: publicKey is not the Ed25519 public key of seed');
  // Keyed by the remote key's bytes as a latin1 string: one char per byte, the cheapest exact Map key.
  const channels = new LruCache<string, PairwiseChannel>(options.cacheSize ?? 2048);
  let agreed = 0;
  let refused = 0;

  const agree = (id: string, remoteKey: Uint8Array): PairwiseChannel | null => {
    const remote = remoteKey.length === PUBLIC_KEY_LENGTH ? remoteX25519Key(id, remoteKey) : null;
    let shared: Buffer | null = null;
    // OpenSSL refuses a small-order point (an all-zero shared secret): such a key agrees on nothing.
    if (remote) {
      try {
        shared = diffieHellman({ privateKey, publicKey: remote });
      } catch {
        shared = null;
      }
    }
    if (!remote || !shared) {
      // Not cached: a stream of garbage keys must not evict the keys of peers that really talk to us.
      refused++;
      return null;
    }
    const peerKey = Uint8Array.from(remoteKey);
    const [low, high] = compareKeys(own, peerKey) < 0 ? [own, peerKey] : [peerKey, own];
    const key = createHash('sha256').update(PAIRWISE_TAG).update(shared).update(low).update(high).digest();
    const sealKey = Uint8Array.from(createHash('sha256').update(PAIRWISE_SEAL_TAG).update(shared).update(low).update(high).digest());
    shared.fill(0);
    remoteMontgomeryKeys.set(id, remote);
    agreed++;
    const compute = hmacSha256With(key);
    key.fill(0);
    return {
      publicKey: own,
      remoteKey: peerKey,
      tag: (data) => {
        const tag = new Uint8Array(MAC_TAG_LENGTH);
        latin1Into(compute(data), tag, 0, MAC_TAG_LENGTH);
        return tag;
      },
      check: (data, tag) => tag.length === MAC_TAG_LENGTH && tagMatches(compute(data), tag),
      seal: (nonce, plaintext, aad) => seal(sealKey, nonce, plaintext, aad),
      open: (nonce, sealed, aad) => open(sealKey, nonce, sealed, aad),
    };
  };

  return {
    publicKey: own,
    channel(remoteKey) {
      assertBytes(remoteKey, 'remoteKey');
      const id = byteKey(remoteKey);
      const cached = channels.get(id);
      if (cached) return cached;
      const made = agree(id, remoteKey);
      if (made) channels.set(id, made);
      return made;
    },
    stats: () => ({ agreed, refused, cached: channels.size }),
  };
}
