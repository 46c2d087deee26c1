import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { asPlainBytes, assertBytes, assertBytesOfLength } from './bytes.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH } from './sizes.js';

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
