import fc from 'fast-check';
import type { Shape } from '../../src/wire/index.js';

/** A fast-check arbitrary for any value a codec of this shape can carry, edges included. */
export function arbitraryFor(shape: Shape): fc.Arbitrary<unknown> {
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
      return fc.uint8Array({ maxLength: Math.min(shape.max, 64) });
    case 'utf8':
      return fc.string({ unit: 'grapheme', maxLength: Math.floor(shape.max / 8) });
    case 'list':
      return fc.array(arbitraryFor(shape.of), { maxLength: Math.min(shape.max, 4) });
    case 'optional':
      return fc.option(arbitraryFor(shape.of), { nil: null });
    case 'enum':
      return fc.constantFrom(...shape.names);
    case 'struct':
      return fc.record(Object.fromEntries(shape.fields.map(([k, f]) => [k, arbitraryFor(f)])));
  }
}
