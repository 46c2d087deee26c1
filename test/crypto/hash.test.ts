import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainTag, dhtRecordKey, digest16, nodeIdFromPublicKey, sha256 } from '../../src/crypto/index.js';
import { RFC8032_VECTORS } from './fixtures/rfc8032-ed25519.js';
import { fromHex, toHex } from './helpers.js';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('sha256', () => {
  it('matches the FIPS 180-2 "abc" and empty-string digests', () => {
    expect(toHex(sha256(ascii('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('agrees with node:crypto on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        expect(toHex(sha256(bytes))).toBe(createHash('sha256').update(bytes).digest('hex'));
      }),
    );
  });

  it('throws TypeError for non-bytes', () => {
    expect(() => sha256('abc' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('nodeIdFromPublicKey', () => {
  // Golden values: changing them changes every node ID in the DHT, so they are pinned.
  it('is pinned for the RFC 8032 TEST 1 key and the all-zero key', () => {
    expect(toHex(nodeIdFromPublicKey(fromHex(RFC8032_VECTORS[0]!.publicKey)))).toBe(
      '9f267a2e9bdcd685b09dcdaadde5ab2a73bb162e2607772f9a60030fd2505c0d',
    );
    expect(toHex(nodeIdFromPublicKey(new Uint8Array(32)))).toBe('16a554cdd7dec45cc90d1d32bae06fd9ae80da9775d3d7a9cbb20d38ab0574c5');
  });

  it('is SHA-256 over the ASCII tag followed by the key, and differs from the bare hash', () => {
    const publicKey = fromHex(RFC8032_VECTORS[1]!.publicKey);
    const expected = createHash('sha256').update('p2p-mmog/node-id/v1', 'ascii').update(publicKey).digest('hex');
    expect(toHex(nodeIdFromPublicKey(publicKey))).toBe(expected);
    expect(expected).not.toBe(toHex(sha256(publicKey)));
  });

  it('is 32 bytes and insists on a 32-byte key', () => {
    expect(nodeIdFromPublicKey(new Uint8Array(32)).length).toBe(32);
    expect(() => nodeIdFromPublicKey(new Uint8Array(31))).toThrow(RangeError);
    expect(() => nodeIdFromPublicKey(new Uint8Array(33))).toThrow(/publicKey: expected 32 bytes, got 33/);
    expect(() => nodeIdFromPublicKey('key' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('digest16', () => {
  it('is pinned for the empty input and "abc"', () => {
    expect(toHex(digest16(new Uint8Array(0)))).toBe('a6136118a3ef683f9b79cc1029953af2');
    expect(toHex(digest16(ascii('abc')))).toBe('497f74b66af75136f99c0c6477d7a4c3');
  });

  it('is the first 16 bytes of SHA-256 over its own tag and the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (bytes) => {
        const expected = createHash('sha256').update('p2p-mmog/digest/v1', 'ascii').update(bytes).digest('hex').slice(0, 32);
        expect(toHex(digest16(bytes))).toBe(expected);
      }),
    );
  });

  it('never equals the node-ID prefix for the same 32 bytes (domain separation)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(toHex(digest16(bytes))).not.toBe(toHex(nodeIdFromPublicKey(bytes).subarray(0, 16)));
      }),
    );
  });
});

describe('dhtRecordKey', () => {
  // Pinned: changing it moves every record in a deployed DHT to another key.
  it('is SHA-256 over its tag, the type byte and the subject', () => {
    expect(toHex(dhtRecordKey(3, new Uint8Array(32)))).toBe('761ef06639bcc0e39907c8cb3a6809d6d0f3aabd7d06fad42da2a6cec9723082');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 }), (type, subject) => {
        const expected = createHash('sha256').update('p2p-mmog/dht-record-key/v1', 'ascii').update(Uint8Array.of(type)).update(subject).digest('hex');
        expect(toHex(dhtRecordKey(type, subject))).toBe(expected);
      }),
    );
  });

  it('throws on a type that is not a byte or a subject that is not bytes', () => {
    expect(() => dhtRecordKey(256, new Uint8Array(0))).toThrow(RangeError);
    expect(() => dhtRecordKey(1, 'x' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('domain tags', () => {
  it('are ASCII and prefix-free, so no tagged input can be read under another tag', () => {
    const tags = Object.values(DomainTag);
    expect(new Set(tags).size).toBe(tags.length);
    for (const tag of tags) {
      expect(tag).toMatch(/^p2p-mmog\/[a-z0-9-]+\/v\d+$/);
      for (const other of tags) if (other !== tag) expect(other.startsWith(tag)).toBe(false);
    }
  });
});
