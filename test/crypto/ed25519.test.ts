import * as ed from '@noble/ed25519';
import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEd25519, generateSeed, type Ed25519Backend } from '../../src/crypto/index.js';
import { FIELD_PRIME, GROUP_ORDER, isAcceptablePointEncoding, passesEncodingRules } from '../../src/crypto/ed25519-encoding.js';
import { EDGE_CASES } from './fixtures/ed25519-edge-cases.js';
import { RFC8032_VECTORS } from './fixtures/rfc8032-ed25519.js';
import { fromHex, toHex, withBitFlipped } from './helpers.js';

const backends: readonly Ed25519Backend[] = [createEd25519('native'), createEd25519('noble')];

function littleEndian32(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0, rest = value; i < 32; i++, rest >>= 8n) out[i] = Number(rest & 0xffn);
  return out;
}

describe('createEd25519', () => {
  it('defaults to the native backend', () => {
    expect(createEd25519().name).toBe('native');
  });

  it('rejects an unknown backend name and a bad cache size', () => {
    expect(() => createEd25519('openssl' as 'native')).toThrow(RangeError);
    expect(() => createEd25519('native', { publicKeyCacheSize: -1 })).toThrow(RangeError);
    expect(() => createEd25519('native', { publicKeyCacheSize: 1.5 })).toThrow(RangeError);
  });

  it('generates distinct 32-byte seeds', () => {
    const a = generateSeed();
    const b = generateSeed();
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(32);
    expect(toHex(a)).not.toBe(toHex(b));
  });
});

describe.each(backends)('$name backend', (backend) => {
  describe('RFC 8032 §7.1 vectors', () => {
    it('TEST 1024 really carries a 1023-byte message', () => {
      expect(fromHex(RFC8032_VECTORS.find((v) => v.name === 'TEST 1024')!.message).length).toBe(1023);
    });

    it.each(RFC8032_VECTORS)('$name: public key, sign, signer and verify', (vector) => {
      const seed = fromHex(vector.secretKey);
      const message = fromHex(vector.message);
      const publicKey = fromHex(vector.publicKey);
      const signature = fromHex(vector.signature);

      expect(toHex(backend.publicKeyFromSeed(seed))).toBe(vector.publicKey);
      expect(toHex(backend.sign(message, seed))).toBe(vector.signature);
      const signer = backend.createSigner(seed);
      expect(toHex(signer.publicKey)).toBe(vector.publicKey);
      expect(toHex(signer.sign(message))).toBe(vector.signature);
      expect(backend.verify(signature, message, publicKey)).toBe(true);
    });

    it('returns plain Uint8Arrays, not Buffers', () => {
      const seed = fromHex(RFC8032_VECTORS[0]!.secretKey);
      for (const bytes of [backend.publicKeyFromSeed(seed), backend.sign(new Uint8Array(1), seed), backend.createSigner(seed).sign(new Uint8Array(1))]) {
        expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
      }
    });
  });

  describe('every single-bit change is rejected (TEST 3)', () => {
    const vector = RFC8032_VECTORS[2]!;
    const message = fromHex(vector.message);
    const publicKey = fromHex(vector.publicKey);
    const signature = fromHex(vector.signature);

    it('in the signature (512 bits)', () => {
      const accepted = [];
      for (let bit = 0; bit < 512; bit++) if (backend.verify(withBitFlipped(signature, bit), message, publicKey)) accepted.push(bit);
      expect(accepted).toEqual([]);
    });

    it('in the public key (256 bits)', () => {
      const accepted = [];
      for (let bit = 0; bit < 256; bit++) if (backend.verify(signature, message, withBitFlipped(publicKey, bit))) accepted.push(bit);
      expect(accepted).toEqual([]);
    });

    it('in the message (16 bits), and with a byte appended or removed', () => {
      const accepted = [];
      for (let bit = 0; bit < 16; bit++) if (backend.verify(signature, withBitFlipped(message, bit), publicKey)) accepted.push(bit);
      expect(accepted).toEqual([]);
      expect(backend.verify(signature, new Uint8Array([...message, 0]), publicKey)).toBe(false);
      expect(backend.verify(signature, message.subarray(1), publicKey)).toBe(false);
    });
  });

  describe('remote bytes never throw', () => {
    const vector = RFC8032_VECTORS[1]!;
    const message = fromHex(vector.message);
    const publicKey = fromHex(vector.publicKey);
    const signature = fromHex(vector.signature);

    it('wrong signature or public key lengths return false', () => {
      for (const length of [0, 1, 31, 32, 63, 65, 128]) {
        const garbage = new Uint8Array(length).fill(0x5a);
        expect(backend.verify(garbage, message, publicKey)).toBe(false);
        expect(backend.verify(signature, message, garbage)).toBe(false);
      }
      expect(backend.verify(signature.subarray(0, 63), message, publicKey)).toBe(false);
      expect(backend.verify(new Uint8Array([...signature, 0]), message, publicKey)).toBe(false);
      expect(backend.verify(signature, message, publicKey.subarray(0, 31))).toBe(false);
      expect(backend.verify(signature, message, new Uint8Array([...publicKey, 0]))).toBe(false);
    });

    it('a public key that is not a curve point returns false', () => {
      // y = 2 has no matching x on edwards25519.
      const offCurve = littleEndian32(2n);
      expect(() => ed.Point.fromBytes(offCurve)).toThrow();
      expect(backend.verify(signature, message, offCurve)).toBe(false);
    });

    it('non-canonical encodings return false', () => {
      // S + L: the same scalar mod L, but not the canonical encoding.
      const s = BigInt('0x' + toHex(signature.subarray(32).slice().reverse()));
      const malleated = new Uint8Array([...signature.subarray(0, 32), ...littleEndian32(s + GROUP_ORDER)]);
      expect(backend.verify(malleated, message, publicKey)).toBe(false);
      // p + 1: a second, non-canonical encoding of y = 1 (only y < 19 have one).
      expect(backend.verify(signature, message, littleEndian32(FIELD_PRIME + 1n))).toBe(false);
      // All-ones: y = 2^255 - 1 >= p with the sign bit set.
      expect(backend.verify(new Uint8Array(64).fill(0xff), message, new Uint8Array(32).fill(0xff))).toBe(false);
    });

    it('all-zero inputs return false', () => {
      expect(backend.verify(new Uint8Array(64), new Uint8Array(0), new Uint8Array(32))).toBe(false);
    });
  });

  describe('programmer errors throw', () => {
    it('a seed that is not a Uint8Array is a TypeError', () => {
      for (const bad of [undefined, null, 'seed', 42, Array.from({ length: 32 }, () => 0)]) {
        expect(() => backend.publicKeyFromSeed(bad as unknown as Uint8Array)).toThrow(TypeError);
        expect(() => backend.sign(new Uint8Array(1), bad as unknown as Uint8Array)).toThrow(TypeError);
        expect(() => backend.createSigner(bad as unknown as Uint8Array)).toThrow(TypeError);
      }
    });

    it('a seed of the wrong length is a RangeError naming the argument', () => {
      for (const length of [0, 31, 33, 64]) {
        expect(() => backend.publicKeyFromSeed(new Uint8Array(length))).toThrow(RangeError);
        expect(() => backend.sign(new Uint8Array(1), new Uint8Array(length))).toThrow(/seed: expected 32 bytes/);
        expect(() => backend.createSigner(new Uint8Array(length))).toThrow(RangeError);
      }
    });

    it('non-Uint8Array message, signature or public key is a TypeError', () => {
      const seed = new Uint8Array(32).fill(7);
      const signer = backend.createSigner(seed);
      const signature = signer.sign(new Uint8Array(0));
      expect(() => signer.sign('hello' as unknown as Uint8Array)).toThrow(TypeError);
      expect(() => backend.sign('hello' as unknown as Uint8Array, seed)).toThrow(TypeError);
      expect(() => backend.verify(undefined as unknown as Uint8Array, new Uint8Array(0), signer.publicKey)).toThrow(TypeError);
      expect(() => backend.verify(signature, [] as unknown as Uint8Array, signer.publicKey)).toThrow(TypeError);
      expect(() => backend.verify(signature, new Uint8Array(0), null as unknown as Uint8Array)).toThrow(TypeError);
    });
  });

  describe('Signer', () => {
    it('is unaffected by later changes to the seed or to a returned public key', () => {
      const seed = new Uint8Array(32).fill(9);
      const expectedPublicKey = toHex(backend.publicKeyFromSeed(seed));
      const expectedSignature = toHex(backend.sign(new Uint8Array([1, 2, 3]), seed));
      const signer = backend.createSigner(seed);
      seed.fill(0);
      signer.publicKey.fill(0);
      expect(toHex(signer.publicKey)).toBe(expectedPublicKey);
      expect(toHex(signer.sign(new Uint8Array([1, 2, 3])))).toBe(expectedSignature);
    });

    it('accepts Buffers and subarray views as messages', () => {
      const signer = backend.createSigner(new Uint8Array(32).fill(3));
      const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
      const view = backing.subarray(2, 5);
      const expected = toHex(signer.sign(new Uint8Array([1, 2, 3])));
      expect(toHex(signer.sign(view))).toBe(expected);
      expect(toHex(signer.sign(Buffer.from([1, 2, 3])))).toBe(expected);
      expect(backend.verify(fromHex(expected), view, signer.publicKey)).toBe(true);
    });
  });
});

describe('edge-case vectors ("Taming the many EdDSAs")', () => {
  it.each(EDGE_CASES)('case $index ($condition): both backends give the shared verdict', (edgeCase) => {
    const [signature, message, publicKey] = [fromHex(edgeCase.signature), fromHex(edgeCase.message), fromHex(edgeCase.publicKey)];
    for (const backend of backends) expect(backend.verify(signature, message, publicKey)).toBe(edgeCase.accepted);
  });

  it('library defaults differ from each other, which is why the shared rule exists', () => {
    const disagreements = EDGE_CASES.filter((edgeCase) => {
      const [signature, message, publicKey] = [fromHex(edgeCase.signature), fromHex(edgeCase.message), fromHex(edgeCase.publicKey)];
      let nobleStrict: boolean;
      try {
        nobleStrict = ed.verify(signature, message, publicKey, { zip215: false });
      } catch {
        nobleStrict = false;
      }
      expect(nobleStrict).toBe(edgeCase.nobleStrict);
      const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
      const rawOpenSsl = verify(null, message, createPublicKey({ key: spki, format: 'der', type: 'spki' }), signature);
      expect(rawOpenSsl).toBe(edgeCase.rawOpenSsl);
      return edgeCase.rawOpenSsl !== edgeCase.nobleStrict;
    });
    expect(disagreements.map((edgeCase) => edgeCase.index)).toEqual([0, 1, 4, 5, 11]);
  });
});

describe('encoding rules', () => {
  it('block every point of small order, under every canonical encoding', () => {
    // Generate the torsion subgroup from one point of order 8 and check that every element,
    // under both sign bits, is refused.
    const order8 = ed.Point.fromBytes(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
    expect(order8.multiply(8n, false).is0()).toBe(true);
    expect(order8.multiply(4n, false).is0()).toBe(false);
    const torsion = Array.from({ length: 8 }, (_, i) => order8.multiply(BigInt(i), false));
    expect(new Set(torsion.map((point) => point.toHex())).size).toBe(8);
    for (const point of torsion) {
      const encoded = point.toBytes();
      expect(isAcceptablePointEncoding(encoded)).toBe(false);
      const otherSign = encoded.slice();
      otherSign[31]! ^= 0x80;
      expect(isAcceptablePointEncoding(otherSign)).toBe(false);
    }
  });

  it('accept ordinary public keys and refuse y >= p', () => {
    expect(isAcceptablePointEncoding(fromHex(RFC8032_VECTORS[0]!.publicKey))).toBe(true);
    expect(isAcceptablePointEncoding(littleEndian32(FIELD_PRIME))).toBe(false);
    expect(isAcceptablePointEncoding(littleEndian32(FIELD_PRIME - 2n))).toBe(true);
    expect(isAcceptablePointEncoding(littleEndian32(2n ** 255n - 1n))).toBe(false);
  });

  it('refuse S >= L and accept S = L - 1', () => {
    const vector = RFC8032_VECTORS[0]!;
    const signature = fromHex(vector.signature);
    const publicKey = fromHex(vector.publicKey);
    const withS = (s: bigint) => new Uint8Array([...signature.subarray(0, 32), ...littleEndian32(s)]);
    expect(passesEncodingRules(withS(GROUP_ORDER - 1n), publicKey)).toBe(true);
    expect(passesEncodingRules(withS(GROUP_ORDER), publicKey)).toBe(false);
    expect(passesEncodingRules(withS(2n ** 256n - 1n), publicKey)).toBe(false);
  });
});

describe('noble backend internals', () => {
  it('its prepared Signer matches noble-ed25519 sign() on many keys and messages', () => {
    const noble = createEd25519('noble');
    for (let i = 0; i < 64; i++) {
      const seed = generateSeed();
      const message = generateSeed().subarray(0, i);
      expect(toHex(noble.createSigner(seed).sign(message))).toBe(toHex(ed.sign(message, seed)));
    }
  });

  it('its verify agrees with noble-ed25519 verify({ zip215: false }) on honest signatures', () => {
    const noble = createEd25519('noble');
    for (let i = 0; i < 16; i++) {
      const seed = generateSeed();
      const message = generateSeed();
      const signature = ed.sign(message, seed);
      const publicKey = ed.getPublicKey(seed);
      expect(noble.verify(signature, message, publicKey)).toBe(true);
      expect(ed.verify(signature, message, publicKey, { zip215: false })).toBe(true);
    }
  });
});
