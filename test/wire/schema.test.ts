import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  bool,
  bytes,
  decodeOrNull,
  decodeWith,
  encodeTagged,
  encodeWith,
  enumU8,
  f64,
  list,
  optional,
  struct,
  u16,
  u32,
  u64,
  u8,
  utf8,
  varBytes,
  type Codec,
} from '../../src/wire/index.js';
import { arbitraryFor } from './arbitrary.js';

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw new Error(`expected a DecodeError, got ${String(e)}`);
  }
  throw new Error('expected a DecodeError, decoding succeeded');
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('field codecs', () => {
  it('encode integers big-endian at fixed widths', () => {
    const c = struct({ a: u8, b: u16, c: u32, d: u64 });
    expect(hex(encodeWith(c, { a: 1, b: 0x0203, c: 0x04050607, d: 0x08090a0b0c0d0e0fn }))).toBe('0102030405060708090a0b0c0d0e0f');
  });

  it('refuse out-of-range values on encode as programmer errors', () => {
    expect(() => encodeWith(u8, 256)).toThrow(TypeError);
    expect(() => encodeWith(u16, -1)).toThrow(/\[0, 65535\]/);
    expect(() => encodeWith(u64, 1n << 64n)).toThrow(TypeError);
    expect(() => encodeWith(f64, Number.NaN)).toThrow(/finite/);
    expect(() => encodeWith(bytes(32), new Uint8Array(31))).toThrow(/exactly 32 bytes/);
    expect(() => encodeWith(varBytes(4), new Uint8Array(5))).toThrow(/at most 4 bytes/);
    expect(() => encodeWith(list(u8, 2), [1, 2, 3])).toThrow(/at most 2 elements/);
    expect(() => encodeWith(enumU8(['a', 'b'] as const), 'c' as 'a')).toThrow(/one of a\|b/);
    expect(() => encodeWith(struct({ x: u8 }), {} as { x: number })).toThrow(/^x: expected u8/);
  });

  it('names the field path in encode errors', () => {
    const c = struct({ votes: list(struct({ digest: bytes(16) }), 8) });
    expect(() => encodeWith(c, { votes: [{ digest: new Uint8Array(16) }, { digest: new Uint8Array(3) }] })).toThrow(/votes\[1\]\.digest/);
  });

  it('uses a one-byte length prefix for caps up to 255 and two bytes above', () => {
    expect(hex(encodeWith(varBytes(255), new Uint8Array([9])))).toBe('0109');
    expect(hex(encodeWith(varBytes(256), new Uint8Array([9])))).toBe('000109');
    expect(hex(encodeWith(utf8(16), 'hé'))).toBe('0368c3a9');
  });

  it('reports truncation with the offset and path of the field', () => {
    const c = struct({ a: u16, b: u32 });
    const e = decodeError(() => decodeWith(c, new Uint8Array([0, 1, 0, 0])));
    expect(e.code).toBe('truncated');
    expect(e.offset).toBe(2);
    expect(e.path).toBe('b');
  });

  it('checks a length against its cap before reading the bytes', () => {
    const e = decodeError(() => decodeWith(struct({ pad: u8, blob: varBytes(300) }), new Uint8Array([0, 0xff, 0xff])));
    expect(e.code).toBe('over-cap');
    expect(e.offset).toBe(1);
    expect(e.path).toBe('blob');
  });

  it('refuses a list count the remaining bytes cannot hold, before looping', () => {
    const e = decodeError(() => decodeWith(list(bytes(32), 1000), new Uint8Array([0x03, 0xe8, 1, 2, 3])));
    expect(e.code).toBe('truncated');
    expect(e.message).toMatch(/count 1000 needs at least 32000 bytes/);
  });

  it('refuses invalid values: booleans, presence bytes, enum indexes, UTF-8, non-finite floats', () => {
    expect(decodeError(() => decodeWith(bool, new Uint8Array([2]))).code).toBe('invalid-value');
    expect(decodeError(() => decodeWith(optional(u8), new Uint8Array([7, 1]))).code).toBe('invalid-value');
    expect(decodeError(() => decodeWith(enumU8(['a'] as const), new Uint8Array([1]))).code).toBe('invalid-value');
    expect(decodeError(() => decodeWith(utf8(8), new Uint8Array([2, 0xc3, 0x28]))).code).toBe('invalid-value');
    const inf = new Uint8Array(8);
    new DataView(inf.buffer).setFloat64(0, Number.POSITIVE_INFINITY);
    expect(decodeError(() => decodeWith(f64, inf)).code).toBe('invalid-value');
  });

  it('refuses to encode a lone surrogate, which UTF-8 cannot carry faithfully', () => {
    expect(() => encodeWith(utf8(8), 'a\uD800')).toThrow(/lone surrogates/);
    expect(() => encodeWith(utf8(8), '\uDC00b')).toThrow(/lone surrogates/);
    expect(decodeWith(utf8(8), encodeWith(utf8(8), '\u{1F600}'))).toBe('\u{1F600}');
  });

  it('refuses trailing bytes', () => {
    const e = decodeError(() => decodeWith(u8, new Uint8Array([1, 2])));
    expect(e.code).toBe('trailing-bytes');
    expect(e.offset).toBe(1);
  });

  it('decoded byte fields do not alias the input buffer', () => {
    const input = new Uint8Array([1, 2, 3]);
    const out = decodeWith(bytes(3), input);
    input[0] = 9;
    expect([...out]).toEqual([1, 2, 3]);
  });

  const everyCodec = struct({
    a: u8,
    b: u16,
    c: u32,
    d: u64,
    e: f64,
    f: bool,
    g: bytes(4),
    h: varBytes(300),
    i: utf8(64),
    j: list(struct({ x: u8, y: optional(u16) }), 10),
    k: enumU8(['red', 'green'] as const),
  });

  it('decode(encode(v)) equals v for every codec (property)', () => {
    fc.assert(
      fc.property(arbitraryFor(everyCodec.shape, { maxBytes: 300, maxItems: 10 }), (value) => {
        const typed = value as Parameters<typeof everyCodec.size>[0];
        expect(decodeWith(everyCodec, encodeWith(everyCodec, typed))).toEqual(typed);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes produce a value or a DecodeError, never another exception (property)', () => {
    const codecs: Codec<unknown>[] = [everyCodec as Codec<unknown>, list(utf8(40), 300) as Codec<unknown>];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: codecs.length - 1 }), (input, which) => {
        try {
          decodeWith(codecs[which] as Codec<unknown>, input);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('decodeOrNull', () => {
  it('decodes what decodeWith decodes, and answers null where decodeWith throws a DecodeError', () => {
    const codec = struct({ a: u8, b: u16 });
    expect(decodeOrNull(codec, encodeWith(codec, { a: 1, b: 515 }))).toEqual({ a: 1, b: 515 });
    expect(decodeOrNull(codec, new Uint8Array([1, 2]))).toBeNull();
    expect(decodeOrNull(codec, new Uint8Array([1, 2, 3, 4]))).toBeNull();
    expect(() => decodeWith(codec, new Uint8Array([1, 2]))).toThrow(DecodeError);
  });
});

describe('encodeTagged', () => {
  it('is the tag followed by the value as encodeWith encodes it (what a signature covers)', () => {
    const codec = struct({ a: u8, b: varBytes(8) });
    const tag = new TextEncoder().encode('p2p-mmog/test/v1');
    const value = { a: 7, b: new Uint8Array([1, 2, 3]) };
    expect(encodeTagged(tag, codec, value)).toEqual(Uint8Array.from([...tag, ...encodeWith(codec, value)]));
    expect(encodeTagged(new Uint8Array(0), codec, value)).toEqual(encodeWith(codec, value));
  });
});
