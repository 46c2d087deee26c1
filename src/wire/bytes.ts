import { DecodeError } from './errors.js';

// Integers are read and written byte by byte rather than through a DataView: a DataView needs the
// array's `.buffer`, and asking a small (on-heap) typed array for its buffer makes V8 move it to a
// backing store of its own, a malloc per decoded payload (docs/performance.md, "Scale").
const float64Scratch = new Float64Array(1);
const float64Bytes = new Uint8Array(float64Scratch.buffer);
const BIG_ENDIAN_F64 = new Uint8Array(new Float64Array([1]).buffer)[0] === 0x3f;

/** Big-endian u16 at `offset`; the caller checked the bounds. */
export function writeUint16(bytes: Uint8Array, offset: number, v: number): void {
  bytes[offset] = v >>> 8;
  bytes[offset + 1] = v;
}

/** Big-endian u32 at `offset`; the caller checked the bounds. */
export function writeUint32(bytes: Uint8Array, offset: number, v: number): void {
  bytes[offset] = v >>> 24;
  bytes[offset + 1] = v >>> 16;
  bytes[offset + 2] = v >>> 8;
  bytes[offset + 3] = v;
}

/** Big-endian u64 at `offset`; the caller checked the bounds and the range. */
export function writeUint64(bytes: Uint8Array, offset: number, v: bigint): void {
  writeUint32(bytes, offset, Number(v >> 32n));
  writeUint32(bytes, offset + 4, Number(v & 0xffffffffn));
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) * 0x1000000 + (((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number))) >>> 0;
}

/**
 * Sequential writer over a buffer sized in advance: codecs compute the exact size first, so the
 * encoder allocates once and never grows.
 */
export class ByteWriter {
  readonly bytes: Uint8Array;
  offset = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }

  u8(v: number): void {
    this.bytes[this.offset++] = v;
  }

  u16(v: number): void {
    writeUint16(this.bytes, this.offset, v);
    this.offset += 2;
  }

  u32(v: number): void {
    writeUint32(this.bytes, this.offset, v);
    this.offset += 4;
  }

  u64(v: bigint): void {
    writeUint64(this.bytes, this.offset, v);
    this.offset += 8;
  }

  f64(v: number): void {
    float64Scratch[0] = v;
    for (let i = 0; i < 8; i++) this.bytes[this.offset + i] = float64Bytes[BIG_ENDIAN_F64 ? i : 7 - i] as number;
    this.offset += 8;
  }

  raw(b: Uint8Array): void {
    this.bytes.set(b, this.offset);
    this.offset += b.length;
  }
}

/**
 * Sequential reader that checks every read against the bytes that remain before touching them;
 * running short is a `truncated` DecodeError at the offset where the field began.
 */
export class ByteReader {
  offset: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
    /**
     * Byte fields as views into `bytes` instead of copies: only for input its owner will never
     * change or reuse (a received datagram, which is a buffer of its own), on hot paths where the
     * copies cost more than the decoding.
     */
    private readonly views = false,
  ) {
    this.offset = start;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  need(n: number, path: string): void {
    if (n > this.remaining) {
      throw new DecodeError('truncated', this.offset, path, `needs ${n} byte(s), ${this.remaining} left`);
    }
  }

  u8(path: string): number {
    this.need(1, path);
    return this.bytes[this.offset++] as number;
  }

  u16(path: string): number {
    this.need(2, path);
    const b = this.bytes;
    const v = ((b[this.offset] as number) << 8) | (b[this.offset + 1] as number);
    this.offset += 2;
    return v;
  }

  u32(path: string): number {
    this.need(4, path);
    const v = readUint32(this.bytes, this.offset);
    this.offset += 4;
    return v;
  }

  u64(path: string): bigint {
    this.need(8, path);
    const v = (BigInt(readUint32(this.bytes, this.offset)) << 32n) | BigInt(readUint32(this.bytes, this.offset + 4));
    this.offset += 8;
    return v;
  }

  f64(path: string): number {
    this.need(8, path);
    for (let i = 0; i < 8; i++) float64Bytes[BIG_ENDIAN_F64 ? i : 7 - i] = this.bytes[this.offset + i] as number;
    this.offset += 8;
    return float64Scratch[0] as number;
  }

  /** A copy, so decoded values never alias the receive buffer (a view when the reader was made for views). */
  raw(n: number, path: string): Uint8Array {
    this.need(n, path);
    const out = this.views ? this.bytes.subarray(this.offset, this.offset + n) : this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}
