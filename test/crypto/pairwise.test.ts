import { createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainTag, createEd25519, createPairwiseAuthenticator, montgomeryFromEdwards, open } from '../../src/crypto/index.js';
import { createRng } from '../../src/random/index.js';
import { toHex } from './helpers.js';

const ed = createEd25519('native');
const rng = createRng('pairwise-test');
const identity = (seed: Uint8Array) => ({ seed, publicKey: ed.publicKeyFromSeed(seed) });
const P = 2n ** 255n - 19n;
const littleEndian32 = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));

/** The X25519 key pair node:crypto derives from an Ed25519 seed's scalar: an independent route to the same numbers. */
function x25519Of(seed: Uint8Array) {
  const scalar = createHash('sha512').update(seed).digest().subarray(0, 32);
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), scalar]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, raw: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12)) };
}

describe('pairwise MACs between Ed25519 identities (X25519 + HMAC-SHA-256)', () => {
  it('maps an Ed25519 public key to the X25519 public key of the same seed', () => {
    for (let i = 0; i < 40; i++) {
      const seed = rng.bytes(32);
      expect(toHex(montgomeryFromEdwards(ed.publicKeyFromSeed(seed))!)).toBe(toHex(x25519Of(seed).raw));
    }
  });

  it('both ends agree on one key: a tag from A checks at B, at nobody else, and is HMAC-SHA-256 under the documented key', () => {
    const [a, b, c] = [identity(rng.bytes(32)), identity(rng.bytes(32)), identity(rng.bytes(32))];
    const fromA = createPairwiseAuthenticator(a.seed, a.publicKey).channel(b.publicKey)!;
    const atB = createPairwiseAuthenticator(b.seed, b.publicKey).channel(a.publicKey)!;
    const atC = createPairwiseAuthenticator(c.seed, c.publicKey).channel(a.publicKey)!;
    const data = rng.bytes(400);
    const tag = fromA.tag(data);
    expect(tag).toHaveLength(16);
    expect(atB.check(data, tag)).toBe(true);
    expect(atC.check(data, tag)).toBe(false);
    expect(atB.check(data.subarray(1), tag)).toBe(false);
    expect(atB.check(data, tag.subarray(0, 15))).toBe(false);
    // The same tag, rebuilt with node:crypto from the definition in docs/crypto.md.
    const shared = diffieHellman({ privateKey: x25519Of(a.seed).privateKey, publicKey: x25519Of(b.seed).publicKey });
    const [low, high] = Buffer.compare(Buffer.from(a.publicKey), Buffer.from(b.publicKey)) < 0 ? [a.publicKey, b.publicKey] : [b.publicKey, a.publicKey];
    const key = createHash('sha256').update(DomainTag.pairwiseMac).update(shared).update(low).update(high).digest();
    expect(toHex(tag)).toBe(toHex(createHmac('sha256', key).update(data).digest().subarray(0, 16)));
    // And the other direction uses the same key.
    expect(toHex(atB.tag(data))).toBe(toHex(tag));
  });

  it('seals a secret for the other end only, under a key derived apart from the MAC key', () => {
    const [a, b, c] = [identity(rng.bytes(32)), identity(rng.bytes(32)), identity(rng.bytes(32))];
    const fromA = createPairwiseAuthenticator(a.seed, a.publicKey).channel(b.publicKey)!;
    const atB = createPairwiseAuthenticator(b.seed, b.publicKey).channel(a.publicKey)!;
    const atC = createPairwiseAuthenticator(c.seed, c.publicKey).channel(a.publicKey)!;
    const secret = rng.bytes(32);
    const nonce = rng.bytes(12);
    const aad = new TextEncoder().encode('section 1');
    const sealed = fromA.seal(nonce, secret, aad);
    expect(sealed).toHaveLength(48);
    expect(toHex(atB.open(nonce, sealed, aad)!)).toBe(toHex(secret));
    // B can seal back to A with the same key; C, another aad, or one flipped bit open nothing.
    expect(toHex(fromA.open(nonce, atB.seal(nonce, secret, aad), aad)!)).toBe(toHex(secret));
    expect(atC.open(nonce, sealed, aad)).toBeNull();
    expect(atB.open(nonce, sealed, new TextEncoder().encode('section 2'))).toBeNull();
    const flipped = Uint8Array.from(sealed);
    flipped[3] = (flipped[3] as number) ^ 1;
    expect(atB.open(nonce, flipped, aad)).toBeNull();
    // The documented derivation: SHA-256 of the seal tag, the X25519 secret and both keys in order.
    const shared = diffieHellman({ privateKey: x25519Of(a.seed).privateKey, publicKey: x25519Of(b.seed).publicKey });
    const [low, high] = Buffer.compare(Buffer.from(a.publicKey), Buffer.from(b.publicKey)) < 0 ? [a.publicKey, b.publicKey] : [b.publicKey, a.publicKey];
    const key = createHash('sha256').update(DomainTag.pairwiseSeal).update(shared).update(low).update(high).digest();
    expect(toHex(open(key, nonce, sealed, aad)!)).toBe(toHex(secret));
  });

  it('agrees on nothing with a key of the wrong length, a non-canonical y, the neutral element or a small-order point, and does not cache them', () => {
    const a = identity(rng.bytes(32));
    const auth = createPairwiseAuthenticator(a.seed, a.publicKey);
    const neutral = littleEndian32(1n);
    const nonCanonical = littleEndian32(P + 2n);
    const smallOrder = littleEndian32(0n); // y = 0 maps to u = 1, a point of small order
    for (const key of [new Uint8Array(31), neutral, nonCanonical, smallOrder]) expect(auth.channel(key)).toBeNull();
    expect(auth.stats()).toMatchObject({ refused: 4, agreed: 0, cached: 0 });
    expect(auth.channel(identity(rng.bytes(32)).publicKey)).not.toBeNull();
    expect(auth.stats()).toMatchObject({ agreed: 1, cached: 1 });
  });

  it('refuses a public key that is not the seed\'s, and data longer than any datagram (caller bugs)', () => {
    const [a, b] = [identity(rng.bytes(32)), identity(rng.bytes(32))];
    expect(() => createPairwiseAuthenticator(a.seed, b.publicKey)).toThrow(RangeError);
    const channel = createPairwiseAuthenticator(a.seed, a.publicKey).channel(b.publicKey)!;
    expect(() => channel.tag(new Uint8Array(4096))).toThrow(RangeError);
  });
});
