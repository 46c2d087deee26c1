import { describe, expect, it } from 'vitest';
import { createEd25519, nodeIdFromPublicKey, sha256 } from '../../src/crypto/index.js';
import { MAX_RECORD_VALUE_BYTES, verifyRecord } from '../../src/dht/index.js';
import { createRng } from '../../src/random/index.js';
import {
  MAX_ATTESTATION_SIGNATURES,
  NO_PREVIOUS_DIGEST,
  attestationRecord,
  characterPolicy,
  closestTo,
  encodeEvidence,
  encodeSheet,
  forgedCharacterProbability,
  hypergeometricTail,
  itemLedgerRule,
  manifestDigest,
  readAttestation,
  readManifest,
  sealCharacter,
  statementSigningBytes,
  witnessKey,
  type CharacterChange,
} from '../../src/storage/index.js';
import { acceptAnyChange, colludeWith } from '../../src/attacks/index.js';

const ed = createEd25519('native');
const signerFrom = (label: string) => ed.createSigner(createRng(label).bytes(32));

describe('the collusion bound', () => {
  it('is the hypergeometric tail, checked against values computed by hand', () => {
    // 10 nodes, 3 colluders, 4 drawn, at least 2 colluders: (C(3,2)·C(7,2) + C(3,3)·C(7,1)) / C(10,4) = (63 + 7) / 210.
    expect(hypergeometricTail(10, 3, 4, 2)).toBeCloseTo(70 / 210, 12);
    // The defaults (w = 7, t = 5, s = 1) with 10 colluders among 100:
    // (C(10,5)·C(90,3) + C(10,6)·C(90,2) + C(10,7)·C(90,1) + C(10,8)) / C(100,8) = (29,604,960 + 841,050 + 10,800 + 45) / 186,087,894,300.
    expect(forgedCharacterProbability({ nodes: 100, colluders: 10, witnesses: 7, threshold: 5, slack: 1 })).toBeCloseTo(30_456_855 / 186_087_894_300, 12);
    // SPEC §7's executor bound is the case t = w + s: all r drawn are colluders, C(10,3) / C(100,3) = 120 / 161,700.
    expect(hypergeometricTail(100, 10, 3, 3)).toBeCloseTo(120 / 161_700, 12);
  });

  it('has the obvious edges: nothing to reach, nothing to miss, not enough colluders', () => {
    expect(hypergeometricTail(10, 3, 4, 0)).toBeCloseTo(1, 12);
    expect(hypergeometricTail(10, 3, 4, 5)).toBe(0);
    expect(hypergeometricTail(10, 2, 4, 3)).toBe(0);
    expect(hypergeometricTail(5, 5, 3, 3)).toBeCloseTo(1, 12);
    expect(hypergeometricTail(10, 0, 4, 1)).toBe(0);
    // With 4 nodes only, a door draws all 4, whatever w + s.
    expect(forgedCharacterProbability({ nodes: 4, colluders: 3, witnesses: 7, threshold: 3, slack: 1 })).toBe(1);
  });

  it('refuses arguments that make no sense (a caller bug)', () => {
    expect(() => hypergeometricTail(10, 11, 4, 1)).toThrow(RangeError);
    expect(() => hypergeometricTail(10, 3, 11, 1)).toThrow(RangeError);
    expect(() => hypergeometricTail(10, -1, 4, 1)).toThrow(RangeError);
    expect(() => hypergeometricTail(10.5, 3, 4, 1)).toThrow(RangeError);
  });
});

describe('the witness key and the closest nodes', () => {
  it('depends on the owner key alone, and is a tagged hash of it', () => {
    const owner = signerFrom('owner').publicKey;
    expect(witnessKey(owner)).toEqual(witnessKey(Uint8Array.from(owner)));
    const tag = new TextEncoder().encode('p2p-mmog/character-witness/v1');
    expect(witnessKey(owner)).toEqual(sha256(Uint8Array.from([...tag, ...owner])));
    expect(witnessKey(owner)).not.toEqual(nodeIdFromPublicKey(owner));
    expect(() => witnessKey(new Uint8Array(31))).toThrow(TypeError);
  });

  it('orders node IDs by XOR distance to the key', () => {
    const target = new Uint8Array(32);
    const id = (first: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? first : 0));
    expect(closestTo(target, [id(0x80), id(0x01), id(0x10), id(0x02)], 3)).toEqual([id(0x01), id(0x02), id(0x10)]);
  });
});

describe('the byte layouts (docs/wire.md pins them too)', () => {
  const fill = (b: number, n = 32) => new Uint8Array(n).fill(b);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const rep = (byte: string, n: number) => byte.repeat(n);

  it('a witness signs the tag, then owner, version, manifest digest, previous digest and witness key as encoded', () => {
    const bytes = statementSigningBytes({ owner: fill(1), version: 2, manifestDigest: fill(2), previousDigest: fill(3), witnessKey: fill(4) });
    expect(hex(bytes)).toBe(Buffer.from('p2p-mmog/character-witness-statement/v1').toString('hex') + rep('01', 32) + '00000002' + rep('02', 32) + rep('03', 32) + rep('04', 32));
  });

  it('an attestation value is format, version, digests, then the counted signatures', () => {
    const record = attestationRecord(signerFrom('owner'), { version: 2, manifestDigest: fill(2), previousDigest: fill(3), signatures: [{ witness: fill(5), signature: fill(6, 64) }] }, 1e15);
    expect(hex(record.value)).toBe('01' + '00000002' + rep('02', 32) + rep('03', 32) + '01' + rep('05', 32) + rep('06', 64));
  });
});

describe('the attestation record', () => {
  const owner = signerFrom('owner');
  const character = sealCharacter(owner, 4, { equipped: encodeSheet({ gold: 0, items: ['sword'] }), inventory: encodeSheet({ gold: 10, items: [] }) }, (n) => createRng('keys').bytes(n), Date.now() + 3_600_000);
  const signatures = Array.from({ length: MAX_ATTESTATION_SIGNATURES }, (_, i) => ({ witness: signerFrom(`w${i}`).publicKey, signature: new Uint8Array(64).fill(i) }));

  it('carries seven signatures within a DHT value, filed under slot 3 with seq = version · 2^16 + renewal', () => {
    const record = attestationRecord(owner, { version: 4, manifestDigest: manifestDigest(character.manifest), previousDigest: NO_PREVIOUS_DIGEST, signatures }, Date.now() + 3_600_000);
    expect(record.value.length).toBeLessThanOrEqual(MAX_RECORD_VALUE_BYTES);
    expect(record.subject[32]).toBe(3);
    expect(record.seq).toBe(4n << 16n);
    // A renewal of the same version replaces it in the DHT (a higher seq), and reads back alike.
    const renewed = attestationRecord(owner, { version: 4, manifestDigest: manifestDigest(character.manifest), previousDigest: NO_PREVIOUS_DIGEST, signatures }, Date.now() + 3_600_000, 2);
    expect(renewed.seq).toBe((4n << 16n) + 2n);
    expect(readAttestation(renewed)?.version).toBe(4);
    expect(readAttestation({ ...renewed, seq: 4n })).toBeNull();
    expect(() => attestationRecord(owner, { version: 4, manifestDigest: NO_PREVIOUS_DIGEST, previousDigest: NO_PREVIOUS_DIGEST, signatures }, 0, 0x10000)).toThrow(RangeError);
    expect(readAttestation(record)?.signatures).toHaveLength(MAX_ATTESTATION_SIGNATURES);
    expect(readAttestation(character.manifest)).toBeNull();
    expect(readManifest(record)).toBeNull();
    expect(() => attestationRecord(owner, { version: 4, manifestDigest: NO_PREVIOUS_DIGEST, previousDigest: NO_PREVIOUS_DIGEST, signatures: [...signatures, signatures[0] as (typeof signatures)[number]] }, 0)).toThrow(RangeError);
  });

  it('is accepted by the player-data policy from its owner only', () => {
    const policies = { 'player-data': characterPolicy() };
    const check = { policies, verify: ed.verify, nowMs: Date.now() };
    const record = attestationRecord(owner, { version: 4, manifestDigest: manifestDigest(character.manifest), previousDigest: NO_PREVIOUS_DIGEST, signatures }, Date.now() + 3_600_000);
    expect(verifyRecord(record, check)).toBeNull();
    expect(verifyRecord(character.manifest, check)).toBeNull();
    const mallory = signerFrom('mallory');
    const forged = { ...attestationRecord(mallory, { version: 4, manifestDigest: NO_PREVIOUS_DIGEST, previousDigest: NO_PREVIOUS_DIGEST, signatures }, Date.now() + 3_600_000), subject: record.subject };
    expect(verifyRecord(forged, check)).toBe('bad-key');
    expect(verifyRecord({ ...record, writer: mallory.publicKey }, check)).toBe('unauthorized');
  });
});

describe('the item-ledger rule', () => {
  const rule = itemLedgerRule({ maxGoldGain: 100 });
  const owner = signerFrom('owner').publicKey;
  const sheets = (equipped: string[], inventory: string[], gold = 0) => ({ equipped: encodeSheet({ gold: 0, items: equipped }), inventory: encodeSheet({ gold, items: inventory }) });
  const change = (previous: CharacterChange['previous'], next: CharacterChange['next'], gained: string[] = [], lost: string[] = []): CharacterChange => ({ owner, version: 2, previous, next, evidence: encodeEvidence({ gained, lost }) });
  const before = sheets(['sword'], ['potion'], 50);

  it('accepts moves between sections, listed gains and losses, and gold within the cap', () => {
    expect(rule(change(before, sheets([], ['sword', 'potion'], 50)))).toEqual({ ok: true });
    expect(rule(change(before, sheets(['axe of frost'], ['potion'], 150), ['axe of frost'], ['sword']))).toEqual({ ok: true });
    expect(rule(change(null, sheets(['sword'], [], 100), ['sword']))).toEqual({ ok: true });
    expect(rule(change(before, sheets(['sword'], [], 0), [], ['potion']))).toEqual({ ok: true });
  });

  it('refuses what an edited character does: items the evidence does not list, gold beyond the cap, garbage', () => {
    expect(rule(change(before, sheets(['sword +5'], ['potion'], 50)))).toEqual({ ok: false, reason: 'items-not-in-evidence' });
    expect(rule(change(before, sheets(['sword'], ['potion'], 151)))).toEqual({ ok: false, reason: 'gold-gain-too-high' });
    expect(rule(change(before, sheets(['sword'], [], 50), [], ['shield']))).toEqual({ ok: false, reason: 'items-not-in-evidence' });
    expect(rule(change(before, sheets(['sword', 'sword'], ['potion'], 50)))).toEqual({ ok: false, reason: 'items-not-in-evidence' });
    expect(rule({ ...change(before, before), evidence: Uint8Array.of(9, 9, 9) })).toEqual({ ok: false, reason: 'bad-evidence' });
    expect(rule(change(before, { ...before, inventory: Uint8Array.of(1) }))).toEqual({ ok: false, reason: 'unreadable-sheet' });
  });

  it('is what a colluder replaces: acceptAnyChange signs the edit, colludeWith only for its friends', () => {
    const edit = change(before, sheets(['sword +5'], ['potion'], 99_999));
    expect(acceptAnyChange(edit)).toEqual({ ok: true });
    expect(colludeWith([owner], rule)(edit)).toEqual({ ok: true });
    expect(colludeWith([signerFrom('someone').publicKey], rule)(edit)).toEqual({ ok: false, reason: 'gold-gain-too-high' });
  });
});
