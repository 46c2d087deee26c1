import { NODE_ID_LENGTH, toHex } from '../crypto/index.js';
import type { Rng } from '../random/index.js';

/** 256-bit identifiers (node IDs and record keys share one space and one XOR metric). */
export const ID_BITS = NODE_ID_LENGTH * 8;

export function idHex(id: Uint8Array): string {
  return toHex(id);
}

/**
 * Number of leading bits `a` and `b` share (0..256). Bucket i of a routing table holds the
 * contacts whose common prefix with the table's own ID is exactly i bits long.
 */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < NODE_ID_LENGTH; i++) {
    const x = ((a[i] as number) ^ (b[i] as number)) & 0xff;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_BITS;
}

/** Negative when `a` is closer to `target` than `b` under XOR, positive when farther, 0 when equal. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < NODE_ID_LENGTH; i++) {
    const t = target[i] as number;
    const da = (a[i] as number) ^ t;
    const db = (b[i] as number) ^ t;
    if (da !== db) return da - db;
  }
  return 0;
}

/**
 * A uniformly random ID whose common prefix with `self` is exactly `prefix` bits: the first
 * `prefix` bits copied, the next one flipped, the rest random. Refreshing bucket `prefix` looks
 * such an ID up.
 */
export function randomIdWithPrefix(self: Uint8Array, prefix: number, rng: Rng): Uint8Array {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix >= ID_BITS) throw new RangeError(`randomIdWithPrefix: prefix must be in [0, ${ID_BITS}), got ${prefix}`);
  const out = rng.bytes(NODE_ID_LENGTH);
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) out[i] = self[i] as number;
  const bit = prefix & 7;
  const keep = (0xff00 >> bit) & 0xff; // the `bit` high bits of this byte come from self
  const flip = 0x80 >> bit;
  const mine = self[whole] as number;
  out[whole] = (mine & keep) | (~mine & flip & 0xff) | ((out[whole] as number) & ~(keep | flip) & 0xff);
  return out;
}
