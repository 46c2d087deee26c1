import { describe, expect, it } from 'vitest';
import { createLinkShaper, validateShapingConfig, type LinkProfile, type ShapingConfig, type ShapingDecision } from '../../src/net/shaping/index.js';
import { createRng } from '../../src/random/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { A, B, C, D, T0, makeShaper } from './helpers.js';

const everything: LinkProfile = {
  delay: { kind: 'normal', meanMs: 40, stdMs: 10 },
  jitterMs: 5,
  loss: { kind: 'gilbert-elliott', pGoodToBad: 0.02, pBadToGood: 0.3, lossInGood: 0.01, lossInBad: 0.7 },
  duplicate: 0.05,
  reorder: { p: 0.05, extraDelayMs: 30 },
  bandwidthBps: 2_000_000,
  queueLimitBytes: 20_000,
};

/** A fixed traffic pattern on A→B: sizes and gaps from their own stream, not the shaper's. */
function traffic(n: number): { t: number; bytes: number }[] {
  const r = createRng('traffic');
  let t = T0;
  return Array.from({ length: n }, () => {
    t += r.exponential(2);
    return { t, bytes: 60 + r.int(1140) };
  });
}

function runAB(config: ShapingConfig, seed: number, interleave?: (s: ReturnType<typeof makeShaper>['shaper'], t: number) => void): ShapingDecision[] {
  const { shaper } = makeShaper(config, seed);
  return traffic(5000).map(({ t, bytes }) => {
    interleave?.(shaper, t);
    return shaper.outbound(A, B, bytes, t);
  });
}

describe('determinism', () => {
  const config: ShapingConfig = { default: everything };

  it('same seed, same traffic: identical decisions', () => {
    const a = runAB(config, 7);
    expect(runAB(config, 7)).toEqual(a);
    // Every feature actually fired, so the comparison means something.
    expect(a.some((d) => d.drop === 'loss')).toBe(true);
    expect(a.some((d) => d.duplicated)).toBe(true);
    expect(a.some((d) => d.reordered)).toBe(true);
  });

  it('a different seed gives different decisions', () => {
    expect(runAB(config, 8)).not.toEqual(runAB(config, 7));
  });

  it("traffic on other links does not change this link's decisions", () => {
    const alone = runAB(config, 7);
    const busy = runAB(config, 7, (s, t) => {
      s.outbound(C, D, 500, t);
      s.outbound(B, A, 500, t);
      s.outbound(A, C, 500, t); // shares A, but A has no access link here
      s.inbound(B, C, 500, t);
    });
    expect(busy).toEqual(alone);
  });

  it("a link's outcomes do not depend on which links were created first", () => {
    const { shaper } = makeShaper(config, 7);
    for (const ep of [C, D, '10.0.0.1:1']) shaper.outbound(ep, B, 100, T0);
    const late = traffic(500).map(({ t, bytes }) => shaper.outbound(A, B, bytes, t));
    expect(late).toEqual(runAB(config, 7).slice(0, 500));
  });

  it('turning one knob does not reshuffle the others: the loss pattern ignores duplication and delay', () => {
    const lossOnly = runAB({ default: { loss: everything.loss } }, 7).map((d) => d.drop === 'loss');
    const plus = runAB({ default: { loss: everything.loss, duplicate: 0.3, delay: { kind: 'uniform', minMs: 1, maxMs: 9 } } }, 7).map(
      (d) => d.drop === 'loss',
    );
    expect(plus).toEqual(lossOnly);
  });

  it('a shared access uplink couples the links behind it, as it should', () => {
    const up: ShapingConfig = { accessLinks: { [A]: { up: { bandwidthBps: 100_000 } } } };
    const alone = runAB(up, 7);
    const busy = runAB(up, 7, (s, t) => s.outbound(A, C, 1000, t));
    expect(busy).not.toEqual(alone);
  });
});

describe('stats', () => {
  it('counts outcomes by kind', () => {
    const { shaper } = makeShaper({
      default: { loss: { kind: 'bernoulli', p: 0.5 }, duplicate: 0.5 },
      partitions: [{ name: 'p', sides: [[A], [C]], startMs: 0, endMs: 10 }],
    });
    const ds = Array.from({ length: 1000 }, (_, i) => shaper.outbound(A, B, 10, T0 + 10 + i));
    shaper.outbound(A, C, 10, T0);
    shaper.inbound(B, A, 10, T0);
    const s = shaper.stats();
    expect(s.outbound).toBe(1001);
    expect(s.inbound).toBe(1);
    expect(s.dropped.partition).toBe(1);
    expect(s.dropped.loss).toBe(ds.filter((d) => d.drop === 'loss').length);
    expect(s.duplicated).toBe(ds.filter((d) => d.duplicated).length);
    expect(s.deliveries).toBe(ds.reduce((n, d) => n + d.deliveries.length, 0) + 1);
    s.dropped.loss = -1; // a snapshot, not a live view
    expect(shaper.stats().dropped.loss).toBeGreaterThan(0);
  });
});

describe('configuration validation', () => {
  const good: LinkProfile = { delay: { kind: 'constant', ms: 1 } };
  const bad = (config: unknown) => () => createLinkShaper(config as ShapingConfig, { rng: createRng(1), clock: new ManualClock() });

  it.each<[string, unknown, string]>([
    ['p out of range on links[2]', { links: [{ from: A, to: B, profile: good }, { from: B, to: A, profile: good }, { from: A, to: C, profile: { loss: { kind: 'bernoulli', p: 1.5 } } }] }, 'links[2].profile.loss.p must be in [0,1]'],
    ['negative constant delay', { default: { delay: { kind: 'constant', ms: -1 } } }, 'default.delay.ms must be a finite number >= 0'],
    ['NaN jitter', { default: { jitterMs: Number.NaN } }, 'default.jitterMs must be a finite number >= 0, got NaN'],
    ['uniform max < min', { default: { delay: { kind: 'uniform', minMs: 5, maxMs: 2 } } }, 'default.delay.maxMs must be >= minMs'],
    ['pareto shape 0', { default: { delay: { kind: 'pareto', scaleMs: 1, shape: 0 } } }, 'default.delay.shape must be a finite number > 0'],
    ['unknown delay kind', { default: { delay: { kind: 'lognormal', ms: 1 } } }, 'default.delay.kind must be one of constant, uniform, normal, pareto'],
    ['unknown loss kind', { default: { loss: { kind: 'burst' } } }, 'default.loss.kind must be one of bernoulli, gilbert-elliott'],
    ['GE probability', { default: { loss: { kind: 'gilbert-elliott', pGoodToBad: 0.1, pBadToGood: -0.1, lossInGood: 0, lossInBad: 1 } } }, 'default.loss.pBadToGood must be in [0,1]'],
    ['duplicate > 1', { default: { duplicate: 2 } }, 'default.duplicate must be in [0,1]'],
    ['reorder negative extra', { default: { reorder: { p: 0.1, extraDelayMs: -5 } } }, 'default.reorder.extraDelayMs must be a finite number >= 0'],
    ['zero bandwidth', { default: { bandwidthBps: 0 } }, 'default.bandwidthBps must be a finite number > 0'],
    ['queue without bandwidth', { default: { queueLimitBytes: 1000 } }, 'default.queueLimitBytes needs default.bandwidthBps'],
    ['misspelt field', { default: { jiterMs: 5 } }, 'default.jiterMs is not a known field'],
    ['misspelt top-level field', { partition: [] }, 'partition is not a known field'],
    ['access link profile', { accessLinks: { [A]: { up: { loss: { kind: 'bernoulli', p: -1 } } } } }, `accessLinks["${A}"].up.loss.p must be in [0,1]`],
    ['access link direction', { accessLinks: { [A]: { upload: {} } } }, `accessLinks["${A}"].upload is not a known field`],
    ['empty endpoint', { links: [{ from: '', to: B, profile: good }] }, 'links[0].from must be a non-empty endpoint string'],
    ['duplicate rule', { links: [{ from: A, to: B, profile: good }, { from: A, to: B, profile: {} }] }, 'links[1] duplicates links[0]'],
    ['one-sided partition', { partitions: [{ name: 'x', sides: [[A]], startMs: 0, endMs: 1 }] }, 'partitions[0].sides must list at least 2 sides'],
    ['overlapping sides', { partitions: [{ name: 'x', sides: [[A, B], [C, A]], startMs: 0, endMs: 1 }] }, 'partitions[0].sides[1][1] 127.0.0.1:40001 is also on sides[0]'],
    ['window backwards', { partitions: [{ name: 'x', sides: [[A], [B]], startMs: 10, endMs: 5 }] }, 'partitions[0].endMs must be a number >= startMs'],
    ['negative start', { partitions: [{ name: 'x', sides: [[A], [B]], startMs: -1, endMs: 5 }] }, 'partitions[0].startMs must be a finite number >= 0'],
    ['duplicate partition name', { partitions: [{ name: 'x', sides: [[A], [B]], startMs: 0, endMs: 5 }, { name: 'x', sides: [[A], [C]], startMs: 0, endMs: 5 }] }, 'partitions[1].name "x" is used by an earlier partition'],
    ['not an object', 42, 'shaping config must be an object'],
  ])('%s', (_name, config, message) => {
    expect(bad(config)).toThrow(RangeError);
    expect(bad(config)).toThrow(message);
  });

  it('accepts a full, valid configuration, including a partition that never heals', () => {
    const config: ShapingConfig = {
      default: everything,
      links: [{ from: A, to: B, profile: { delay: { kind: 'uniform', minMs: 0, maxMs: 0 } } }],
      accessLinks: { [A]: { up: everything, down: {} }, [B]: {} },
      partitions: [{ name: 'forever', sides: [[A], [B, C]], startMs: 0, endMs: Infinity }],
    };
    expect(() => validateShapingConfig(config)).not.toThrow();
    expect(bad(config)).not.toThrow();
  });

  it('prefixes paths for a profile loader', () => {
    expect(() => validateShapingConfig({ default: { duplicate: -1 } }, 'network.shaping')).toThrow('network.shaping.default.duplicate must be in [0,1]');
  });

  it('rejects bad per-call arguments', () => {
    const { shaper } = makeShaper({ default: good });
    expect(() => shaper.outbound(A, B, -1)).toThrow(/bytes/);
    expect(() => shaper.inbound(B, A, Number.NaN)).toThrow(/bytes/);
    expect(() => shaper.outbound(A, B, 10, Number.NaN)).toThrow(/nowMs/);
  });
});
