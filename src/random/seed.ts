import { createHash } from 'node:crypto';

export type RngSeed = number | bigint | string;

const DOMAIN = 'p2p-mmog/rng/v1';
const utf8 = new TextEncoder();

/**
 * Numbers, bigints and strings that spell the same integer are the same seed, so `--seed 42` on
 * the command line (a string) and `seed: 42` in a YAML profile (a number) reproduce the same run.
 */
export function canonicalSeed(seed: RngSeed): string {
  if (typeof seed === 'bigint') return seed.toString(10);
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`createRng: seed must be a safe integer, a bigint or a string, got ${seed}`);
    }
    // -0 and 0 must not be two different seeds.
    return (seed === 0 ? 0 : seed).toString(10);
  }
  if (typeof seed === 'string') {
    const trimmed = seed.trim();
    if (/^[+-]?\d+$/.test(trimmed)) return BigInt(trimmed).toString(10);
    return seed;
  }
  throw new RangeError(`createRng: seed must be a number, bigint or string, got ${typeof seed}`);
}

/**
 * The 128-bit generator state for (seed, label path). A cryptographic hash, not a cheap mixer,
 * because labels are arbitrary strings chosen by many consumers and two of them must never get
 * correlated streams; it runs once per fork, never per number. Every field is length-prefixed so
 * that no two different paths (e.g. ["a/b"] and ["a", "b"]) encode to the same bytes.
 */
export function deriveState(canonical: string, path: readonly string[]): [number, number, number, number] {
  const parts: Uint8Array[] = [utf8.encode(DOMAIN), utf8.encode(canonical), ...path.map((p) => utf8.encode(p))];
  let total = 4;
  for (const p of parts) total += 4 + p.length;
  const buf = new Uint8Array(total);
  const view = new DataView(buf.buffer);
  view.setUint32(0, parts.length - 2, true);
  let off = 4;
  for (const p of parts) {
    view.setUint32(off, p.length, true);
    buf.set(p, off + 4);
    off += 4 + p.length;
  }
  const digest = createHash('sha256').update(buf).digest();
  const out = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  return [out.getUint32(0, true), out.getUint32(4, true), out.getUint32(8, true), out.getUint32(12, true)];
}
