import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEd25519 } from '../../src/crypto/index.js';
import { toHex, withBitFlipped } from './helpers.js';

const native = createEd25519('native');
const noble = createEd25519('noble');
const backends = [native, noble];

const seedArbitrary = fc.uint8Array({ minLength: 32, maxLength: 32 });
const messageArbitrary = fc.uint8Array({ minLength: 0, maxLength: 1200 });

describe('native and noble are interchangeable', () => {
  it('derive identical public keys and byte-identical signatures, and accept each other’s', () => {
    fc.assert(
      fc.property(seedArbitrary, messageArbitrary, (seed, message) => {
        const publicKey = native.publicKeyFromSeed(seed);
        expect(toHex(noble.publicKeyFromSeed(seed))).toBe(toHex(publicKey));

        const nativeSignature = native.createSigner(seed).sign(message);
        const nobleSignature = noble.createSigner(seed).sign(message);
        expect(toHex(nobleSignature)).toBe(toHex(nativeSignature));
        expect(toHex(native.sign(message, seed))).toBe(toHex(nativeSignature));
        expect(toHex(noble.sign(message, seed))).toBe(toHex(nativeSignature));

        expect(native.verify(nobleSignature, message, publicKey)).toBe(true);
        expect(noble.verify(nativeSignature, message, publicKey)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('both reject a signature, message or public key with any one bit flipped', () => {
    fc.assert(
      fc.property(
        seedArbitrary,
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.constantFrom('signature', 'message', 'publicKey'),
        fc.nat(),
        (seed, message, field, bitChoice) => {
          const signer = native.createSigner(seed);
          const inputs = { signature: signer.sign(message), message, publicKey: signer.publicKey };
          const tampered = { ...inputs, [field]: withBitFlipped(inputs[field], bitChoice % (inputs[field].length * 8)) };
          for (const backend of backends) {
            expect(backend.verify(inputs.signature, inputs.message, inputs.publicKey)).toBe(true);
            expect(backend.verify(tampered.signature, tampered.message, tampered.publicKey)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('both return false, without throwing, for random signature and public-key bytes of any length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 96 }),
        fc.uint8Array({ minLength: 0, maxLength: 48 }),
        messageArbitrary,
        (signature, publicKey, message) => {
          for (const backend of backends) expect(backend.verify(signature, message, publicKey)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('both return false for random well-sized signatures under a real public key', () => {
    const publicKey = native.publicKeyFromSeed(new Uint8Array(32).fill(42));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), messageArbitrary, (signature, message) => {
        for (const backend of backends) expect(backend.verify(signature, message, publicKey)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
