import { createCipheriv } from 'node:crypto';

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new Error(`not hex: ${hex.slice(0, 20)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export { toHex } from '../../src/crypto/index.js';

export function withBitFlipped(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

// ---------------------------------------------------------------------------------------------
// A ChaCha20-Poly1305 ciphertext that authenticates under two different keys (the "invisible
// salamanders" / partitioning-oracle construction). Poly1305 is linear in the message blocks, so
// one free ciphertext block can be solved for so that both keys yield the same tag.
// ---------------------------------------------------------------------------------------------

const POLY1305_PRIME = 2n ** 130n - 5n;
const TWO_128 = 2n ** 128n;
const R_CLAMP = 0x0ffffffc0ffffffc0ffffffc0fffffffn;

function littleEndian(bytes: Uint8Array): bigint {
  return BigInt('0x' + (Buffer.from(bytes).reverse().toString('hex') || '0'));
}

function littleEndianBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0, rest = value; i < length; i++, rest >>= 8n) out[i] = Number(rest & 0xffn);
  return out;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n, b = (b * b) % modulus) if (e & 1n) result = (result * b) % modulus;
  return result;
}

function chacha20Keystream(key: Uint8Array, nonce: Uint8Array, counter: number, length: number): Uint8Array {
  // OpenSSL's chacha20 IV is the 32-bit little-endian block counter followed by the 96-bit nonce.
  const iv = Buffer.concat([Buffer.from(littleEndianBytes(BigInt(counter), 4)), Buffer.from(nonce)]);
  return new Uint8Array(createCipheriv('chacha20', key, iv).update(new Uint8Array(length)));
}

function poly1305Keys(key: Uint8Array, nonce: Uint8Array): { r: bigint; s: bigint } {
  const oneTimeKey = chacha20Keystream(key, nonce, 0, 32);
  return { r: littleEndian(oneTimeKey.subarray(0, 16)) & R_CLAMP, s: littleEndian(oneTimeKey.subarray(16, 32)) };
}

/** RFC 8439 §2.8 MAC input, as 16-byte block values (each already includes the 2^128 pad bit). */
function macBlocks(aad: Uint8Array, ciphertext: Uint8Array): bigint[] {
  const padded = (data: Uint8Array) => {
    const out = new Uint8Array(Math.ceil(data.length / 16) * 16);
    out.set(data);
    return out;
  };
  const lengths = new Uint8Array(16);
  lengths.set(littleEndianBytes(BigInt(aad.length), 8), 0);
  lengths.set(littleEndianBytes(BigInt(ciphertext.length), 8), 8);
  const all = new Uint8Array([...padded(aad), ...padded(ciphertext), ...lengths]);
  const blocks: bigint[] = [];
  for (let i = 0; i < all.length; i += 16) blocks.push(littleEndian(all.subarray(i, i + 16)) + TWO_128);
  return blocks;
}

function polyEvaluate(blocks: bigint[], r: bigint): bigint {
  let accumulator = 0n;
  for (const block of blocks) accumulator = ((accumulator + block) * r) % POLY1305_PRIME;
  return accumulator;
}

/** Returns ciphertext || tag that open() accepts under both keys (same nonce, same aad). */
export function sealedForTwoKeys(key1: Uint8Array, key2: Uint8Array, nonce: Uint8Array, aad: Uint8Array): Uint8Array {
  const k1 = poly1305Keys(key1, nonce);
  const k2 = poly1305Keys(key2, nonce);
  const freeBlockIndex = Math.ceil(aad.length / 16);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const ciphertext = new Uint8Array(32);
    ciphertext.set(chacha20Keystream(key1, nonce, 1, 16).map((b, i) => b ^ ((attempt * 31 + i) & 0xff)), 16);
    const blocks = macBlocks(aad, ciphertext);
    const exponent = BigInt(blocks.length - freeBlockIndex);
    const h1 = polyEvaluate(blocks, k1.r);
    const h2 = polyEvaluate(blocks, k2.r);
    const coefficient = (modPow(k1.r, exponent, POLY1305_PRIME) - modPow(k2.r, exponent, POLY1305_PRIME) + POLY1305_PRIME) % POLY1305_PRIME;
    const target = (((k2.s - k1.s - (h1 - h2)) % POLY1305_PRIME) + 2n * POLY1305_PRIME) % POLY1305_PRIME;
    const freeBlock = (target * modPow(coefficient, POLY1305_PRIME - 2n, POLY1305_PRIME)) % POLY1305_PRIME;
    if (freeBlock >= TWO_128) continue;
    ciphertext.set(littleEndianBytes(freeBlock, 16), 0);
    const finalBlocks = macBlocks(aad, ciphertext);
    const tag1 = (polyEvaluate(finalBlocks, k1.r) + k1.s) % TWO_128;
    const tag2 = (polyEvaluate(finalBlocks, k2.r) + k2.s) % TWO_128;
    if (tag1 !== tag2) continue;
    return new Uint8Array([...ciphertext, ...littleEndianBytes(tag1, 16)]);
  }
  throw new Error('no two-key ciphertext found');
}
