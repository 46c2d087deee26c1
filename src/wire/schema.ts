import { ByteReader, ByteWriter } from './bytes.js';
import { DecodeError, joinPath } from './errors.js';

/**
 * A field codec: one declared layout that both encodes and decodes, so the byte format lives in
 * one place per message kind instead of in ad-hoc offsets spread over the code.
 *
 * Encoding validates first (`size` walks the value and throws TypeError/RangeError on a value the
 * layout cannot carry: that is a programmer error) and writes second, into a buffer allocated once.
 * Decoding trusts nothing: every length is checked against its cap and against the bytes that
 * remain before anything is allocated, and failures are DecodeErrors carrying offset and path.
 */
export interface Codec<T> {
  /** The layout in words, for docs/wire.md and error messages. */
  readonly layout: string;
  /** The layout as data: drives the generated docs/wire.md tables and the property tests. */
  readonly shape: Shape;
  /** The fewest bytes any value takes; lets list decoding reject impossible counts up front. */
  readonly minSize: number;
  size(value: T, path: string): number;
  write(w: ByteWriter, value: T): void;
  read(r: ByteReader, path: string): T;
}

export type Shape =
  | { readonly t: 'u8' | 'u16' | 'u32' | 'u64' | 'f64' | 'bool' }
  | { readonly t: 'bytes'; readonly n: number }
  | { readonly t: 'varBytes' | 'utf8'; readonly max: number; readonly prefix: 1 | 2 }
  | { readonly t: 'list'; readonly of: Shape; readonly max: number; readonly prefix: 1 | 2 }
  | { readonly t: 'optional'; readonly of: Shape }
  | { readonly t: 'enum'; readonly names: readonly string[] }
  | { readonly t: 'struct'; readonly fields: readonly (readonly [string, Shape])[] };

export type Infer<C> = C extends Codec<infer T> ? T : never;

/** A value the layout cannot carry (a programmer error), with the path of the field. */
class SchemaMisuse extends TypeError {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || 'value'}: ${problem}`);
  }

  within(parent: string): SchemaMisuse {
    return new SchemaMisuse(joinPath(parent, this.path), this.problem);
  }
}

function misuse(path: string, expected: string, value: unknown): never {
  const shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'object' ? Object.prototype.toString.call(value) : String(value);
  throw new SchemaMisuse(path, `expected ${expected}, got ${shown}`);
}

/**
 * Nested fields are read and sized with an empty path; a failure gets its enclosing field's name
 * on the way out. Building every field's path up front (a string per field per message) was a
 * measurable share of decoding on the hot path (docs/performance.md).
 */
function prefixed(error: unknown, parent: string): unknown {
  return error instanceof DecodeError || error instanceof SchemaMisuse ? error.within(parent) : error;
}

function uint(bits: 8 | 16 | 32): Codec<number> {
  const max = 2 ** bits - 1;
  const bytes = bits / 8;
  return {
    layout: `u${bits}`,
    shape: { t: bits === 8 ? 'u8' : bits === 16 ? 'u16' : 'u32' },
    minSize: bytes,
    size(value, path) {
      if (!Number.isInteger(value) || value < 0 || value > max) misuse(path, `an integer in [0, ${max}]`, value);
      return bytes;
    },
    write(w, value) {
      if (bits === 8) w.u8(value);
      else if (bits === 16) w.u16(value);
      else w.u32(value);
    },
    read(r, path) {
      return bits === 8 ? r.u8(path) : bits === 16 ? r.u16(path) : r.u32(path);
    },
  };
}

export const u8 = uint(8);
export const u16 = uint(16);
export const u32 = uint(32);

const U64_MAX = (1n << 64n) - 1n;

export const u64: Codec<bigint> = {
  layout: 'u64',
  shape: { t: 'u64' },
  minSize: 8,
  size(value, path) {
    if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) misuse(path, 'a bigint in [0, 2^64-1]', value);
    return 8;
  },
  write: (w, value) => w.u64(value),
  read: (r, path) => r.u64(path),
};

/** IEEE-754 double, finite only: NaN or Infinity in game state would break replica agreement. */
export const f64: Codec<number> = {
  layout: 'f64 (finite)',
  shape: { t: 'f64' },
  minSize: 8,
  size(value, path) {
    if (typeof value !== 'number' || !Number.isFinite(value)) misuse(path, 'a finite number', value);
    return 8;
  },
  write: (w, value) => w.f64(value),
  read(r, path) {
    const start = r.offset;
    const v = r.f64(path);
    if (!Number.isFinite(v)) throw new DecodeError('invalid-value', start, path, 'non-finite float');
    return v;
  },
};

export const bool: Codec<boolean> = {
  layout: 'u8 (0 or 1)',
  shape: { t: 'bool' },
  minSize: 1,
  size(value, path) {
    if (typeof value !== 'boolean') misuse(path, 'a boolean', value);
    return 1;
  },
  write: (w, value) => w.u8(value ? 1 : 0),
  read(r, path) {
    const start = r.offset;
    const v = r.u8(path);
    if (v > 1) throw new DecodeError('invalid-value', start, path, `boolean byte ${v}`);
    return v === 1;
  },
};

function assertBytes(value: unknown, path: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) misuse(path, 'a Uint8Array', value);
}

/** Exactly `n` bytes: keys, signatures, hashes, node IDs. */
export function bytes(n: number): Codec<Uint8Array> {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`bytes(n): n must be a positive integer, got ${n}`);
  return {
    layout: `bytes[${n}]`,
    shape: { t: 'bytes', n },
    minSize: n,
    size(value, path) {
      assertBytes(value, path);
      if (value.length !== n) misuse(path, `exactly ${n} bytes`, `${value.length} bytes`);
      return n;
    },
    write: (w, value) => w.raw(value),
    read: (r, path) => r.raw(n, path),
  };
}

/** A length prefix sized to the cap: one byte when the cap fits in it, otherwise two. */
function lengthPrefix(max: number): { bytes: 1 | 2; layout: string } {
  return max <= 0xff ? { bytes: 1, layout: 'u8' } : { bytes: 2, layout: 'u16' };
}

function readLength(r: ByteReader, prefix: 1 | 2, max: number, path: string, what: string): number {
  const start = r.offset;
  const n = prefix === 1 ? r.u8(path) : r.u16(path);
  if (n > max) throw new DecodeError('over-cap', start, path, `${what} ${n} exceeds cap ${max}`);
  return n;
}

function writeLength(w: ByteWriter, prefix: 1 | 2, n: number): void {
  if (prefix === 1) w.u8(n);
  else w.u16(n);
}

function checkCap(max: number, fn: string): void {
  if (!Number.isInteger(max) || max < 0 || max > 0xffff) throw new RangeError(`${fn}: cap must be an integer in [0, 65535], got ${max}`);
}

/** Up to `max` bytes behind a length prefix. */
export function varBytes(max: number): Codec<Uint8Array> {
  checkCap(max, 'varBytes');
  const prefix = lengthPrefix(max);
  return {
    layout: `${prefix.layout} length (<= ${max}) + bytes`,
    shape: { t: 'varBytes', max, prefix: prefix.bytes },
    minSize: prefix.bytes,
    size(value, path) {
      assertBytes(value, path);
      if (value.length > max) misuse(path, `at most ${max} bytes`, `${value.length} bytes`);
      return prefix.bytes + value.length;
    },
    write(w, value) {
      writeLength(w, prefix.bytes, value.length);
      w.raw(value);
    },
    read(r, path) {
      const n = readLength(r, prefix.bytes, max, path, 'length');
      return r.raw(n, path);
    },
  };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * UTF-8 text of at most `maxBytes` encoded bytes; invalid UTF-8 from the network is refused. A
 * string with a lone surrogate cannot be encoded faithfully (it would come back as U+FFFD), so
 * encoding one is a programmer error rather than a silent change of the value.
 */
export function utf8(maxBytes: number): Codec<string> {
  checkCap(maxBytes, 'utf8');
  const prefix = lengthPrefix(maxBytes);
  // size() runs right before write() on the same value; one cached encoding serves both.
  let lastText: string | undefined;
  let lastBytes = new Uint8Array(0);
  const encoded = (text: string): Uint8Array => {
    if (text !== lastText) {
      lastBytes = utf8Encoder.encode(text);
      lastText = text;
    }
    return lastBytes;
  };
  return {
    layout: `${prefix.layout} length (<= ${maxBytes}) + UTF-8`,
    shape: { t: 'utf8', max: maxBytes, prefix: prefix.bytes },
    minSize: prefix.bytes,
    size(value, path) {
      if (typeof value !== 'string') misuse(path, 'a string', value);
      if (LONE_SURROGATE.test(value)) misuse(path, 'well-formed UTF-16 (no lone surrogates)', JSON.stringify(value));
      const n = encoded(value).length;
      if (n > maxBytes) misuse(path, `at most ${maxBytes} UTF-8 bytes`, `${n} bytes`);
      return prefix.bytes + n;
    },
    write(w, value) {
      const bytes = encoded(value);
      writeLength(w, prefix.bytes, bytes.length);
      w.raw(bytes);
    },
    read(r, path) {
      const n = readLength(r, prefix.bytes, maxBytes, path, 'length');
      const start = r.offset;
      r.need(n, path);
      try {
        const text = utf8Decoder.decode(r.bytes.subarray(start, start + n));
        r.offset += n;
        return text;
      } catch {
        throw new DecodeError('invalid-value', start, path, 'invalid UTF-8');
      }
    },
  };
}

/** Up to `maxCount` elements behind a count prefix. */
export function list<T>(element: Codec<T>, maxCount: number): Codec<T[]> {
  checkCap(maxCount, 'list');
  const prefix = lengthPrefix(maxCount);
  return {
    layout: `${prefix.layout} count (<= ${maxCount}) + ${maxCount === 1 ? 'element' : 'elements'}: ${element.layout}`,
    shape: { t: 'list', of: element.shape, max: maxCount, prefix: prefix.bytes },
    minSize: prefix.bytes,
    size(value, path) {
      if (!Array.isArray(value)) misuse(path, 'an array', value);
      if (value.length > maxCount) misuse(path, `at most ${maxCount} elements`, `${value.length} elements`);
      let total = prefix.bytes;
      let i = 0;
      try {
        for (; i < value.length; i++) total += element.size(value[i] as T, '');
      } catch (e) {
        throw prefixed(e, `${path}[${i}]`);
      }
      return total;
    },
    write(w, value) {
      writeLength(w, prefix.bytes, value.length);
      for (const item of value) element.write(w, item);
    },
    read(r, path) {
      const start = r.offset;
      const n = readLength(r, prefix.bytes, maxCount, path, 'count');
      // Refuse counts the remaining bytes cannot possibly hold before looping over them.
      if (n * element.minSize > r.remaining) {
        throw new DecodeError('truncated', start, path, `count ${n} needs at least ${n * element.minSize} bytes, ${r.remaining} left`);
      }
      const out: T[] = new Array<T>(n);
      let i = 0;
      try {
        for (; i < n; i++) out[i] = element.read(r, '');
      } catch (e) {
        throw prefixed(e, `${path}[${i}]`);
      }
      return out;
    },
  };
}

/** A value or null, behind a presence byte (0 absent, 1 present). */
export function optional<T>(inner: Codec<T>): Codec<T | null> {
  return {
    layout: `u8 presence (0|1) + ${inner.layout}`,
    shape: { t: 'optional', of: inner.shape },
    minSize: 1,
    size(value, path) {
      return value === null ? 1 : 1 + inner.size(value, path);
    },
    write(w, value) {
      if (value === null) w.u8(0);
      else {
        w.u8(1);
        inner.write(w, value);
      }
    },
    read(r, path) {
      const start = r.offset;
      const flag = r.u8(path);
      if (flag === 0) return null;
      if (flag !== 1) throw new DecodeError('invalid-value', start, path, `presence byte ${flag}`);
      return inner.read(r, path);
    },
  };
}

/** One of a fixed list of names, carried as its index in one byte. */
export function enumU8<const N extends readonly string[]>(names: N): Codec<N[number]> {
  if (names.length === 0 || names.length > 256) throw new RangeError('enumU8: between 1 and 256 names');
  const index = new Map<string, number>(names.map((n, i) => [n, i]));
  return {
    layout: `u8 enum {${names.map((n, i) => `${i}=${n}`).join(', ')}}`,
    shape: { t: 'enum', names },
    minSize: 1,
    size(value, path) {
      if (!index.has(value)) misuse(path, `one of ${names.join('|')}`, value);
      return 1;
    },
    write: (w, value) => w.u8(index.get(value) as number),
    read(r, path) {
      const start = r.offset;
      const i = r.u8(path);
      const name = names[i];
      if (name === undefined) throw new DecodeError('invalid-value', start, path, `enum index ${i} of ${names.length}`);
      return name;
    },
  };
}

export type StructFields = Record<string, Codec<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type InferStruct<F extends StructFields> = { [K in keyof F]: Infer<F[K]> };

/** Named fields encoded in declaration order, with no padding and no field tags. */
export interface StructCodec<F extends StructFields> extends Codec<InferStruct<F>> {
  readonly fields: F;
}

export function struct<F extends StructFields>(fields: F): StructCodec<F> {
  const entries = Object.entries(fields);
  const keys = entries.map(([key]) => key);
  const codecs = entries.map(([, codec]) => codec);
  const readFields = compileFieldReader(keys, codecs);
  return {
    fields,
    layout: `{ ${entries.map(([k, c]) => `${k}: ${c.layout}`).join('; ')} }`,
    shape: { t: 'struct', fields: entries.map(([k, c]) => [k, c.shape] as const) },
    minSize: entries.reduce((sum, [, c]) => sum + c.minSize, 0),
    size(value, path) {
      if (typeof value !== 'object' || value === null) misuse(path, 'an object', value);
      let total = 0;
      let i = 0;
      try {
        for (; i < keys.length; i++) {
          const key = keys[i] as string;
          if (!(key in value)) misuse('', (codecs[i] as Codec<unknown>).layout, undefined);
          total += (codecs[i] as Codec<unknown>).size((value as Record<string, unknown>)[key], '');
        }
      } catch (e) {
        throw prefixed(e, joinPath(path, keys[i] as string));
      }
      return total;
    },
    write(w, value) {
      for (let i = 0; i < keys.length; i++) (codecs[i] as Codec<unknown>).write(w, (value as Record<string, unknown>)[keys[i] as string]);
    },
    read: readFields as (r: ByteReader, path: string) => InferStruct<F>,
  };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A struct's reader, generated once per struct: each field read into a local, then one object
 * literal with the fields in declaration order. Objects so built share one hidden class per
 * struct, where filling `{}` key by key made every struct decode go through megamorphic keyed
 * stores (docs/performance.md). `f` tracks the field being read, for the error path. Field names
 * are the schema's own identifiers, never remote input.
 */
function compileFieldReader(keys: readonly string[], codecs: readonly Codec<unknown>[]): (r: ByteReader, path: string) => unknown {
  for (const key of keys) if (!IDENTIFIER.test(key)) throw new RangeError(`struct: field name ${JSON.stringify(key)} is not an identifier`);
  const reads = keys.map((_, i) => `f = ${i}; const v${i} = c[${i}].read(r, '');`).join('\n');
  const literal = keys.map((key, i) => `${key}: v${i}`).join(', ');
  const body = `return function readStruct(r, path) {\nlet f = 0;\ntry {\n${reads}\nreturn { ${literal} };\n} catch (e) {\nthrow prefixed(e, joinPath(path, keys[f]));\n}\n};`;
  return new Function('c', 'keys', 'prefixed', 'joinPath', body)(codecs, keys, prefixed, joinPath) as (r: ByteReader, path: string) => unknown;
}

/** Encode a value with a codec on its own (no envelope); used for nested payloads and hashing. */
export function encodeWith<T>(codec: Codec<T>, value: T): Uint8Array {
  const w = new ByteWriter(codec.size(value, ''));
  codec.write(w, value);
  return w.bytes;
}

/**
 * `tag` ‖ the value as encoded: the bytes a signature covers, the tag a domain separator so a
 * signature over one kind of statement can never pass for another.
 */
export function encodeTagged<T>(tag: Uint8Array, codec: Codec<T>, value: T): Uint8Array {
  const w = new ByteWriter(tag.length + codec.size(value, ''));
  w.raw(tag);
  codec.write(w, value);
  return w.bytes;
}

/** Decode exactly one value occupying all of `input`; leftovers are a DecodeError. */
export function decodeWith<T>(codec: Codec<T>, input: Uint8Array): T {
  return decodeFrom(codec, new ByteReader(input));
}

/**
 * decodeWith for remote bytes: null when they do not decode. Any other error is a bug in a codec,
 * not bad input, and is thrown.
 */
export function decodeOrNull<T>(codec: Codec<T>, input: Uint8Array): T | null {
  try {
    return decodeWith(codec, input);
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

/**
 * decodeWith, but byte fields are views into `input` rather than copies: for input that nobody
 * will change or reuse (a received datagram), on hot paths (docs/wire.md, "Decoding").
 */
export function decodeViewsWith<T>(codec: Codec<T>, input: Uint8Array): T {
  return decodeFrom(codec, new ByteReader(input, 0, input.length, true));
}

function decodeFrom<T>(codec: Codec<T>, r: ByteReader): T {
  const value = codec.read(r, '');
  if (r.remaining !== 0) throw new DecodeError('trailing-bytes', r.offset, '', `${r.remaining} byte(s) after the last field`);
  return value;
}
