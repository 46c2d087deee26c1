import { randomBytes } from 'node:crypto';
import { asPlainBytes } from './bytes.js';
import { createNativeEd25519 } from './ed25519-native.js';
import { createNobleEd25519 } from './ed25519-noble.js';
import { SEED_LENGTH } from './sizes.js';

export type Ed25519BackendName = 'native' | 'noble';

/**
 * Ed25519 (RFC 8032, pure, no context). Both backends produce byte-identical keys and signatures and
 * accept exactly the same signatures (see ed25519-encoding.ts), so peers may mix them freely.
 */
export interface Ed25519Backend {
  readonly name: Ed25519BackendName;
  /** 32-byte seed (the RFC 8032 secret key) -> 32-byte public key. Throws on a malformed seed. */
  publicKeyFromSeed(seed: Uint8Array): Uint8Array;
  /** One-shot signing; prepares the key on every call. Use createSigner on hot paths. */
  sign(message: Uint8Array, seed: Uint8Array): Uint8Array;
  /**
   * True only for a valid signature under the shared strict rule. Never throws on remote bytes:
   * wrong lengths, non-canonical encodings, small-order or off-curve points all return false.
   * Throws TypeError only when an argument is not a Uint8Array at all (a caller bug).
   */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** Prepares the key once; the returned Signer keeps its own copy of the key material. */
  createSigner(seed: Uint8Array): Signer;
}

export interface Signer {
  /** A fresh copy on every read, so callers cannot corrupt the signer's state. */
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface Ed25519Options {
  /**
   * Native backend only: how many prepared public keys to keep. Parsing a key costs about as much
   * as a verification; a peer verifies the same few group members and the authority every round.
   * 0 disables the cache. Default 4096.
   */
  readonly publicKeyCacheSize?: number;
}

export const DEFAULT_PUBLIC_KEY_CACHE_SIZE = 4096;

/**
 * Native (node:crypto / OpenSSL) is the default: about ten times faster than noble. A backend holds
 * a public-key cache, so create one per thread and share it between the peers of that thread.
 */
export function createEd25519(name: Ed25519BackendName = 'native', options: Ed25519Options = {}): Ed25519Backend {
  switch (name) {
    case 'native':
      return createNativeEd25519(options.publicKeyCacheSize ?? DEFAULT_PUBLIC_KEY_CACHE_SIZE);
    case 'noble':
      return createNobleEd25519();
    default:
      throw new RangeError(`Ed25519 backend: expected 'native' or 'noble', got ${String(name)}`);
  }
}

/** A fresh seed from the operating system's CSPRNG. */
export function generateSeed(): Uint8Array {
  return asPlainBytes(randomBytes(SEED_LENGTH));
}
