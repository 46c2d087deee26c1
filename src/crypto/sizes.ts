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
/** Key commitment (SHA-256) in front of the ciphertext, plus the Poly1305 tag behind it. */
export const COMMITMENT_OVERHEAD = SHA256_LENGTH + AEAD_TAG_LENGTH;
