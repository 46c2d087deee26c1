import {
  createPrivateKey,
  createPublicKey,
  sign as signWithKeyObject,
  verify as verifyWithKeyObject,
  type KeyObject,
} from 'node:crypto';
import { asPlainBytes, assertBytes, assertBytesOfLength, byteKey } from './bytes.js';
import type { Ed25519Backend, Signer } from './ed25519.js';
import { passesEncodingRules } from './ed25519-encoding.js';
import { LruCache } from './lru-cache.js';
import { SEED_LENGTH } from './sizes.js';

// node:crypto has no raw-key import for Ed25519 on Node 20, so raw keys are wrapped in the fixed
// DER headers of RFC 8410: PKCS#8 OneAsymmetricKey for the seed, SubjectPublicKeyInfo for the key.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function privateKeyObjectFromSeed(seed: Uint8Array): KeyObject {
  assertBytesOfLength(seed, 'seed', SEED_LENGTH);
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

function rawPublicKeyOf(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return Uint8Array.from(spki.subarray(SPKI_ED25519_PREFIX.length));
}

function publicKeyObjectFromRaw(publicKey: Uint8Array): KeyObject | undefined {
  try {
    // JWK rather than SPKI DER: the same key object, but OpenSSL 3's DER decoder costs about as
    // much again as the verification itself (docs/performance.md).
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

class NativeSigner implements Signer {
  readonly #privateKey: KeyObject;
  readonly #publicKey: Uint8Array;

  constructor(seed: Uint8Array) {
    this.#privateKey = privateKeyObjectFromSeed(seed);
    this.#publicKey = rawPublicKeyOf(this.#privateKey);
  }

  get publicKey(): Uint8Array {
    return this.#publicKey.slice();
  }

  sign(message: Uint8Array): Uint8Array {
    assertBytes(message, 'message');
    return asPlainBytes(signWithKeyObject(null, message, this.#privateKey));
  }
}

export function createNativeEd25519(publicKeyCacheSize: number): Ed25519Backend {
  // Keyed by the raw key bytes as a latin1 string: one char per byte, the cheapest exact Map key.
  const preparedPublicKeys = new LruCache<string, KeyObject>(publicKeyCacheSize);

  /**
   * A key is cached only once a signature verified under it, so a stream of garbage keys from the
   * network cannot churn the cache and evict the keys of peers that really talk to us.
   */
  function verifyPrepared(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    const cacheKey = byteKey(publicKey);
    const cached = preparedPublicKeys.get(cacheKey);
    const keyObject = cached ?? publicKeyObjectFromRaw(publicKey);
    if (keyObject === undefined) return false;
    let valid: boolean;
    try {
      valid = verifyWithKeyObject(null, message, keyObject, signature);
    } catch {
      return false;
    }
    if (valid && cached === undefined) preparedPublicKeys.set(cacheKey, keyObject);
    return valid;
  }

  return {
    name: 'native',

    publicKeyFromSeed(seed: Uint8Array): Uint8Array {
      return rawPublicKeyOf(privateKeyObjectFromSeed(seed));
    },

    sign(message: Uint8Array, seed: Uint8Array): Uint8Array {
      assertBytes(message, 'message');
      return asPlainBytes(signWithKeyObject(null, message, privateKeyObjectFromSeed(seed)));
    },

    verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
      assertBytes(signature, 'signature');
      assertBytes(message, 'message');
      assertBytes(publicKey, 'publicKey');
      if (!passesEncodingRules(signature, publicKey)) return false;
      return verifyPrepared(signature, message, publicKey);
    },

    createSigner(seed: Uint8Array): Signer {
      return new NativeSigner(seed);
    },
  };
}
