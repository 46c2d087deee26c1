import { DecodeError } from './errors.js';

/**
 * Sequential writer over a buffer sized in advance: codecs compute the exact size first, so the
 * encoder allocates once and never grows.
 */
export class ByteWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  offset = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(v: number): void {
    this.view.setUint8(this.offset, v);
    this.offset += 1;
  }

  u16(v: number): void {
    this.view.setUint16(this.offset, v);
    this.offset += 2;
  }

  u32(v: number): void {
    this.view.setUint32(this.offset, v);
    this.offset += 4;
  }

  u64(v: bigint): void {
    this.view.setBigUint64(this.offset, v);
    this.offset += 8;
  }

  f64(v: number): void {
    this.view.setFloat64(this.offset, v);
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
  private readonly view: DataView;
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
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
    return this.view.getUint8(this.offset++);
  }

  u16(path: string): number {
    this.need(2, path);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }

  u32(path: string): number {
    this.need(4, path);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  u64(path: string): bigint {
    this.need(8, path);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }

  f64(path: string): number {
    this.need(8, path);
    const v = this.view.getFloat64(this.offset);
    this.offset += 8;
    return v;
  }

  /** A copy, so decoded values never alias the receive buffer (a view when the reader was made for views). */
  raw(n: number, path: string): Uint8Array {
    this.need(n, path);
    const out = this.views ? this.bytes.subarray(this.offset, this.offset + n) : this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}
