import { describe, expect, it } from 'vitest';
import { createEd25519, toHex } from '../../src/crypto/index.js';
import { signRecord, verifyRecord } from '../../src/dht/index.js';
import { createRng } from '../../src/random/index.js';
import { HouseValueCodec, MAX_HOUSE_CONTENTS_BYTES, characterPolicy, characterSubject, housePolicy, houseRecord, houseSubject, openSection, readHouse, sealCharacter } from '../../src/storage/index.js';
import { createHouseAudit, mergeHouseAuditFigures, type HouseReader } from '../../src/controller/house-audit.js';
import { encodeWith } from '../../src/wire/index.js';
import type { SaveResult } from '../../src/storage/index.js';

const ed25519 = createEd25519('native');
const owner = ed25519.createSigner(new Uint8Array(32).fill(1));
const other = ed25519.createSigner(new Uint8Array(32).fill(2));
const HOUR = 3_600_000;
const check = (record: Parameters<typeof verifyRecord>[0]) => verifyRecord(record, { policies: { house: housePolicy() }, verify: (s, m, k) => ed25519.verify(s, m, k), nowMs: Date.now() });

describe('house records', () => {
  it('pin the value layout: format, slot, version (u32 big-endian), contents with a u16 length', () => {
    const bytes = encodeWith(HouseValueCodec, { format: 1, slot: 2, version: 258, contents: new Uint8Array([0xaa, 0xbb, 0xcc]) });
    expect(toHex(bytes)).toBe('0102000001020003aabbcc');
  });

  it('round-trip through the record, keyed by owner and slot, the version as seq', () => {
    const record = houseRecord({ owner: owner.publicKey, slot: 5, version: 7, contents: new Uint8Array([1, 2, 3]) }, owner, Date.now() + HOUR);
    expect(record.seq).toBe(7n);
    expect(toHex(record.subject)).toBe(toHex(houseSubject(owner.publicKey, 5)));
    expect(check(record)).toBeNull();
    const house = readHouse(record);
    expect(house && { slot: house.slot, version: house.version, contents: [...house.contents], owner: toHex(house.owner) }).toEqual({ slot: 5, version: 7, contents: [1, 2, 3], owner: toHex(owner.publicKey) });
  });

  it('are refused when written by another key, filed under another slot, or carrying another version than their seq', () => {
    const value = houseRecord({ owner: owner.publicKey, slot: 1, version: 3, contents: new Uint8Array(8) }, owner, Date.now() + HOUR).value;
    const expiresAtMs = BigInt(Date.now() + HOUR);
    expect(check(signRecord({ type: 'house', subject: houseSubject(owner.publicKey, 1), seq: 3n, expiresAtMs, value }, other))).toBe('unauthorized');
    expect(check(signRecord({ type: 'house', subject: houseSubject(owner.publicKey, 2), seq: 3n, expiresAtMs, value }, owner))).toBe('invalid-value');
    expect(check(signRecord({ type: 'house', subject: houseSubject(owner.publicKey, 1), seq: 4n, expiresAtMs, value }, owner))).toBe('invalid-value');
    expect(check(signRecord({ type: 'house', subject: houseSubject(owner.publicKey, 1), seq: 3n, expiresAtMs, value: value.subarray(0, value.length - 1) }, owner))).toBe('invalid-value');
  });

  it('throw on a programmer error: another signer, a bad slot or version, contents too large', () => {
    expect(() => houseRecord({ owner: owner.publicKey, slot: 0, version: 1, contents: new Uint8Array(0) }, other, Date.now())).toThrow(/only the owner/);
    expect(() => houseSubject(owner.publicKey, 16)).toThrow(RangeError);
    expect(() => houseRecord({ owner: owner.publicKey, slot: 0, version: 0, contents: new Uint8Array(0) }, owner, Date.now())).toThrow(/version/);
    expect(() => houseRecord({ owner: owner.publicKey, slot: 0, version: 1, contents: new Uint8Array(MAX_HOUSE_CONTENTS_BYTES + 1) }, owner, Date.now())).toThrow(/contents/);
  });
});

describe('the house audit', () => {
  const saved = (version: number, acknowledged: boolean, slot = 0): SaveResult => ({ house: { owner: owner.publicKey, slot, version, contents: new Uint8Array(0) }, acknowledged, holders: acknowledged ? 4 : 1, targets: 4, latencyMs: 10 });
  /** A reader that finds `version` of every house (null: nothing). */
  const reader = (id: number, version: number | null): HouseReader => ({
    id,
    load: async (o, slot) => ({ house: version === null ? null : { owner: o, slot, version, contents: new Uint8Array(0) }, latencyMs: 5 }),
  });

  it('counts a house lost only when no reader finds its latest acknowledged version, and an older version as a stale read', async () => {
    const audit = createHouseAudit(createRng('audit'));
    audit.saved(0, saved(1, true));
    audit.saved(0, saved(2, true));
    audit.saved(0, saved(3, false));
    // The owner (id 0) is not asked; the others see version 1 (stale) or 2.
    expect(await audit.audit([reader(0, null), reader(1, 1), reader(2, 2)], { sample: null, readers: 2, final: false })).toEqual({ checked: 1, missing: 0 });
    expect(await audit.audit([reader(0, 2), reader(1, 1), reader(2, null)], { sample: null, readers: 2, final: true })).toEqual({ checked: 1, missing: 1 });
    const f = audit.figures();
    expect({ stored: f.stored, lost: f.lost, acknowledged: f.savesAcknowledged, unacknowledged: f.savesUnacknowledged, finalChecked: f.finalChecked }).toEqual({ stored: 1, lost: 1, acknowledged: 2, unacknowledged: 1, finalChecked: 1 });
    // The final audit's readers are 1 (version 1: stale) and 2 (nothing): the owner is not asked.
    expect(f.staleReads).toBeGreaterThanOrEqual(1);
  });

  it('merges shards: counts summed, histograms merged', async () => {
    const a = createHouseAudit(createRng('a'));
    const b = createHouseAudit(createRng('b'));
    a.saved(0, saved(1, true, 0));
    b.saved(0, saved(1, true, 1));
    b.saved(0, saved(2, true, 1));
    const merged = mergeHouseAuditFigures([a.figures(), b.figures()]);
    expect(merged?.stored).toBe(2);
    expect(merged?.savesAcknowledged).toBe(3);
    expect(mergeHouseAuditFigures([])).toBeNull();
  });
});

describe('character sections', () => {
  const seal = (version: number, inventory = 'potion') => {
    const rng = createRng(`sections:${version}:${inventory}`);
    return sealCharacter(owner, version, { equipped: new TextEncoder().encode('sword'), inventory: new TextEncoder().encode(inventory) }, (n) => rng.bytes(n), Date.now() + HOUR);
  };
  const checkData = (record: Parameters<typeof verifyRecord>[0]) => verifyRecord(record, { policies: { 'player-data': characterPolicy() }, verify: (s, m, k) => ed25519.verify(s, m, k), nowMs: Date.now() });

  it('pin the layouts: a manifest is format, version, two 32-byte digests; a section is format, version, section, nonce, sealed', () => {
    const c = seal(258);
    expect(toHex(c.manifest.value.subarray(0, 6))).toBe('010000010202');
    expect(c.manifest.value.length).toBe(6 + 64);
    expect(toHex(c.sections.inventory.value.subarray(0, 6))).toBe('010000010201');
    // 6 header bytes, a 12-byte nonce, a u16 length, the plaintext and a 16-byte tag.
    expect(c.sections.inventory.value.length).toBe(6 + 12 + 2 + 'potion'.length + 16);
    for (const r of [c.manifest, c.sections.equipped, c.sections.inventory]) expect(checkData(r)).toBeNull();
  });

  it('refuse a section of another version, one written by another key, and one filed under the wrong slot', () => {
    const v1 = seal(1);
    const v2 = seal(2);
    expect(openSection(v1.manifest, v2.sections.inventory, 'inventory', v2.keys.inventory)).toEqual({ ok: false, reason: 'malformed' });
    expect(openSection(v2.manifest, v2.sections.inventory, 'inventory', v2.keys.inventory).ok).toBe(true);
    const expiresAtMs = v1.manifest.expiresAtMs;
    expect(checkData(signRecord({ type: 'player-data', subject: v1.manifest.subject, seq: 1n, expiresAtMs, value: v1.manifest.value }, other))).toBe('unauthorized');
    expect(checkData(signRecord({ type: 'player-data', subject: characterSubject(owner.publicKey, 'equipped'), seq: 1n, expiresAtMs, value: v1.sections.inventory.value }, owner))).toBe('invalid-value');
  });
});
