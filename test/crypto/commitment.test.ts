import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COMMITMENT_OVERHEAD, DomainTag, createCommitment, openCommitment } from '../../src/crypto/index.js';
import { taggedSha256 } from '../../src/crypto/hash.js';
import { toHex, withBitFlipped } from './helpers.js';

const ascii = (text: string) => new TextEncoder().encode(text);
const context = ascii('session 1 / view 3 / round 17 / member 2');

describe('createCommitment / openCommitment (NEO update commitments)', () => {
  it('opens with the returned key and costs a fixed 32 bytes', () => {
    const update = ascii('move to (10, 42)');
    const { key, commitment } = createCommitment(update, context);
    expect(COMMITMENT_OVERHEAD).toBe(32);
    expect(commitment.length).toBe(update.length + COMMITMENT_OVERHEAD);
    expect(new TextDecoder().decode(openCommitment(key, commitment, context)!)).toBe('move to (10, 42)');
  });

  it('is ChaCha20 with a zero nonce behind SHA-256(tag || key || context): the same bytes as node:crypto\'s ChaCha20', () => {
    const update = ascii('a plaintext longer than one 64-byte ChaCha20 block, so the counter moves on to the next one');
    const { key, commitment } = createCommitment(update, context);
    const reference = createCipheriv('chacha20', key, new Uint8Array(16)).update(update);
    expect(toHex(commitment.subarray(32))).toBe(toHex(reference));
    expect(toHex(commitment.subarray(0, 32))).toBe(toHex(taggedSha256(DomainTag.updateCommitment, new Uint8Array([...key, ...context]))));
  });

  it('draws a fresh key for every commitment, so the fixed nonce never repeats under one key', () => {
    const keys = new Set<string>();
    const commitments = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { key, commitment } = createCommitment(ascii('same update'), context);
      keys.add(toHex(key));
      commitments.add(toHex(commitment));
    }
    expect(keys.size).toBe(200);
    expect(commitments.size).toBe(200);
  });

  it('does not carry the plaintext in the clear', () => {
    const update = ascii('the secret plan: attack at dawn');
    const { commitment } = createCommitment(update, context);
    expect(Buffer.from(commitment).includes(Buffer.from(update))).toBe(false);
  });

  it('opens under no other key, and under no other context: a commitment copied into another round or member\'s message is a bad reveal', () => {
    const { key, commitment } = createCommitment(ascii('update'), context);
    expect(openCommitment(new Uint8Array(32).fill(7), commitment, context)).toBeNull();
    expect(openCommitment(key, commitment, ascii('session 1 / view 3 / round 18 / member 2'))).toBeNull();
    expect(openCommitment(key, commitment, ascii('session 1 / view 3 / round 17 / member 3'))).toBeNull();
    expect(openCommitment(key.subarray(0, 16), commitment, context)).toBeNull();
    for (let bit = 0; bit < 32 * 8; bit++) expect(openCommitment(key, withBitFlipped(commitment, bit), context)).toBeNull();
    for (let length = 0; length < 32; length++) expect(openCommitment(key, commitment.subarray(0, length), context)).toBeNull();
  });

  it('has no tag: a flipped ciphertext bit opens to another plaintext (integrity comes from the signed round message that carries it)', () => {
    const update = ascii('update');
    const { key, commitment } = createCommitment(update, context);
    const opened = openCommitment(key, withBitFlipped(commitment, 32 * 8), context);
    expect(opened).not.toBeNull();
    expect(toHex(opened!)).not.toBe(toHex(update));
  });
});
