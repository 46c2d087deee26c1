import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, assertBytesOfLength, bigIntFromLittleEndian, concatBytes, equalBytes, littleEndianFromBigInt } from './bytes.js';
import type { Ed25519Backend, Signer } from './ed25519.js';
import { GROUP_ORDER, passesEncodingRules } from './ed25519-encoding.js';
import { SEED_LENGTH } from './sizes.js';

// noble-ed25519 v3 ships without a synchronous SHA-512; its sync API throws until one is wired in.
ed.hashes.sha512 = sha512;

const POINT_LENGTH = 32;

function reducedHash(...parts: Uint8Array[]): bigint {
  const hash = sha512.create();
  for (const part of parts) hash.update(part);
  return bigIntFromLittleEndian(hash.digest()) % GROUP_ORDER;
}

/**
 * Signs with the expanded key computed once (RFC 8032 §5.1.6 steps 2-6). noble's own sign()
 * re-derives the public point from the seed on every call, a second scalar multiplication.
 * Tests pin this against ed.sign() byte for byte.
 */
class NobleSigner implements Signer {
  readonly #prefix: Uint8Array;
  readonly #scalar: bigint;
  readonly #publicKey: Uint8Array;

  constructor(seed: Uint8Array) {
    assertBytesOfLength(seed, 'seed', SEED_LENGTH);
    const expanded = ed.utils.getExtendedPublicKey(seed);
    this.#prefix = Uint8Array.from(expanded.prefix);
    this.#scalar = expanded.scalar;
    this.#publicKey = Uint8Array.from(expanded.pointBytes);
  }

  get publicKey(): Uint8Array {
    return this.#publicKey.slice();
  }

  sign(message: Uint8Array): Uint8Array {
    assertBytes(message, 'message');
    const nonce = reducedHash(this.#prefix, message);
    const encodedR = ed.Point.BASE.multiply(nonce).toBytes();
    const challenge = reducedHash(encodedR, this.#publicKey, message);
    const s = (nonce + challenge * this.#scalar) % GROUP_ORDER;
    return concatBytes(encodedR, littleEndianFromBigInt(s, POINT_LENGTH));
  }
}

export function createNobleEd25519(): Ed25519Backend {
  return {
    name: 'noble',

    publicKeyFromSeed(seed: Uint8Array): Uint8Array {
      assertBytesOfLength(seed, 'seed', SEED_LENGTH);
      return ed.getPublicKey(seed);
    },

    sign(message: Uint8Array, seed: Uint8Array): Uint8Array {
      assertBytes(message, 'message');
      assertBytesOfLength(seed, 'seed', SEED_LENGTH);
      return ed.sign(message, seed);
    },

    // noble's verify() is cofactored ([8][S]B = [8]R + [8][k]A); OpenSSL's is cofactorless. To accept
    // exactly what the native backend accepts, the cofactorless equation is evaluated here on
    // noble's point arithmetic: encode([S]B - [k]A) must equal the R bytes of the signature.
    verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
      assertBytes(signature, 'signature');
      assertBytes(message, 'message');
      assertBytes(publicKey, 'publicKey');
      if (!passesEncodingRules(signature, publicKey)) return false;
      try {
        const pointA = ed.Point.fromBytes(publicKey, false);
        const encodedR = signature.subarray(0, POINT_LENGTH);
        const s = bigIntFromLittleEndian(signature.subarray(POINT_LENGTH));
        const challenge = reducedHash(encodedR, publicKey, message);
        const expectedR = ed.Point.BASE.multiply(s, false).subtract(pointA.multiply(challenge, false));
        return equalBytes(expectedR.toBytes(), encodedR);
      } catch {
        // Point.fromBytes throws for a y that is not on the curve: remote data, so just "invalid".
        return false;
      }
    },

    createSigner(seed: Uint8Array): Signer {
      return new NobleSigner(seed);
    },
  };
}
