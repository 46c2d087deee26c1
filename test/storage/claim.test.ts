import { describe, expect, it } from 'vitest';
import { tamperedCharacter } from '../../src/attacks/index.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { sameRecord } from '../../src/dht/index.js';
import { MAX_JOIN_CHARACTER_BYTES } from '../../src/groups/index.js';
import { createRng } from '../../src/random/index.js';
import { encodeCharacterClaim, encodeSheet, readCharacterClaim, readManifest, sealCharacter } from '../../src/storage/index.js';

const ed = createEd25519('native');
const signerFrom = (label: string) => ed.createSigner(createRng(label).bytes(32));
const keys = (label: string) => {
  const rng = createRng(label);
  return (n: number) => rng.bytes(n);
};

/** The character a joiner brings to a group's door (src/storage/claim.ts): its manifest, small enough for a join request. */
describe('a character claim', () => {
  const alice = signerFrom('alice');
  const v1 = sealCharacter(alice, 1, { equipped: encodeSheet({ gold: 0, items: ['sword'] }), inventory: encodeSheet({ gold: 10, items: ['potion'] }) }, keys('v1'), Date.now() + 3_600_000);

  it('carries the manifest record back exactly, within what a join request holds', () => {
    const claim = encodeCharacterClaim(v1.manifest);
    expect(claim.length).toBeLessThanOrEqual(MAX_JOIN_CHARACTER_BYTES);
    const back = readCharacterClaim(alice.publicKey, claim);
    expect(back && sameRecord(back, v1.manifest)).toBe(true);
    expect(back && readManifest(back)?.version).toBe(1);
  });

  it('names its owner only through the key it is read for, and garbage is no claim', () => {
    // Read as Bob's, it is a record Bob never signed: the door's verification refuses it (no-character).
    const asBob = readCharacterClaim(signerFrom('bob').publicKey, encodeCharacterClaim(v1.manifest));
    expect(asBob && sameRecord(asBob, v1.manifest)).toBe(false);
    expect(readCharacterClaim(alice.publicKey, new Uint8Array([1, 2, 3]))).toBeNull();
    expect(readCharacterClaim(alice.publicKey, new Uint8Array(0))).toBeNull();
  });

  it('an edited character is a different manifest of the same version, or the next version', () => {
    const deps = { randomBytes: keys('edit'), expiresAtMs: Date.now() + 3_600_000 };
    const same = tamperedCharacter(alice, v1, 'same-version', deps);
    const next = tamperedCharacter(alice, v1, 'next-version', deps);
    expect(readManifest(same.manifest)?.version).toBe(1);
    expect(sameRecord(same.manifest, v1.manifest)).toBe(false);
    expect(readManifest(next.manifest)?.version).toBe(2);
  });
});
