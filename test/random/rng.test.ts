import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../src/random/index.js';
import { Xoshiro128ss } from '../../src/random/xoshiro128.js';
import { chiSquare, chiSquareCritical, expectMean, expectQuantile, expectRate, sampleStd } from './stats.js';

const N = 20_000;

function draw(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

function u32s(rng: Rng, n: number): number[] {
  return draw(n, () => rng.nextU32());
}

describe('xoshiro128** core', () => {
  it('matches the reference C implementation', () => {
    // Output of the authors' xoshiro128starstar.c for these states.
    const a = new Xoshiro128ss(1, 2, 3, 4);
    expect(draw(6, () => a.nextU32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
    const b = new Xoshiro128ss(0x9e3779b9, 0xdeadbeef, 0x01234567, 0x89abcdef);
    expect(draw(6, () => b.nextU32())).toEqual([1162347276, 3455143876, 3487076672, 3184597400, 1772267478, 780180212]);
  });

  it('never runs from the all-zero state', () => {
    const z = new Xoshiro128ss(0, 0, 0, 0);
    expect(draw(4, () => z.nextU32()).some((x) => x !== 0)).toBe(true);
  });
});

describe('seeding', () => {
  it('same seed, same sequence', () => {
    expect(u32s(createRng(42), 100)).toEqual(u32s(createRng(42), 100));
    expect(u32s(createRng('hello'), 100)).toEqual(u32s(createRng('hello'), 100));
  });

  it('numbers, bigints and numeric strings spelling the same integer are the same seed', () => {
    const ref = u32s(createRng(42), 20);
    expect(u32s(createRng(42n), 20)).toEqual(ref);
    expect(u32s(createRng('42'), 20)).toEqual(ref);
    expect(u32s(createRng(' +042 '), 20)).toEqual(ref);
    expect(u32s(createRng(-0), 20)).toEqual(u32s(createRng(0), 20));
    expect(createRng('42').seed).toBe('42');
    expect(u32s(createRng(2n ** 80n), 5)).toEqual(u32s(createRng('1208925819614629174706176'), 5));
  });

  it('different seeds, different sequences', () => {
    const seen = new Set<string>();
    for (const s of [0, 1, 2, -1, 42, 'a', 'b', 'A', '', 2n ** 64n]) seen.add(u32s(createRng(s), 4).join(','));
    expect(seen.size).toBe(10);
  });

  it('rejects seeds that cannot be reproduced exactly', () => {
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(/seed/);
    expect(() => createRng(2 ** 60)).toThrow(RangeError);
  });
});

describe('fork', () => {
  it('different labels give different streams; the same label the same stream', () => {
    const root = createRng(7);
    const a = u32s(root.fork('a'), 50);
    expect(u32s(root.fork('a'), 50)).toEqual(a);
    expect(u32s(root.fork('b'), 50)).not.toEqual(a);
    expect(u32s(root.fork(''), 50)).not.toEqual(u32s(createRng(7), 50));
  });

  it('depends on the root seed and label only, not on how much anyone has drawn', () => {
    const fresh = u32s(createRng(7).fork('x'), 50);
    const used = createRng(7);
    u32s(used, 1000);
    used.fork('other');
    expect(u32s(used.fork('x'), 50)).toEqual(fresh);
    // …and a fork's draws do not move the parent.
    const p1 = createRng(7);
    u32s(p1.fork('x'), 500);
    expect(u32s(p1, 20)).toEqual(u32s(createRng(7), 20));
  });

  it('forks of forks compose labels unambiguously', () => {
    const root = createRng(7);
    const ab = root.fork('a').fork('b');
    expect(ab.path).toEqual(['a', 'b']);
    expect(u32s(ab, 20)).toEqual(u32s(createRng(7).fork('a').fork('b'), 20));
    // A fork of a fork is derived from the root too: drawing from the middle changes nothing.
    const mid = createRng(7).fork('a');
    u32s(mid, 100);
    expect(u32s(mid.fork('b'), 20)).toEqual(u32s(createRng(7).fork('a').fork('b'), 20));
    const variants = [root.fork('a/b'), root.fork('ab'), root.fork('b').fork('a'), root.fork('a').fork('b'), createRng(8).fork('a').fork('b')];
    expect(new Set(variants.map((r) => u32s(r, 4).join(','))).size).toBe(5);
  });

  it('forked streams are uncorrelated with each other', () => {
    const root = createRng(99);
    const l = root.fork('left');
    const r = root.fork('right');
    const a = draw(N, () => l.float() - 0.5);
    const b = draw(N, () => r.float() - 0.5);
    const corr = a.reduce((s, v, i) => s + v * (b[i] as number), 0) / (N / 12);
    // Correlation of independent uniforms has standard error 1/sqrt(N).
    expect(Math.abs(corr)).toBeLessThan(5 / Math.sqrt(N));
  });
});

describe('uniform draws', () => {
  const rng = createRng('uniform');

  it('float is in [0,1) with mean 1/2 and variance 1/12', () => {
    const xs = draw(N, () => rng.float());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expectMean(xs, 0.5, Math.sqrt(1 / 12));
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.99]) expectQuantile(xs, q, q);
  });

  it('int is unbiased over small ranges (chi-square)', () => {
    for (const n of [2, 3, 5, 7, 10, 100]) {
      const counts = new Array<number>(n).fill(0);
      const draws = 2000 * n;
      for (let i = 0; i < draws; i++) {
        const k = rng.int(n);
        counts[k] = (counts[k] as number) + 1;
      }
      expect(chiSquare(counts, new Array<number>(n).fill(2000)), `n=${n}`).toBeLessThan(chiSquareCritical(n - 1));
    }
  });

  it('int has no modulo bias even when the range is close to 2^32', () => {
    // With x % n, values below 2^32 - n = 2^30 would come up with probability 1/2, not 1/3.
    const n = 3 * 2 ** 30;
    let low = 0;
    for (let i = 0; i < N; i++) if (rng.int(n) < 2 ** 30) low++;
    expectRate(low, N, 1 / 3);
  });

  it('int covers ranges beyond 2^32', () => {
    const n = 2 ** 40 + 3;
    const xs = draw(N, () => rng.int(n));
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < n)).toBe(true);
    expectMean(xs, (n - 1) / 2, n / Math.sqrt(12));
    expect(rng.int(1)).toBe(0);
    expect(rng.int(2 ** 32)).toBeLessThan(2 ** 32);
  });

  it('range is in [min,max) with the right mean', () => {
    const xs = draw(N, () => rng.range(-3, 5));
    expect(xs.every((x) => x >= -3 && x < 5)).toBe(true);
    expectMean(xs, 1, 8 / Math.sqrt(12));
    expect(rng.range(2, 2)).toBe(2);
  });

  it('bool(p) has rate p', () => {
    for (const p of [0, 0.01, 0.3, 0.5, 0.97, 1]) {
      let hits = 0;
      for (let i = 0; i < N; i++) if (rng.bool(p)) hits++;
      expectRate(hits, N, p);
    }
  });

  it('bytes are uniform and deterministic', () => {
    expect(createRng(1).bytes(37)).toEqual(createRng(1).bytes(37));
    expect(rng.bytes(0)).toHaveLength(0);
    const b = rng.bytes(256 * 400);
    const counts = new Array<number>(256).fill(0);
    for (const x of b) counts[x] = (counts[x] as number) + 1;
    expect(chiSquare(counts, new Array<number>(256).fill(400))).toBeLessThan(chiSquareCritical(255));
  });

  it('pick reaches every element evenly', () => {
    const items = ['a', 'b', 'c', 'd'] as const;
    const counts = new Map<string, number>();
    for (let i = 0; i < 8000; i++) {
      const x = rng.pick(items);
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    expect(chiSquare(items.map((k) => counts.get(k) ?? 0), [2000, 2000, 2000, 2000])).toBeLessThan(chiSquareCritical(3));
  });

  it('shuffle permutes in place, every permutation equally likely', () => {
    const arr = [1, 2, 3, 4, 5, 6, 7, 8];
    const same = rng.shuffle(arr);
    expect(same).toBe(arr);
    expect([...arr].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 12_000; i++) {
      const k = rng.shuffle(['a', 'b', 'c']).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    expect(chiSquare([...counts.values()], new Array<number>(6).fill(2000))).toBeLessThan(chiSquareCritical(5));
  });

  it('keeps its ranges for arbitrary seeds and arguments (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string(), fc.bigInt()), fc.integer({ min: 1, max: 2 ** 40 }), (seed, n) => {
        const r = createRng(seed);
        const f = r.float();
        const k = r.int(n);
        return f >= 0 && f < 1 && Number.isInteger(k) && k >= 0 && k < n;
      }),
      { seed: 20240501 },
    );
  });
});

describe('distributions', () => {
  const rng = createRng('distributions');

  it('normal: mean, std and quantiles', () => {
    const xs = draw(N, () => rng.normal(10, 3));
    expectMean(xs, 10, 3);
    expect(Math.abs(sampleStd(xs) - 3)).toBeLessThan(5 * 3 / Math.sqrt(2 * N));
    // Φ(-1.96), Φ(-1), Φ(0), Φ(1), Φ(1.96)
    for (const [z, q] of [[-1.96, 0.025], [-1, 0.158655], [0, 0.5], [1, 0.841345], [1.96, 0.975]] as const) {
      expectQuantile(xs, q, 10 + 3 * z);
    }
    expect(rng.normal(5, 0)).toBe(5);
  });

  it('exponential: mean and quantiles', () => {
    const xs = draw(N, () => rng.exponential(4));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expectMean(xs, 4, 4);
    for (const q of [0.1, 0.5, 0.9, 0.99]) expectQuantile(xs, q, -4 * Math.log(1 - q));
  });

  it('pareto (type I): support starts at scale, quantiles follow (1-q)^(-1/shape)', () => {
    for (const shape of [1.1, 2.5]) {
      const xs = draw(N, () => rng.pareto(20, shape));
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(20);
      for (const q of [0.1, 0.5, 0.9, 0.99]) expectQuantile(xs, q, 20 * Math.pow(1 - q, -1 / shape));
    }
    // Finite variance for shape > 2: mean = shape·xm/(shape-1).
    const s = 3;
    const ys = draw(N, () => rng.pareto(10, s));
    expectMean(ys, (s * 10) / (s - 1), Math.sqrt((10 * 10 * s) / ((s - 1) ** 2 * (s - 2))));
  });

  it('weibull: quantiles and mean', () => {
    const xs = draw(N, () => rng.weibull(100, 2));
    for (const q of [0.1, 0.5, 0.9, 0.99]) expectQuantile(xs, q, 100 * Math.pow(-Math.log(1 - q), 1 / 2));
    // k = 2: mean = λ·√π/2, variance = λ²(1 − π/4).
    expectMean(xs, (100 * Math.sqrt(Math.PI)) / 2, 100 * Math.sqrt(1 - Math.PI / 4));
    const ex = draw(N, () => rng.weibull(7, 1));
    expectMean(ex, 7, 7);
  });
});

describe('programmer misuse throws RangeError naming the argument', () => {
  const rng = createRng(0);
  it.each([
    ['int(0)', () => rng.int(0), /maxExclusive/],
    ['int(1.5)', () => rng.int(1.5), /maxExclusive/],
    ['int(NaN)', () => rng.int(Number.NaN), /maxExclusive/],
    ['range(2,1)', () => rng.range(2, 1), /min must be <= max/],
    ['range(NaN,1)', () => rng.range(Number.NaN, 1), /min/],
    ['bool(1.5)', () => rng.bool(1.5), /p must be in \[0,1\]/],
    ['bool(NaN)', () => rng.bool(Number.NaN), /p must be in \[0,1\]/],
    ['normal(0,-1)', () => rng.normal(0, -1), /std/],
    ['exponential(-1)', () => rng.exponential(-1), /mean/],
    ['pareto(0,1)', () => rng.pareto(0, 1), /scale/],
    ['pareto(1,0)', () => rng.pareto(1, 0), /shape/],
    ['weibull(1,-2)', () => rng.weibull(1, -2), /shape/],
    ['bytes(-1)', () => rng.bytes(-1), /n must be/],
    ['pick([])', () => rng.pick([]), /empty/],
  ])('%s', (_name, f, message) => {
    expect(f).toThrow(RangeError);
    expect(f).toThrow(message);
  });
});
