import { describe, expect, it } from 'vitest';
import {
  MetricPathError,
  THRESHOLD_OPS,
  ThresholdParseError,
  evaluateThresholds,
  formatTagSelector,
  formatThreshold,
  parseMetricPath,
  parseTagSelector,
  parseThreshold,
  resolveMetric,
  subMetricKey,
  parseSubMetricKey,
  isPlaceSubMetric,
  type RunReport,
  type ThresholdOp,
} from '../../src/report/index.js';
import { makeReport } from './fixture.js';

const report = makeReport();
const p99 = report.neo!.playoutLatencyMs.p99;

describe('evaluateThresholds', () => {
  it('evaluates every operator', () => {
    const cases: [ThresholdOp, number, boolean][] = [
      ['<', p99 + 1, true],
      ['<', p99, false],
      ['<=', p99, true],
      ['<=', p99 - 0.001, false],
      ['>', p99 - 1, true],
      ['>', p99, false],
      ['>=', p99, true],
      ['>=', p99 + 0.001, false],
      ['==', p99, true],
      ['==', p99 + 1, false],
      ['!=', p99 + 1, true],
      ['!=', p99, false],
    ];
    const results = evaluateThresholds(
      report,
      cases.map(([op, value]) => ({ metric: 'neo.playoutLatencyMs.p99', op, value })),
    );
    expect(results.map((r) => r.ok)).toEqual(cases.map(([, , ok]) => ok));
    expect(results[0]).toEqual({ metric: 'neo.playoutLatencyMs.p99', op: '<', value: p99 + 1, actual: p99, ok: true });
    expect(new Set(cases.map(([op]) => op))).toEqual(new Set(THRESHOLD_OPS));
  });

  it('a missing path gives actual null and fails, whatever the operator', () => {
    const results = evaluateThresholds(report, [
      { metric: 'dht.successRate', op: '>=', value: 0 },
      { metric: 'neo.playoutLatencyMs.p42', op: '!=', value: 1 },
      { metric: 'lockstep.turnLatencyMs.p99', op: '<', value: 1e9 },
      { metric: 'profile', op: '==', value: 0 }, // present but not a number
      { metric: 'neo', op: '>', value: 0 }, // an object
      { metric: 'not a path', op: '<', value: 1 },
    ]);
    expect(results.map((r) => [r.actual, r.ok])).toEqual([
      [null, false],
      [null, false],
      [report.lockstep!.turnLatencyMs.p99, true],
      [null, false],
      [null, false],
      [null, false],
    ]);
    const noLockstep = makeReport({ lockstep: null });
    expect(evaluateThresholds(noLockstep, [{ metric: 'lockstep.turnLatencyMs.p99', op: '<', value: 1e9 }])[0]).toMatchObject({ actual: null, ok: false });
  });

  it('resolves array indexes, [field=value] selectors, booleans and derived figures', () => {
    const withAttacks = { ...report, attacks: [{ kind: 'replay', attempts: 9, prevented: 9, detected: 7, falsePositives: 0, detectionLatencyRounds: 1 }] } as unknown as RunReport;
    const results = evaluateThresholds(withAttacks, [
      { metric: 'series[0].neoP99', op: '==', value: report.series[0]!.neoP99 as number },
      { metric: 'series[999].neoP99', op: '>', value: 0 },
      { metric: 'thresholds[1].actual', op: '==', value: 288 },
      { metric: 'attacks[kind=replay].prevented', op: '>=', value: 9 },
      { metric: 'attacks[0].detected', op: '==', value: 7 },
      { metric: 'attacks[kind=forge].prevented', op: '>=', value: 0 },
      { metric: 'harness.saturated', op: '==', value: 0 },
      { metric: 'neo.updates.dropRate', op: '<', value: 0.01 },
      { metric: 'throughput.peersAlive', op: '>', value: 50 },
      { metric: 'thresholds.failed', op: '==', value: 1 },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true, true, false, true, true, true, true]);
    expect(results[7]?.actual).toBeCloseTo(288 / (57_312 + 288), 12);
  });

  it('works on a report whose thresholds are not evaluated yet', () => {
    const { thresholds: _t, ...partial } = report;
    expect(evaluateThresholds(partial, [{ metric: 'workers', op: '==', value: 2 }])).toEqual([{ metric: 'workers', op: '==', value: 2, actual: 2, ok: true }]);
  });

  it('does not read inherited properties', () => {
    expect(resolveMetric(report, 'neo.constructor')).toBeNull();
    expect(resolveMetric(report, 'series.length')).toBeNull();
  });

  it('rejects a malformed spec', () => {
    expect(() => evaluateThresholds(report, [{ metric: 'workers', op: '=' as ThresholdOp, value: 2 }])).toThrow(/unknown operator "="/);
    expect(() => evaluateThresholds(report, [{ metric: 'workers', op: '<', value: Number.NaN }])).toThrow(/finite number/);
  });
});

describe('parseThreshold', () => {
  it('parses `metric op value` with every operator, spacing optional', () => {
    expect(parseThreshold('neo.playoutLatencyMs.p99 < 250')).toEqual({ metric: 'neo.playoutLatencyMs.p99', op: '<', value: 250 });
    expect(parseThreshold('neo.updates.dropRate<=0.01')).toEqual({ metric: 'neo.updates.dropRate', op: '<=', value: 0.01 });
    expect(parseThreshold('  dht.successRate >= .99 ')).toEqual({ metric: 'dht.successRate', op: '>=', value: 0.99 });
    expect(parseThreshold('harness.udpKernelDrops == 0')).toEqual({ metric: 'harness.udpKernelDrops', op: '==', value: 0 });
    expect(parseThreshold('neo.stateHashMismatches != 1e3')).toEqual({ metric: 'neo.stateHashMismatches', op: '!=', value: 1000 });
    expect(parseThreshold('series[0].neoP50 > -1.5')).toEqual({ metric: 'series[0].neoP50', op: '>', value: -1.5 });
    expect(parseThreshold('attacks[kind=replay].prevented >= 1')).toEqual({ metric: 'attacks[kind=replay].prevented', op: '>=', value: 1 });
    for (const op of THRESHOLD_OPS) expect(parseThreshold(formatThreshold({ metric: 'workers', op, value: 3 }))).toEqual({ metric: 'workers', op, value: 3 });
  });

  const bad: [string, RegExp][] = [
    ['', /non-empty string like "neo\.playoutLatencyMs\.p99 < 250"/],
    ['neo.playoutLatencyMs.p99 250', /no comparison operator \(expected one of < <= > >= == !=\)/],
    ['neo.playoutLatencyMs.p99 = 250', /"=" is not a comparison operator \(use "==" for equality\)/],
    ['neo.playoutLatencyMs.p99 => 250', /did you mean ">="/],
    ['neo.playoutLatencyMs.p99 =< 250', /did you mean "<="/],
    ['neo.playoutLatencyMs.p99 <> 250', /"<>" is not a comparison operator/],
    ['< 250', /no metric before "<"/],
    ['neo.playoutLatencyMs.p99 <', /no value after "<"/],
    ['neo.playoutLatencyMs.p99 < 250ms', /"250ms" is not a number \(write the bare number/],
    ['neo.playoutLatencyMs.p99 < 1 < 2', /"1 < 2" is not a number/],
    ['neo..p99 < 1', /"neo\.\.p99" is not a metric path: empty field name/],
    ['neo.p99. < 1', /path ends with "\."/],
    ['9lives < 1', /"9lives" is not a field name/],
    ['series[x] < 1', /must be an array index like \[0\] or a selector like \[kind=replay\]/],
    ['series[0 < 1', /unclosed "\["/],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      expect(() => parseThreshold(text)).toThrow(ThresholdParseError);
      expect(() => parseThreshold(text)).toThrow(message);
    });
  }

  it('quotes the input in its errors', () => {
    expect(() => parseThreshold('neo.playoutLatencyMs.p99 < fast')).toThrow('threshold "neo.playoutLatencyMs.p99 < fast": "fast" is not a number');
  });
});

describe('parseMetricPath', () => {
  it('parses keys, indexes and selectors', () => {
    expect(parseMetricPath('attacks[kind=replay].prevented')).toEqual([
      { kind: 'key', key: 'attacks' },
      { kind: 'match', key: 'kind', value: 'replay' },
      { kind: 'key', key: 'prevented' },
    ]);
    expect(parseMetricPath('series[12].neoP99')).toEqual([
      { kind: 'key', key: 'series' },
      { kind: 'index', index: 12 },
      { kind: 'key', key: 'neoP99' },
    ]);
  });
});

describe('tag selectors and sub-metrics', () => {
  it('parses a selector after field names, negation and conjunction included', () => {
    expect(parseMetricPath('neo.playoutLatencyMs{receiver:!slow, sender:honest}.p99')).toEqual([
      { kind: 'key', key: 'neo' },
      { kind: 'key', key: 'playoutLatencyMs' },
      {
        kind: 'tags',
        filters: [
          { dimension: 'receiver', value: 'slow', negated: true },
          { dimension: 'sender', value: 'honest', negated: false },
        ],
      },
      { kind: 'key', key: 'p99' },
    ]);
  });

  it('spells a selector one way whatever the order it was written in', () => {
    const a = parseTagSelector('receiver:!slow,sender:honest');
    const b = parseTagSelector(' sender:honest , receiver: !slow ');
    expect(formatTagSelector(a)).toBe('{sender:honest,receiver:!slow}');
    expect(subMetricKey('neo.playoutLatencyMs', b)).toBe('neo.playoutLatencyMs{sender:honest,receiver:!slow}');
  });

  const bad: [string, RegExp][] = [
    ['neo.playoutLatencyMs{}.p99', /it is empty/],
    ['neo.playoutLatencyMs{receiver}.p99', /needs a dimension and a value/],
    ['neo.playoutLatencyMs{colour:red}.p99', /"colour" is not a dimension \(expected group, shard, sender, receiver\)/],
    ['neo.playoutLatencyMs{group:x}.p99', /"x" is not a group number/],
    ['neo.playoutLatencyMs{receiver:9}.p99', /"9" is not a tag name/],
    ['neo.playoutLatencyMs{group:1,receiver:slow}.p99', /group and shard cannot be combined with sender or receiver/],
    ['neo.playoutLatencyMs{receiver:slow.p99', /unclosed "\{"/],
    ['neo.playoutLatencyMs{receiver:slow}p99', /unexpected "p" after a tag selector/],
    ['attacks[0].latency{receiver:slow}.p99', /a tag selector follows field names only/],
  ];
  for (const [path, message] of bad) {
    it(`rejects ${JSON.stringify(path)}`, () => {
      expect(() => parseMetricPath(path)).toThrow(MetricPathError);
      expect(() => parseMetricPath(path)).toThrow(message);
      expect(() => parseThreshold(`${path} < 1`)).toThrow(ThresholdParseError);
    });
  }

  it('reads a subMetrics key back into its metric and selector', () => {
    const filters = parseTagSelector('sender:honest,receiver:!slow');
    expect(parseSubMetricKey(subMetricKey('neo.playoutLatencyMs', filters))).toEqual({ metric: 'neo.playoutLatencyMs', filters });
    expect(parseSubMetricKey('neo.playoutLatencyMs')).toBeNull();
    expect(parseSubMetricKey('neo.playoutLatencyMs{colour:red}')).toBeNull();
    expect(isPlaceSubMetric('neo.playoutLatencyMs{group:3}')).toBe(true);
    expect(isPlaceSubMetric('lockstep.turnLatencyMs{shard:0}')).toBe(true);
    expect(isPlaceSubMetric('neo.playoutLatencyMs{receiver:!slow}')).toBe(false);
  });

  it('resolves a sub-metric from report.subMetrics, however the selector is spelled', () => {
    const slow = report.subMetrics?.['neo.playoutLatencyMs{receiver:slow}'];
    expect(resolveMetric(report, 'neo.playoutLatencyMs{receiver:slow}.p99')).toBe(slow?.p99);
    expect(resolveMetric(report, 'neo.playoutLatencyMs{ receiver : slow }.count')).toBe(slow?.count);
    expect(resolveMetric(report, 'neo.playoutLatencyMs{receiver:honest}.p99')).toBeNull();
    expect(resolveMetric({ ...report, subMetrics: undefined } as RunReport, 'neo.playoutLatencyMs{receiver:slow}.p99')).toBeNull();
  });

  it('reads `!` inside a selector as negation, not as an operator', () => {
    expect(parseThreshold('neo.playoutLatencyMs{receiver:!slow}.p99 != 3')).toEqual({ metric: 'neo.playoutLatencyMs{receiver:!slow}.p99', op: '!=', value: 3 });
  });

  it('takes a bound from another figure of the run: factor * metric', () => {
    const spec = parseThreshold('lockstep.turnLatencyMs{receiver:!slow}.p99 >= 2 * neo.playoutLatencyMs{receiver:!slow}.p99');
    expect(spec).toEqual({ metric: 'lockstep.turnLatencyMs{receiver:!slow}.p99', op: '>=', value: 2, times: 'neo.playoutLatencyMs{receiver:!slow}.p99' });
    expect(formatThreshold(spec)).toBe('lockstep.turnLatencyMs{receiver:!slow}.p99 >= 2 * neo.playoutLatencyMs{receiver:!slow}.p99');
    const fast = report.subMetrics?.['neo.playoutLatencyMs{receiver:!slow}']?.p99 as number;
    const lockstep = report.subMetrics?.['lockstep.turnLatencyMs{receiver:!slow}']?.p99 as number;
    const [held] = evaluateThresholds(report, [spec]);
    expect(held).toMatchObject({ actual: lockstep, value: 2 * fast, ok: lockstep >= 2 * fast, times: { metric: spec.times, factor: 2, actual: fast } });
    expect(held?.ok).toBe(true);
    const [tooMuch] = evaluateThresholds(report, [{ ...spec, value: 100 }]);
    expect(tooMuch?.ok).toBe(false);
    // A bound from a figure the run does not have fails, and says so.
    const [missing] = evaluateThresholds(report, [{ ...spec, times: 'neo.playoutLatencyMs{receiver:honest}.p99' }]);
    expect(missing).toMatchObject({ ok: false, value: 0, times: { actual: null } });
    expect(() => parseThreshold('a.b < 2 *')).toThrow(/no metric after "\*"/);
    expect(() => parseThreshold('a.b < x * a.c')).toThrow(/"x" is not a number/);
    expect(() => parseThreshold('a.b < 2 * a..c')).toThrow(/empty field name/);
  });
});
