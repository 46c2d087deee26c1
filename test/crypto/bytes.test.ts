import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';

describe('toHex', () => {
  it('encodes only the bytes a view covers, lowercase', () => {
    const backing = Uint8Array.from([0x00, 0xab, 0xcd, 0xef, 0x10]);
    expect(toHex(backing.subarray(1, 4))).toBe('abcdef');
    expect(toHex(backing)).toBe('00abcdef10');
    expect(toHex(new Uint8Array(0))).toBe('');
  });
});
