import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GAME_UPDATE_BYTES, decodeUpdate, encodeUpdate, type GameAction, type GameUpdate } from '../../src/game/index.js';
import { arbitraryUpdate } from './arbitrary.js';
import { hex } from './helpers.js';

describe('update codec', () => {
  it('round-trips every update at a fixed size of at most 16 bytes', () => {
    expect(GAME_UPDATE_BYTES).toBeLessThanOrEqual(16);
    fc.assert(
      fc.property(arbitraryUpdate(), (u) => {
        const bytes = encodeUpdate(u);
        expect(bytes.length).toBe(GAME_UPDATE_BYTES);
        expect(decodeUpdate(bytes)).toEqual(u);
      }),
    );
  });

  it('lays out dx+4, dy+4, action index, target u16 big-endian', () => {
    expect(hex(encodeUpdate({ dx: -4, dy: 4, action: { kind: 'none' } }))).toBe('0008000000');
    expect(hex(encodeUpdate({ dx: 0, dy: -1, action: { kind: 'attack', target: 0x0102 } }))).toBe('0403010102');
    expect(hex(encodeUpdate({ dx: 1, dy: 0, action: { kind: 'take-chest' } }))).toBe('0504020000');
  });

  it('returns null, never throws, for random bytes that are not a canonical update', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        const u = decodeUpdate(bytes);
        // Whatever decodes must be the one encoding of that update: no two byte strings per update.
        if (u !== null) expect(hex(encodeUpdate(u))).toBe(hex(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts random bytes of the right size exactly when every field is in range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 5, maxLength: 5 }), (b) => {
        const [dx, dy, kind, hi, lo] = b as unknown as [number, number, number, number, number];
        const target = hi * 256 + lo;
        const valid = dx <= 8 && dy <= 8 && kind <= 2 && (kind === 1 ? target < 65535 : target === 0);
        expect(decodeUpdate(b) !== null).toBe(valid);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses each kind of malformed payload', () => {
    const good = encodeUpdate({ dx: 1, dy: 2, action: { kind: 'attack', target: 3 } });
    const mutate = (i: number, v: number) => {
      const b = good.slice();
      b[i] = v;
      return b;
    };
    expect(decodeUpdate(good)).not.toBeNull();
    expect(decodeUpdate(new Uint8Array(0))).toBeNull();
    expect(decodeUpdate(good.subarray(0, 4))).toBeNull(); // truncated
    expect(decodeUpdate(Uint8Array.of(...good, 0))).toBeNull(); // trailing byte
    expect(decodeUpdate(mutate(0, 9))).toBeNull(); // dx = +5
    expect(decodeUpdate(mutate(1, 255))).toBeNull(); // dy out of range
    expect(decodeUpdate(mutate(2, 3))).toBeNull(); // unknown action
    expect(decodeUpdate(Uint8Array.of(4, 4, 0, 0, 1))).toBeNull(); // target on a non-attack
    expect(decodeUpdate(Uint8Array.of(4, 4, 1, 0xff, 0xff))).toBeNull(); // target 65535
  });

  it('decodes from a view into a larger buffer', () => {
    const bytes = encodeUpdate({ dx: 2, dy: -3, action: { kind: 'take-chest' } });
    const big = new Uint8Array(20);
    big.set(bytes, 7);
    expect(decodeUpdate(big.subarray(7, 7 + bytes.length))).toEqual({ dx: 2, dy: -3, action: { kind: 'take-chest' } });
  });

  it('treats bad arguments as programmer errors', () => {
    const none = { kind: 'none' } as const;
    expect(() => encodeUpdate({ dx: 5, dy: 0, action: none })).toThrow(RangeError);
    expect(() => encodeUpdate({ dx: 0, dy: -5, action: none })).toThrow(RangeError);
    expect(() => encodeUpdate({ dx: 0.5, dy: 0, action: none })).toThrow(TypeError);
    expect(() => encodeUpdate({ dx: 0, dy: 0, action: { kind: 'attack', target: -1 } })).toThrow(RangeError);
    expect(() => encodeUpdate({ dx: 0, dy: 0, action: { kind: 'attack', target: 65535 } })).toThrow(RangeError);
    expect(() => encodeUpdate({ dx: 0, dy: 0, action: { kind: 'dance' } as unknown as GameAction })).toThrow(TypeError);
    expect(() => encodeUpdate(null as unknown as GameUpdate)).toThrow(TypeError);
    expect(() => decodeUpdate([4, 4, 0, 0, 0] as unknown as Uint8Array)).toThrow(TypeError);
  });
});
