import { describe, expect, it } from 'vitest';
import { chooseExecutors, drawAllColludersProbability, escapeFigures, escapeProbability, executorsFor, isChosenExecutor, wilsonInterval95, type ExecutorDraw } from '../../src/compute/index.js';
import { createEd25519, equalBytes, sha256 } from '../../src/crypto/index.js';
import { createRng } from '../../src/random/index.js';

const ed = createEd25519('native');
const keys = (label: string, n: number) => Array.from({ length: n }, (_, i) => ed.createSigner(createRng(label).fork(`key:${i}`).bytes(32)).publicKey);
const draw = (epoch: number, state = `state:${epoch}`): ExecutorDraw => ({ processId: new TextEncoder().encode('zone-a/area-3/monsters'), epoch, stateHash: sha256(new TextEncoder().encode(state)) });

describe('the escape bound C(c, r) / C(n, r) and the choice of r', () => {
  it('gives the chance one draw names only colluders: the candidates outside the area first, the area only to make up r', () => {
    // Enough candidates outside: the area's colluders do not matter.
    expect(drawAllColludersProbability({ n: 20, c: 6 }, { n: 5, c: 5 }, 2)).toBeCloseTo(15 / 190, 12);
    // Two outside, both colluders, r = 3: the third executor comes from the area (2 colluders of 4).
    expect(drawAllColludersProbability({ n: 2, c: 2 }, { n: 4, c: 2 }, 3)).toBeCloseTo(2 / 4, 12);
    // An honest candidate outside is always drawn when fewer than r are outside.
    expect(drawAllColludersProbability({ n: 2, c: 1 }, { n: 4, c: 4 }, 3)).toBe(0);
    expect(() => drawAllColludersProbability({ n: 1, c: 0 }, { n: 1, c: 0 }, 3)).toThrow(RangeError);
  });

  it('computes the chance that all r executors drawn from n are among the c colluders', () => {
    expect(escapeProbability(100, 10, 3)).toBeCloseTo(120 / 161_700, 12);
    expect(escapeProbability(20, 6, 2)).toBeCloseTo(15 / 190, 12);
    expect(escapeProbability(10, 10, 4)).toBe(1);
    expect(escapeProbability(10, 2, 3)).toBe(0);
    expect(() => escapeProbability(10, 11, 1)).toThrow(RangeError);
    expect(() => escapeProbability(10, 2, 0)).toThrow(RangeError);
  });

  it('picks the smallest r below the tolerance, with its bound; none when everyone colludes', () => {
    // r = 2 gives 45/4950 = 9.1e-3, r = 3 gives 7.4e-4.
    expect(executorsFor(100, 10, 1e-3)).toEqual({ r: 3, bound: escapeProbability(100, 10, 3) });
    expect(executorsFor(100, 0, 1e-9)).toEqual({ r: 1, bound: 0 });
    expect(executorsFor(20, 6, 0.1)?.r).toBe(2);
    expect(executorsFor(20, 6, 0.1)?.bound).toBeCloseTo(15 / 190, 12);
    expect(executorsFor(8, 8, 0.5)).toBeNull();
    expect(() => executorsFor(8, 2, 0)).toThrow(RangeError);
  });
});

describe('the executor draw', () => {
  const candidates = keys('draw', 12);

  it('is the same for anyone who recomputes it, and changes with the epoch and the agreed state', () => {
    const chosen = chooseExecutors(draw(7), candidates, 3);
    expect(chosen).toHaveLength(3);
    // A third party with the same public inputs, candidates listed in another order, gets the same executors.
    expect(chooseExecutors(draw(7), [...candidates].reverse(), 3)).toEqual(chosen);
    for (const key of chosen) expect(isChosenExecutor(draw(7), candidates, 3, key)).toBe(true);
    expect(candidates.filter((k) => isChosenExecutor(draw(7), candidates, 3, k))).toHaveLength(3);
    const others = [draw(8), draw(7, 'another agreed state'), { ...draw(7), processId: new TextEncoder().encode('zone-a/area-4/monsters') }];
    expect(others.some((d) => !chooseExecutors(d, candidates, 3).every((k, i) => equalBytes(k, chosen[i] as Uint8Array)))).toBe(true);
  });

  it('passes over the players the process affects while enough others remain, and takes them only when it must', () => {
    const affected = candidates.slice(0, 9);
    for (let epoch = 0; epoch < 50; epoch++) {
      const chosen = chooseExecutors(draw(epoch), candidates, 3, affected);
      expect(chosen.every((k) => !affected.some((a) => equalBytes(a, k)))).toBe(true);
      const four = chooseExecutors(draw(epoch), candidates, 4, affected);
      expect(four.filter((k) => affected.some((a) => equalBytes(a, k)))).toHaveLength(1);
    }
  });

  it('draws every candidate about equally often (r / n of the draws each)', () => {
    const counts = new Map(candidates.map((k) => [Buffer.from(k).toString('hex'), 0]));
    const draws = 3000;
    for (let epoch = 0; epoch < draws; epoch++) for (const k of chooseExecutors(draw(epoch), candidates, 3)) counts.set(Buffer.from(k).toString('hex'), (counts.get(Buffer.from(k).toString('hex')) ?? 0) + 1);
    // Expected 3000 · 3/12 = 750 each; the standard deviation is about 24.
    for (const n of counts.values()) expect(Math.abs(n - 750)).toBeLessThan(120);
  });

  it('lets colluders escape as often as the formula says: all r drawn from the c colluders, over 4,000 draws', () => {
    const pool = keys('escape', 20);
    const colluders = pool.slice(0, 6);
    const r = 2;
    let escapes = 0;
    const trials = 4000;
    for (let epoch = 0; epoch < trials; epoch++) {
      const chosen = chooseExecutors(draw(epoch), pool, r);
      if (chosen.every((k) => colluders.some((c) => equalBytes(c, k)))) escapes++;
    }
    const figures = escapeFigures(trials, escapes, escapeProbability(20, 6, r));
    expect(figures.theoreticalEscape).toBeCloseTo(15 / 190, 12);
    expect(figures.formulaInside).toBe(true);
    expect(figures.escapeRate).toBeGreaterThan(0.05);
  });

  it('refuses a programmer\'s misuse', () => {
    expect(() => chooseExecutors(draw(1), candidates, 0)).toThrow(RangeError);
    expect(() => chooseExecutors(draw(1), candidates, 13)).toThrow(RangeError);
    expect(() => chooseExecutors(draw(1), [...candidates, candidates[0] as Uint8Array], 2)).toThrow(RangeError);
    expect(() => chooseExecutors({ ...draw(1), stateHash: new Uint8Array(31) }, candidates, 2)).toThrow(RangeError);
    expect(() => chooseExecutors({ ...draw(1), processId: new Uint8Array(65) }, candidates, 2)).toThrow(RangeError);
    expect(() => chooseExecutors(draw(1), [new Uint8Array(31)], 1)).toThrow(TypeError);
  });
});

describe('the 95 % interval of a measured rate', () => {
  it('is the Wilson score interval', () => {
    const none = wilsonInterval95(0, 10);
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.2775, 4);
    const half = wilsonInterval95(5, 10);
    expect(half.low).toBeCloseTo(0.2366, 4);
    expect(half.high).toBeCloseTo(0.7634, 4);
    expect(wilsonInterval95(0, 0)).toEqual({ low: 0, high: 1 });
    expect(() => wilsonInterval95(11, 10)).toThrow(RangeError);
  });

  it('says whether the formula lies inside it', () => {
    expect(escapeFigures(2000, 20, 0.01)).toMatchObject({ escapeRate: 0.01, formulaInside: true });
    expect(escapeFigures(2000, 60, 0.01)).toMatchObject({ escapeRate: 0.03, formulaInside: false });
  });
});
