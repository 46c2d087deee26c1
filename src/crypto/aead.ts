import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { asPlainBytes, assertBytes, assertBytesOfLength, concatBytes, equalBytes } from './bytes.js';
import { DomainTag, taggedSha256 } from './hash.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, COMMITMENT_OVERHEAD, SHA256_LENGTH } from './sizes.js';

// ChaCha20-Poly1305 (RFC 8439) through node:crypto (OpenSSL); docs/crypto.md has the measurements
// that chose it over @noble/ciphers.
const CIPHER = 'chacha20-poly1305';

/** Encrypts and authenticates: returns ciphertext || 16-byte tag. Throws on malformed own arguments. */
export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  assertBytesOfLength(key, 'key', AEAD_KEY_LENGTH);
  assertBytesOfLength(nonce, 'nonce', AEAD_NONCE_LENGTH);
  assertBytes(plaintext, 'plaintext');
  assertBytes(aad, 'aad');
  const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: AEAD_TAG_LENGTH });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  // An exact-size array of its own rather than Buffer.concat's slice of Node's shared 8 KiB pool,
  // so `.buffer` of the result exposes nothing else and can be transferred to another thread.
  const sealed = new Uint8Array(plaintext.length + AEAD_TAG_LENGTH);
  sealed.set(cipher.update(plaintext), 0);
  cipher.final();
  sealed.set(cipher.getAuthTag(), plaintext.length);
  return sealed;
}

/**
 * Decrypts and authenticates. Returns null, never throws, for anything a remote party can get
 * wrong: wrong key/nonce length, sealed shorter than a tag, tampered ciphertext, tag or aad, wrong
 * key. Throws TypeError only for non-Uint8Array arguments (a caller bug).
 */
export function open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
  assertBytes(key, 'key');
  assertBytes(nonce, 'nonce');
  assertBytes(sealed, 'sealed');
  assertBytes(aad, 'aad');
  if (key.length !== AEAD_KEY_LENGTH || nonce.length !== AEAD_NONCE_LENGTH || sealed.length < AEAD_TAG_LENGTH) {
    return null;
  }
  const ciphertextLength = sealed.length - AEAD_TAG_LENGTH;
  try {
    const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: AEAD_TAG_LENGTH });
    decipher.setAuthTag(sealed.subarray(ciphertextLength));
    decipher.setAAD(aad, { plaintextLength: ciphertextLength });
    const plaintext = decipher.update(sealed.subarray(0, ciphertextLength));
    decipher.final();
    return asPlainBytes(plaintext);
  } catch {
    return null;
  }
}

export function generateAeadKey(): Uint8Array {
  return asPlainBytes(randomBytes(AEAD_KEY_LENGTH));
}

// ---------------------------------------------------------------------------------------------
// Commitments (NEO): an update is sealed under a fresh key in round r and the key is revealed in
// round r+1. Two properties must hold, and the plain seal/open above gives neither by itself:
//
// 1. One key, one message. The nonce is fixed (all zero), which is safe only because every key
//    seals exactly one plaintext. createCommitment enforces that by construction: it draws the key
//    itself and never accepts one, so no caller can reuse a key.
// 2. Binding. Poly1305 is not key-committing: a cheater can build one ciphertext that opens under
//    two different keys to two different updates, then pick which key to reveal after seeing the
//    others' updates. The commitment therefore starts with SHA-256(tag || key), and
//    openCommitment refuses any key that does not match it.
//
// Layout: keyCommitment (32) || ciphertext || Poly1305 tag (16).
// ---------------------------------------------------------------------------------------------

const COMMITMENT_NONCE = new Uint8Array(AEAD_NONCE_LENGTH);

export interface Commitment {
  /** Kept secret until the reveal round, then sent in the clear. */
  readonly key: Uint8Array;
  /** What is sent (and voted on) in the commit round. */
  readonly commitment: Uint8Array;
}

function keyCommitment(key: Uint8Array): Uint8Array {
  return taggedSha256(DomainTag.aeadKeyCommitment, key);
}

/**
 * Seals `plaintext` under a fresh random key. `aad` should name the context the commitment belongs
 * to (session, view, round, sender), so it cannot be replayed into another round.
 */
export function createCommitment(plaintext: Uint8Array, aad: Uint8Array): Commitment {
  const key = generateAeadKey();
  const sealed = seal(key, COMMITMENT_NONCE, plaintext, aad);
  return { key, commitment: concatBytes(keyCommitment(key), sealed) };
}

/** The committed plaintext, or null if the key is not the committed one or anything was altered. */
export function openCommitment(key: Uint8Array, commitment: Uint8Array, aad: Uint8Array): Uint8Array | null {
  assertBytes(key, 'key');
  assertBytes(commitment, 'commitment');
  assertBytes(aad, 'aad');
  if (key.length !== AEAD_KEY_LENGTH || commitment.length < COMMITMENT_OVERHEAD) return null;
  if (!equalBytes(keyCommitment(key), commitment.subarray(0, SHA256_LENGTH))) return null;
  return open(key, COMMITMENT_NONCE, commitment.subarray(SHA256_LENGTH), aad);
}
