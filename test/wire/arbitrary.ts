import fc from 'fast-check';
import type { Shape } from '../../src/wire/index.js';

export interface ArbitraryLimits {
  /** Longest byte field generated (capped by the field's own cap). */
  readonly maxBytes: number;
  /** Most list elements generated (capped by the list's own cap). */
  readonly maxItems: number;
}

/**
 * A fast-check arbitrary for any value a codec of this shape can carry. The limits keep whole
 * messages under the datagram cap; pass larger ones to exercise two-byte length prefixes and caps.
 */
export function arbitraryFor(shape: Shape, limits: ArbitraryLimits = { maxBytes: 64, maxItems: 4 }): fc.Arbitrary<unknown> {
  const recurse = (s: Shape) => arbitraryFor(s, limits);
  switch (shape.t) {
    case 'u8':
      return fc.integer({ min: 0, max: 0xff });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'u32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'u64':
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    case 'f64':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'bool':
      return fc.boolean();
    case 'bytes':
      return fc.uint8Array({ minLength: shape.n, maxLength: shape.n });
    case 'varBytes':
      return fc.uint8Array({ maxLength: Math.min(shape.max, limits.maxBytes) });
    case 'utf8':
      // Any code point (astral ones as surrogate pairs), at most 4 UTF-8 bytes each.
      return fc.string({ unit: 'binary', maxLength: Math.floor(Math.min(shape.max, limits.maxBytes) / 4) });
    case 'list':
      return fc.array(recurse(shape.of), { maxLength: Math.min(shape.max, limits.maxItems) });
    case 'optional':
      return fc.option(recurse(shape.of), { nil: null });
    case 'enum':
      return fc.constantFrom(...shape.names);
    case 'struct':
      return fc.record(Object.fromEntries(shape.fields.map(([k, f]) => [k, recurse(f)])));
  }
}
