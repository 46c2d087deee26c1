/** RFC 8032 secret key: the 32-byte seed that is hashed into the signing scalar and nonce prefix. */
export const SEED_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 32;
/** R (32-byte point encoding) followed by S (32-byte little-endian scalar). */
export const SIGNATURE_LENGTH = 64;
export const NODE_ID_LENGTH = 32;
export const DIGEST16_LENGTH = 16;
export const SHA256_LENGTH = 32;
export const AEAD_KEY_LENGTH = 32;
export const AEAD_NONCE_LENGTH = 12;
export const AEAD_TAG_LENGTH = 16;
/** A NEO commitment's key (ChaCha20, 256 bits). */
export const COMMITMENT_KEY_LENGTH = 32;
/** The hash binding key and context, in front of the ciphertext (src/crypto/commitment.ts). */
export const COMMITMENT_OVERHEAD = SHA256_LENGTH;
