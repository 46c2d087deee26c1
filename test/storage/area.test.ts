import { describe, expect, it } from 'vitest';
import { createEd25519 } from '../../src/crypto/index.js';
import { signRecord, verifyRecord } from '../../src/dht/index.js';
import { AreaValueCodec, applyAreaRecord, areaAt, areaPolicy, areaRecord, areaRect, areaSubject, changesIn, coversArea, generateArea, mergeAreas, readAreaValue, type AreaTemplate } from '../../src/storage/index.js';
import { encodeWith } from '../../src/wire/index.js';

const ed25519 = createEd25519('native');
const writer = ed25519.createSigner(new Uint8Array(32).fill(7));
const template: AreaTemplate = { seed: 'area-test', areaTiles: 16, items: 4, monsters: 2 };
const field = { x: 100, y: 40, width: 40, height: 40 };
const area = { zone: 'field', ax: 2, ay: 1 };
const HOUR = 3_600_000;

describe('ephemeral zone data (areas)', () => {
  it('regenerates the same things for the same template, area and epoch, and new ones each epoch', () => {
    const a = generateArea(template, field, area, 3);
    expect(generateArea(template, field, area, 3)).toEqual(a);
    expect(generateArea(template, field, area, 4).items).not.toEqual(a.items);
    expect(generateArea({ ...template, seed: 'other' }, field, area, 3).items).not.toEqual(a.items);
    // The last column of a 40-wide zone cut in 16s is 8 wide: every spot stays inside it.
    const cell = areaRect(template, field, area);
    expect(cell).toEqual({ x: 132, y: 56, width: 8, height: 16 });
    for (const s of [...a.items, ...a.monsters]) {
      expect(s.x >= cell.x && s.x < cell.x + cell.width && s.y >= cell.y && s.y < cell.y + cell.height).toBe(true);
    }
    expect(areaAt(template, 'field', field, 135, 60)).toEqual(area);
    expect(() => areaRect(template, field, { zone: 'field', ax: 3, ay: 0 })).toThrow(RangeError);
  });

  it('a record carries only the changes; its seq is the epoch and their count, so more changes and later epochs win', () => {
    const generated = generateArea(template, field, area, 5);
    const changed = { ...generated, taken: 0b1010, slain: 0b1 };
    const record = areaRecord(changed, writer, Date.now() + HOUR);
    expect(verifyRecord(record, { policies: { 'zone-data': areaPolicy() }, verify: (s, m, k) => ed25519.verify(s, m, k), nowMs: Date.now() })).toBeNull();
    expect(record.seq).toBe(5n * 65_536n + 3n);
    expect(changesIn(changed)).toBe(3);
    expect(applyAreaRecord(generated, record)).toEqual(changed);
    // Another epoch's record, or one made from another template, tells this reader nothing.
    expect(applyAreaRecord(generateArea(template, field, area, 6), record)).toBeNull();
    expect(applyAreaRecord(generateArea({ ...template, items: 5 }, field, area, 5), record)).toBeNull();
    expect(() => areaRecord({ ...generated, taken: 0b10000 }, writer, Date.now() + HOUR)).toThrow(RangeError);
  });

  it('the policy refuses bits past the counts, a seq that is not epoch and count, and garbage', () => {
    const policy = areaPolicy();
    const sign = (value: Uint8Array, seq: bigint) => signRecord({ type: 'zone-data', subject: areaSubject(area), seq, expiresAtMs: BigInt(Date.now() + HOUR), value }, writer);
    const value = (v: Partial<{ epoch: number; items: number; monsters: number; taken: number; slain: number }>) =>
      encodeWith(AreaValueCodec, { format: 1, epoch: 2, items: 4, monsters: 2, taken: 0, slain: 0, ...v });
    expect(policy.validateValue?.(sign(value({ taken: 0b11 }), 2n * 65_536n + 2n))).toBe(true);
    expect(policy.validateValue?.(sign(value({ taken: 0b10000 }), 2n * 65_536n + 1n))).toBe(false);
    expect(policy.validateValue?.(sign(value({ slain: 0b100 }), 2n * 65_536n + 1n))).toBe(false);
    expect(policy.validateValue?.(sign(value({ taken: 0b1 }), 2n * 65_536n + 5n))).toBe(false);
    expect(policy.validateValue?.(sign(value({ items: 33 }), 2n * 65_536n))).toBe(false);
    expect(policy.validateValue?.(sign(new Uint8Array([1, 2, 3]), 0n))).toBe(false);
    expect(readAreaValue(sign(value({}), 2n * 65_536n))).toMatchObject({ epoch: 2, items: 4, monsters: 2 });
  });

  it('merging keeps every change either side saw; covering is inclusion of changes', () => {
    const g = generateArea(template, field, area, 1);
    const a = { ...g, taken: 0b0011 };
    const b = { ...g, taken: 0b0100, slain: 0b10 };
    const merged = mergeAreas(a, b);
    expect(merged).toMatchObject({ taken: 0b0111, slain: 0b10 });
    expect(coversArea(merged, a) && coversArea(merged, b)).toBe(true);
    expect(coversArea(a, merged)).toBe(false);
    expect(() => mergeAreas(a, generateArea(template, field, area, 2))).toThrow(RangeError);
  });
});
