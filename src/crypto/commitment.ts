import { randomFillSync } from 'node:crypto';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { assertBytes, equalBytes } from './bytes.js';
import { DomainTag, taggedSha256 } from './hash.js';
import { COMMITMENT_KEY_LENGTH, COMMITMENT_OVERHEAD, SHA256_LENGTH } from './sizes.js';

// ---------------------------------------------------------------------------------------------
// Commitments (NEO): an update is encrypted under a fresh key in round r, and the key is revealed
// in round r + d. Three properties must hold:
//
// 1. Hiding until the reveal. ChaCha20 under a fresh random 256-bit key. The nonce is fixed (all
//    zero), which is safe only because every key encrypts exactly one plaintext: createCommitment
//    draws the key itself and never accepts one, so no caller can reuse a key.
// 2. Binding to the key. The commitment starts with SHA-256(tag || key || context), and
//    openCommitment refuses any key whose hash differs, so a cheater cannot reveal whichever of
//    two keys suits it after seeing the others' updates.
// 3. Binding to the context (session, view, round, sender): it is hashed with the key, so a
//    commitment copied into another member's message, round or view opens there under no key
//    (the replay attack ends as a bad reveal).
//
// No authentication tag: the ciphertext travels inside a round message whose sender is
// authenticated (pairwise MAC) and which carries the sender's signature, and every replica votes
// on its digest, so tampering on the way is refused before anything is decrypted. Leaving
// Poly1305 out, and using @noble/ciphers rather than a node:crypto cipher object per call (whose
// creation cost as much as the rest of the commitment at these sizes), keeps commitments cheap on
// NEO's hot path (docs/performance.md).
//
// Layout: SHA-256(tag || key || context) (32) || ChaCha20(key, nonce 0, plaintext).
// ---------------------------------------------------------------------------------------------

const NONCE = new Uint8Array(12);

// Every NEO member draws a key per round: one kernel draw for many keys instead of a call (and a
// Buffer) per key. Each key is copied out and its bytes in the pool wiped at once.
const KEYS_PER_DRAW = 128;
const keyPool = new Uint8Array(COMMITMENT_KEY_LENGTH * KEYS_PER_DRAW);
let keyPoolOffset = keyPool.length;

function freshKey(): Uint8Array {
  if (keyPoolOffset === keyPool.length) {
    randomFillSync(keyPool);
    keyPoolOffset = 0;
  }
  const end = keyPoolOffset + COMMITMENT_KEY_LENGTH;
  const key = keyPool.slice(keyPoolOffset, end);
  keyPool.fill(0, keyPoolOffset, end);
  keyPoolOffset = end;
  return key;
}

export interface Commitment {
  /** Kept secret until the reveal round, then sent in the clear. */
  readonly key: Uint8Array;
  /** What is sent (and voted on) in the commit round. */
  readonly commitment: Uint8Array;
}

function keyCommitment(key: Uint8Array, context: Uint8Array): Uint8Array {
  return taggedSha256(DomainTag.updateCommitment, key, context);
}

/**
 * Encrypts `plaintext` under a fresh random key, bound to `context` (session, view, round,
 * sender), so it cannot be replayed into another round, view or member's message.
 */
export function createCommitment(plaintext: Uint8Array, context: Uint8Array): Commitment {
  assertBytes(plaintext, 'plaintext');
  assertBytes(context, 'context');
  const key = freshKey();
  const commitment = new Uint8Array(COMMITMENT_OVERHEAD + plaintext.length);
  commitment.set(keyCommitment(key, context));
  chacha20(key, NONCE, plaintext, commitment.subarray(SHA256_LENGTH));
  return { key, commitment };
}

/**
 * The committed plaintext, or null if `key` is not the committed key for `context` (or the
 * commitment is too short to be one). Never throws on remote bytes.
 */
export function openCommitment(key: Uint8Array, commitment: Uint8Array, context: Uint8Array): Uint8Array | null {
  assertBytes(key, 'key');
  assertBytes(commitment, 'commitment');
  assertBytes(context, 'context');
  if (key.length !== COMMITMENT_KEY_LENGTH || commitment.length < COMMITMENT_OVERHEAD) return null;
  if (!equalBytes(keyCommitment(key, context), commitment.subarray(0, SHA256_LENGTH))) return null;
  return chacha20(key, NONCE, commitment.subarray(SHA256_LENGTH));
}
