import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '../../src/wire/bytes.js';
import { DecodeError } from '../../src/wire/errors.js';

// The codec reads and writes integers byte by byte (no DataView); these pin the byte order and the
// edges against DataView's own big-endian encoding.
describe('ByteWriter / ByteReader', () => {
  const u16s = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff];
  const u32s = [0, 1, 0xff, 0x1234_5678, 0x7fff_ffff, 0x8000_0000, 0xdead_beef, 0xffff_ffff];
  const u64s = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 0x0123_4567_89ab_cdefn, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];
  const f64s = [0, -0, 1, -1.5, Math.PI, Number.MAX_VALUE, Number.MIN_VALUE, Number.NEGATIVE_INFINITY, Number.NaN];

  /** Each width: how ByteWriter writes it, how DataView writes the expected bytes, how ByteReader reads it. */
  const widths = [
    { values: u16s, bytes: 2, write: (w: ByteWriter, v: number) => w.u16(v), expect: (d: DataView, at: number, v: number) => d.setUint16(at, v), read: (r: ByteReader) => r.u16('a') },
    { values: u32s, bytes: 4, write: (w: ByteWriter, v: number) => w.u32(v), expect: (d: DataView, at: number, v: number) => d.setUint32(at, v), read: (r: ByteReader) => r.u32('a') },
    { values: u64s, bytes: 8, write: (w: ByteWriter, v: bigint) => w.u64(v), expect: (d: DataView, at: number, v: bigint) => d.setBigUint64(at, v), read: (r: ByteReader) => r.u64('a') },
    { values: f64s, bytes: 8, write: (w: ByteWriter, v: number) => w.f64(v), expect: (d: DataView, at: number, v: number) => d.setFloat64(at, v), read: (r: ByteReader) => r.f64('a') },
  ] as const;

  it('writes big-endian bytes identical to DataView', () => {
    const size = 1 + widths.reduce((sum, w) => sum + w.values.length * w.bytes, 0);
    const w = new ByteWriter(size);
    const expected = new DataView(new ArrayBuffer(size));
    let at = 0;
    w.u8(0xab);
    expected.setUint8(at++, 0xab);
    for (const width of widths) {
      for (const v of width.values) {
        (width.write as (w: ByteWriter, v: number | bigint) => void)(w, v);
        (width.expect as (d: DataView, at: number, v: number | bigint) => void)(expected, at, v);
        at += width.bytes;
      }
    }
    expect(w.offset).toBe(size);
    expect(Buffer.from(w.bytes).equals(Buffer.from(expected.buffer))).toBe(true);

    const r = new ByteReader(w.bytes);
    expect(r.u8('a')).toBe(0xab);
    for (const width of widths) for (const v of width.values) expect(Object.is(width.read(r), v)).toBe(true);
    expect(r.remaining).toBe(0);
  });

  it('reads from a view that starts inside a larger buffer', () => {
    const outer = Uint8Array.from([9, 9, 9, 0x12, 0x34, 0x56, 0x78, 9]);
    const r = new ByteReader(outer.subarray(3, 7));
    expect(r.u32('x')).toBe(0x1234_5678);
  });

  it('reports a truncated read at the offset where the field began, having moved nothing', () => {
    const r = new ByteReader(Uint8Array.from([1, 2, 3]));
    r.u8('first');
    const error = (() => {
      try {
        r.u32('second');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).offset).toBe(1);
    expect(r.offset).toBe(1);
  });
});
