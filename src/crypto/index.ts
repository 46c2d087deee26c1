export {
  createEd25519,
  generateSeed,
  DEFAULT_PUBLIC_KEY_CACHE_SIZE,
  type Ed25519Backend,
  type Ed25519BackendName,
  type Ed25519Options,
  type Signer,
} from './ed25519.js';
export { sha256, taggedSha256, nodeIdFromPublicKey, digest16, dhtRecordKey, DomainTag, type DomainTagName } from './hash.js';
export { seal, open, generateAeadKey } from './aead.js';
export { createCommitment, openCommitment, type Commitment } from './commitment.js';
export {
  SEED_LENGTH,
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  NODE_ID_LENGTH,
  DIGEST16_LENGTH,
  SHA256_LENGTH,
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  AEAD_TAG_LENGTH,
  COMMITMENT_OVERHEAD,
  COMMITMENT_KEY_LENGTH,
} from './sizes.js';
export { byteKey, equalBytes, toHex } from './bytes.js';
export { LruCache } from './lru-cache.js';
export { createPairwiseAuthenticator, montgomeryFromEdwards, MAC_TAG_LENGTH, type PairwiseAuthenticator, type PairwiseChannel, type PairwiseOptions } from './pairwise.js';
