import { canonicalSeed, deriveState, type RngSeed } from './seed.js';
import { Xoshiro128ss } from './xoshiro128.js';

/** A deterministic stream of random numbers. Not for cryptography (keys, nonces): use node:crypto. */
export interface Rng {
  /** The canonical form of the root seed this stream (and all its forks) derive from. */
  readonly seed: string;
  /** Fork labels from the root to this stream; empty for the root. */
  readonly path: readonly string[];
  /** Uniform integer in [0, 2^32). */
  nextU32(): number;
  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number;
  /** Uniform integer in [0, maxExclusive), without modulo bias. maxExclusive: safe integer >= 1. */
  int(maxExclusive: number): number;
  /** Uniform float in [min, max); returns min when min === max. */
  range(min: number, max: number): number;
  /** true with probability p. */
  bool(p: number): boolean;
  normal(mean: number, std: number): number;
  /** Exponential with the given mean (rate 1/mean). */
  exponential(mean: number): number;
  /** Pareto type I: support [scale, ∞), P(X > x) = (scale/x)^shape. Mean is infinite when shape <= 1. */
  pareto(scale: number, shape: number): number;
  /** Weibull: P(X > x) = exp(-(x/scale)^shape). shape 1 is exponential with mean `scale`. */
  weibull(scale: number, shape: number): number;
  bytes(n: number): Uint8Array;
  pick<T>(array: readonly T[]): T;
  /** Fisher–Yates, in place; returns the same array. */
  shuffle<T>(array: T[]): T[];
  /**
   * An independent stream derived from the root seed and the label path (this stream's path plus
   * `label`), never from this stream's current state: how much anyone has drawn from any stream
   * does not change what a fork produces, and adding a consumer never shifts anyone else's numbers.
   */
  fork(label: string): Rng;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

export function createRng(seed: RngSeed): Rng {
  return new XoshiroRng(canonicalSeed(seed), []);
}

class XoshiroRng implements Rng {
  readonly seed: string;
  readonly path: readonly string[];
  private readonly gen: Xoshiro128ss;
  // Marsaglia's polar method yields normals in pairs; the second is kept for the next call.
  private spareNormal: number | undefined;

  constructor(seed: string, path: readonly string[]) {
    this.seed = seed;
    this.path = Object.freeze([...path]);
    const [a, b, c, d] = deriveState(seed, path);
    this.gen = new Xoshiro128ss(a, b, c, d);
  }

  nextU32(): number {
    return this.gen.nextU32();
  }

  float(): number {
    const hi = this.gen.nextU32() >>> 5;
    const lo = this.gen.nextU32() >>> 6;
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  int(maxExclusive: number): number {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive < 1) {
      throw new RangeError(`Rng.int: maxExclusive must be a safe integer >= 1, got ${maxExclusive}`);
    }
    // Rejection of the top partial bucket: plain `x % n` would favour small results.
    if (maxExclusive <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive);
      for (;;) {
        const x = this.gen.nextU32();
        if (x < limit) return x % maxExclusive;
      }
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % maxExclusive);
    for (;;) {
      const x = (this.gen.nextU32() >>> 5) * 67108864 + (this.gen.nextU32() >>> 6);
      if (x < limit) return x % maxExclusive;
    }
  }

  range(min: number, max: number): number {
    requireFinite('Rng.range', 'min', min);
    requireFinite('Rng.range', 'max', max);
    if (min > max) throw new RangeError(`Rng.range: min must be <= max, got min=${min}, max=${max}`);
    if (min === max) return min;
    // min + u*(max-min) can round up to max itself; redraw rather than bend the distribution.
    for (;;) {
      const x = min + this.float() * (max - min);
      if (x < max) return x;
    }
  }

  bool(p: number): boolean {
    requireProbability('Rng.bool', 'p', p);
    return this.float() < p;
  }

  normal(mean: number, std: number): number {
    requireFinite('Rng.normal', 'mean', mean);
    requireNonNegative('Rng.normal', 'std', std);
    const spare = this.spareNormal;
    if (spare !== undefined) {
      this.spareNormal = undefined;
      return mean + std * spare;
    }
    for (;;) {
      const u = 2 * this.float() - 1;
      const v = 2 * this.float() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * m;
        return mean + std * (u * m);
      }
    }
  }

  exponential(mean: number): number {
    requireNonNegative('Rng.exponential', 'mean', mean);
    // 1 - float() is in (0, 1], so the log is finite.
    return -mean * Math.log(1 - this.float());
  }

  pareto(scale: number, shape: number): number {
    requirePositive('Rng.pareto', 'scale', scale);
    requirePositive('Rng.pareto', 'shape', shape);
    return scale * Math.pow(1 - this.float(), -1 / shape);
  }

  weibull(scale: number, shape: number): number {
    requirePositive('Rng.weibull', 'scale', scale);
    requirePositive('Rng.weibull', 'shape', shape);
    return scale * Math.pow(-Math.log(1 - this.float()), 1 / shape);
  }

  bytes(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Rng.bytes: n must be a safe integer >= 0, got ${n}`);
    const out = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      let x = this.gen.nextU32();
      for (let k = 0; k < 4 && i < n; k++, i++) {
        out[i] = x & 0xff;
        x >>>= 8;
      }
    }
    return out;
  }

  pick<T>(array: readonly T[]): T {
    if (array.length === 0) throw new RangeError('Rng.pick: array must not be empty');
    return array[this.int(array.length)] as T;
  }

  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i] as T;
      array[i] = array[j] as T;
      array[j] = tmp;
    }
    return array;
  }

  fork(label: string): Rng {
    if (typeof label !== 'string') throw new RangeError(`Rng.fork: label must be a string, got ${typeof label}`);
    return new XoshiroRng(this.seed, [...this.path, label]);
  }
}

function requireFinite(fn: string, name: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`${fn}: ${name} must be a finite number, got ${x}`);
}

function requireNonNegative(fn: string, name: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
    throw new RangeError(`${fn}: ${name} must be a finite number >= 0, got ${x}`);
  }
}

function requirePositive(fn: string, name: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new RangeError(`${fn}: ${name} must be a finite number > 0, got ${x}`);
  }
}

function requireProbability(fn: string, name: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${fn}: ${name} must be in [0,1], got ${p}`);
}
