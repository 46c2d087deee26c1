import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateAeadKey, open, seal } from '../../src/crypto/index.js';
import { RFC8439_AEAD_VECTOR } from './fixtures/rfc8439-aead.js';
import { fromHex, sealedForTwoKeys, toHex, withBitFlipped } from './helpers.js';

const ascii = (text: string) => new TextEncoder().encode(text);
const zeroNonce = new Uint8Array(12);

describe('seal / open (ChaCha20-Poly1305)', () => {
  it('reproduces the RFC 8439 §2.8.2 vector and opens it', () => {
    const vector = RFC8439_AEAD_VECTOR;
    const [key, nonce, aad, plaintext] = [fromHex(vector.key), fromHex(vector.nonce), fromHex(vector.aad), ascii(vector.plaintext)];
    const sealed = seal(key, nonce, plaintext, aad);
    expect(toHex(sealed)).toBe(vector.ciphertext + vector.tag);
    expect(new TextDecoder().decode(open(key, nonce, sealed, aad)!)).toBe(vector.plaintext);
  });

  it('round-trips any plaintext and aad, and the output is ciphertext plus a 16-byte tag', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 1200 }),
        fc.uint8Array({ maxLength: 64 }),
        (key, nonce, plaintext, aad) => {
          const sealed = seal(key, nonce, plaintext, aad);
          expect(sealed.length).toBe(plaintext.length + 16);
          expect(toHex(open(key, nonce, sealed, aad)!)).toBe(toHex(plaintext));
        },
      ),
    );
  });

  it('returns null for any flipped bit in ciphertext, tag or aad', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.boolean(),
        (plaintext, aad, bitChoice, inAad) => {
          const key = generateAeadKey();
          const sealed = seal(key, zeroNonce, plaintext, aad);
          if (inAad) expect(open(key, zeroNonce, sealed, withBitFlipped(aad, bitChoice % (aad.length * 8)))).toBeNull();
          else expect(open(key, zeroNonce, withBitFlipped(sealed, bitChoice % (sealed.length * 8)), aad)).toBeNull();
        },
      ),
    );
  });

  it('returns null under the wrong key or nonce', () => {
    const key = generateAeadKey();
    const sealed = seal(key, zeroNonce, ascii('move north'), ascii('round 7'));
    expect(open(generateAeadKey(), zeroNonce, sealed, ascii('round 7'))).toBeNull();
    expect(open(key, new Uint8Array(12).fill(1), sealed, ascii('round 7'))).toBeNull();
    expect(open(key, zeroNonce, sealed, ascii('round 8'))).toBeNull();
  });

  it('returns null, never throws, for wrong lengths of remote data', () => {
    const key = generateAeadKey();
    const sealed = seal(key, zeroNonce, ascii('x'), new Uint8Array(0));
    for (const length of [0, 1, 15]) expect(open(key, zeroNonce, new Uint8Array(length), new Uint8Array(0))).toBeNull();
    expect(open(key, zeroNonce, sealed.subarray(0, sealed.length - 1), new Uint8Array(0))).toBeNull();
    expect(open(key, zeroNonce, new Uint8Array([...sealed, 0]), new Uint8Array(0))).toBeNull();
    expect(open(key.subarray(0, 31), zeroNonce, sealed, new Uint8Array(0))).toBeNull();
    expect(open(new Uint8Array(33), zeroNonce, sealed, new Uint8Array(0))).toBeNull();
    expect(open(key, new Uint8Array(8), sealed, new Uint8Array(0))).toBeNull();
  });

  it('returns arrays that own exactly their bytes (safe to transfer to another thread)', () => {
    const key = generateAeadKey();
    const sealed = seal(key, zeroNonce, new Uint8Array(200), new Uint8Array(0));
    const opened = open(key, zeroNonce, sealed, new Uint8Array(0))!;
    expect(sealed.buffer.byteLength).toBe(216);
    expect(opened.buffer.byteLength).toBe(200);
  });

  it('opens an empty plaintext (tag only)', () => {
    const key = generateAeadKey();
    const sealed = seal(key, zeroNonce, new Uint8Array(0), ascii('aad'));
    expect(sealed.length).toBe(16);
    expect(open(key, zeroNonce, sealed, ascii('aad'))).toEqual(new Uint8Array(0));
  });

  it('throws for malformed arguments the caller owns', () => {
    expect(() => seal(new Uint8Array(16), zeroNonce, new Uint8Array(1), new Uint8Array(0))).toThrow(/key: expected 32 bytes, got 16/);
    expect(() => seal(generateAeadKey(), new Uint8Array(24), new Uint8Array(1), new Uint8Array(0))).toThrow(RangeError);
    expect(() => seal(generateAeadKey(), zeroNonce, 'text' as unknown as Uint8Array, new Uint8Array(0))).toThrow(TypeError);
    expect(() => open(generateAeadKey(), zeroNonce, null as unknown as Uint8Array, new Uint8Array(0))).toThrow(TypeError);
  });

  it('is not key-committing: one ciphertext can open under two keys to two plaintexts', () => {
    const [key1, key2] = [generateAeadKey(), generateAeadKey()];
    const aad = ascii('session 1 / view 3 / round 17 / member 2');
    const sealed = sealedForTwoKeys(key1, key2, zeroNonce, aad);
    const first = open(key1, zeroNonce, sealed, aad);
    const second = open(key2, zeroNonce, sealed, aad);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(toHex(first!)).not.toBe(toHex(second!));
  });
});
