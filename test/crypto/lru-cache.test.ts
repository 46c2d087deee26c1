import { describe, expect, it } from 'vitest';
import { createEd25519 } from '../../src/crypto/index.js';
import { LruCache } from '../../src/crypto/lru-cache.js';

describe('LruCache', () => {
  it('never holds more than its capacity and evicts the least recently used entry', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // 'a' is now the most recent
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.has('b')).toBe(false);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('replacing a key does not grow the cache', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('a', 2);
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBe(2);
  });

  it('with capacity 0 stores nothing', () => {
    const cache = new LruCache<string, number>(0);
    cache.set('a', 1);
    expect(cache.size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
  });

  it('rejects a negative or fractional capacity', () => {
    expect(() => new LruCache(-1)).toThrow(RangeError);
    expect(() => new LruCache(0.5)).toThrow(RangeError);
  });
});

describe('native public-key cache', () => {
  it('gives the same answers whether keys are cached, evicted or never cached', () => {
    const signers = Array.from({ length: 5 }, (_, i) => createEd25519('native').createSigner(new Uint8Array(32).fill(i + 1)));
    const message = new Uint8Array([1, 2, 3]);
    const signatures = signers.map((signer) => signer.sign(message));
    for (const publicKeyCacheSize of [0, 2, 4096]) {
      const backend = createEd25519('native', { publicKeyCacheSize });
      for (let pass = 0; pass < 3; pass++) {
        signers.forEach((signer, i) => {
          expect(backend.verify(signatures[i]!, message, signer.publicKey)).toBe(true);
          expect(backend.verify(signatures[(i + 1) % signers.length]!, message, signer.publicKey)).toBe(false);
        });
      }
    }
  });

  it('is keyed by the key bytes, not by the array object', () => {
    const backend = createEd25519('native', { publicKeyCacheSize: 8 });
    const signer = backend.createSigner(new Uint8Array(32).fill(5));
    const message = new Uint8Array([7]);
    const signature = signer.sign(message);
    const publicKey = signer.publicKey;
    expect(backend.verify(signature, message, publicKey)).toBe(true);
    const otherKey = createEd25519('native').createSigner(new Uint8Array(32).fill(6)).publicKey;
    publicKey.set(otherKey); // same array object, different key
    expect(backend.verify(signature, message, publicKey)).toBe(false);
    const backing = new Uint8Array(40);
    backing.set(signer.publicKey, 8);
    expect(backend.verify(signature, message, backing.subarray(8))).toBe(true);
  });
});
