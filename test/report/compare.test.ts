import { describe, expect, it } from 'vitest';
import { compareReports, hasRegression, renderComparison, type ComparisonRow, type RunReport } from '../../src/report/index.js';
import { makeLegacyReport, makeReport } from './fixture.js';

function row(rows: readonly ComparisonRow[], metric: string): ComparisonRow {
  const r = rows.find((x) => x.metric === metric);
  if (r === undefined) throw new Error(`no row ${metric}`);
  return r;
}

const a = makeReport();
const neoA = a.neo!;

/** B = A with some NEO figures replaced. */
function withNeo(p99: number, updates: Partial<typeof neoA.updates> = {}, extra: Partial<RunReport> = {}): RunReport {
  return makeReport({
    neo: { ...neoA, playoutLatencyMs: { ...neoA.playoutLatencyMs, p99 }, updates: { ...neoA.updates, ...updates } },
    ...extra,
  });
}

describe('compareReports', () => {
  it('diffs the sub-metrics: by tag from either run, by group only where both have the group', () => {
    const a = makeReport();
    const sub = { ...a.subMetrics };
    const slow = sub['neo.playoutLatencyMs{receiver:slow}'];
    if (slow) sub['neo.playoutLatencyMs{receiver:slow}'] = { ...slow, p99: slow.p99 * 2 };
    delete sub['neo.playoutLatencyMs{group:1}'];
    sub['neo.playoutLatencyMs{group:7}'] = sub['neo.playoutLatencyMs{group:0}'] as NonNullable<typeof slow>;
    const rows = compareReports(a, makeReport({ subMetrics: sub }));
    const row = (metric: string) => rows.find((r) => r.metric === metric);
    expect(row('neo.playoutLatencyMs{receiver:slow}.p99')).toMatchObject({ a: slow?.p99, b: (slow?.p99 as number) * 2, regression: true });
    expect(row('neo.playoutLatencyMs{receiver:slow}.p50')?.regression).toBe(false);
    expect(row('neo.playoutLatencyMs{group:0}.p99')?.delta).toBe(0);
    expect(row('neo.playoutLatencyMs{group:1}.p99')).toBeUndefined();
    expect(row('neo.playoutLatencyMs{group:7}.p99')).toBeUndefined();
    expect(renderComparison(rows)).toMatch(/1 REGRESSION: neo\.playoutLatencyMs\{receiver:slow\}\.p99/);
  });

  it('finds no difference between a run and itself', () => {
    const rows = compareReports(a, a);
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.every((r) => r.delta === 0 && r.deltaPct === 0 && !r.worse && !r.regression)).toBe(true);
    expect(hasRegression(rows)).toBe(false);
    // Components not in this build have no rows; contract paths that exist all do.
    expect(rows.some((r) => r.metric.startsWith('dht.'))).toBe(false);
    for (const m of ['neo.playoutLatencyMs.p50', 'neo.playoutLatencyMs.p999', 'neo.updates.accepted', 'neo.updates.dropped', 'lockstep.turnLatencyMs.p99', 'clientServer.serverBytesPerS', 'harness.eventLoopDelayMsP99', 'harness.saturated', 'throughput.bytesPerS']) {
      expect(rows.map((r) => r.metric)).toContain(m);
    }
  });

  it('computes deltas and percentages (B - A, relative to A)', () => {
    const p99 = neoA.playoutLatencyMs.p99;
    const r = row(compareReports(a, withNeo(p99 * 1.25)), 'neo.playoutLatencyMs.p99');
    expect(r.a).toBe(p99);
    expect(r.b).toBe(p99 * 1.25);
    expect(r.delta).toBeCloseTo(p99 * 0.25, 9);
    expect(r.deltaPct).toBeCloseTo(25, 9);
    expect(r.unit).toBe('ms');
    expect(r.better).toBe('lower');
  });

  it('knows the direction: lower is better for latencies and drops, higher for accepted updates', () => {
    const p99 = neoA.playoutLatencyMs.p99;
    const faster = compareReports(a, withNeo(p99 * 0.5, { accepted: neoA.updates.accepted + 5000, dropped: 0 }));
    expect(row(faster, 'neo.playoutLatencyMs.p99')).toMatchObject({ worse: false, regression: false });
    expect(row(faster, 'neo.updates.accepted')).toMatchObject({ worse: false, regression: false });
    expect(row(faster, 'neo.updates.dropped')).toMatchObject({ worse: false, regression: false, deltaPct: -100 });

    const slower = compareReports(a, withNeo(p99 * 2, { accepted: 40_000, dropped: 5000 }));
    expect(row(slower, 'neo.playoutLatencyMs.p99')).toMatchObject({ worse: true, regression: true });
    expect(row(slower, 'neo.updates.accepted')).toMatchObject({ worse: true, regression: true });
    expect(row(slower, 'neo.updates.dropped')).toMatchObject({ worse: true, regression: true });
    expect(row(slower, 'neo.updates.dropRate')).toMatchObject({ worse: true, regression: true });
    // Context rows never count, however much they change.
    const longer = compareReports(a, makeReport({ durationS: 600, peers: { target: 512, peak: 500 } }));
    expect(row(longer, 'durationS')).toMatchObject({ better: 'none', worse: false, regression: false, deltaPct: 1900 });
  });

  it('flags a regression only beyond both the relative threshold and the absolute floor', () => {
    const p99 = neoA.playoutLatencyMs.p99;
    // +5 %: worse, but within 10 %.
    expect(row(compareReports(a, withNeo(p99 * 1.05)), 'neo.playoutLatencyMs.p99')).toMatchObject({ worse: true, regression: false });
    // +11 %: a regression (and well above the 1 ms floor).
    expect(row(compareReports(a, withNeo(p99 * 1.11)), 'neo.playoutLatencyMs.p99')).toMatchObject({ worse: true, regression: true });
    // The threshold is configurable.
    expect(row(compareReports(a, withNeo(p99 * 1.11), { relativeThreshold: 0.2 }), 'neo.playoutLatencyMs.p99').regression).toBe(false);
    expect(row(compareReports(a, withNeo(p99 * 1.05), { relativeThreshold: 0.02 }), 'neo.playoutLatencyMs.p99').regression).toBe(true);

    // +50 % of a tiny value is below the 1 ms floor: noise, not a regression.
    const tiny = (ms: number) => makeReport({ harness: { ...a.harness, timerLatenessMsP99: ms } });
    const noise = row(compareReports(tiny(0.4), tiny(0.6)), 'harness.timerLatenessMsP99');
    expect(noise).toMatchObject({ worse: true, regression: false });
    expect(noise.deltaPct).toBeCloseTo(50, 9);
    expect(row(compareReports(tiny(0.4), tiny(0.6), { absoluteFloors: { ms: 0.1 } }), 'harness.timerLatenessMsP99').regression).toBe(true);
    expect(row(compareReports(tiny(0.4), tiny(0.6), { metricFloors: { 'harness.timerLatenessMsP99': 0 } }), 'harness.timerLatenessMsP99').regression).toBe(true);
  });

  it('treats any worsening from zero as beyond the relative threshold (deltaPct null)', () => {
    const b = makeReport({ neo: { ...neoA, stateHashMismatches: 1 } });
    expect(row(compareReports(a, b), 'neo.stateHashMismatches')).toMatchObject({ a: 0, b: 1, delta: 1, deltaPct: null, worse: true, regression: true });
    const saturated = makeReport({ harness: { ...a.harness, saturated: true, saturationReasons: ['cpu'] } });
    expect(row(compareReports(a, saturated), 'harness.saturated')).toMatchObject({ a: 0, b: 1, unit: 'flag', regression: true });
    expect(row(compareReports(saturated, a), 'harness.saturated')).toMatchObject({ worse: false, regression: false });
    const allPass = makeReport({ thresholds: a.thresholds.map((t) => ({ ...t, ok: true })) });
    expect(row(compareReports(allPass, a), 'thresholds.failed')).toMatchObject({ a: 0, b: 1, regression: true });
  });

  it('shows metrics present in one run only, without flagging them', () => {
    const noBaselines = makeReport({ lockstep: null, clientServer: null });
    const r = row(compareReports(a, noBaselines), 'lockstep.turnLatencyMs.p99');
    expect(r).toMatchObject({ b: null, delta: null, deltaPct: null, worse: false, regression: false });
    expect(r.a).toBe(a.lockstep?.turnLatencyMs.p99);
  });

  it('compares attacks by kind, and the components once they land', () => {
    const atk = (prevented: number, falsePositives: number) =>
      makeReport({ attacks: [{ kind: 'replay', attempts: 10, prevented, detected: prevented, falsePositives, detectionLatencyRounds: 2 }] as never });
    const rows = compareReports(atk(10, 0), atk(8, 1));
    expect(row(rows, 'attacks[kind=replay].prevented')).toMatchObject({ a: 10, b: 8, worse: true, regression: true });
    expect(row(rows, 'attacks[kind=replay].falsePositives')).toMatchObject({ a: 0, b: 1, regression: true });
    expect(row(rows, 'attacks[kind=replay].attempts')).toMatchObject({ regression: false });

    const dht = (successRate: number) => ({ ...a, dht: { lookups: 100, successRate } }) as unknown as RunReport;
    expect(row(compareReports(dht(0.99), dht(0.85)), 'dht.successRate')).toMatchObject({ better: 'higher', worse: true, regression: true });
    // -9 % relative: worse, not a regression.
    expect(row(compareReports(dht(0.99), dht(0.9)), 'dht.successRate')).toMatchObject({ worse: true, regression: false });
  });

  it("compares the harness's cost: the ratio to the calibrated verification is flagged, µs are context", () => {
    const costly = (verifies: number, us: number) => makeReport({ harness: { ...a.harness, cpuPerMemberRoundVerifies: verifies, cpuPerMemberRoundUs: us } });
    const slowerMachine = compareReports(costly(10.5, 612), costly(10.6, 1224));
    // Twice the µs on a machine half as fast is the same cost: no regression.
    expect(row(slowerMachine, 'harness.cpuPerMemberRoundUs')).toMatchObject({ better: 'none', unit: 'us', regression: false });
    expect(row(slowerMachine, 'harness.cpuPerMemberRoundVerifies')).toMatchObject({ better: 'lower', worse: true, regression: false });
    // 10.5 → 14 verifications: +33 %, above the 1-verification floor.
    expect(row(compareReports(costly(10.5, 612), costly(14, 816)), 'harness.cpuPerMemberRoundVerifies')).toMatchObject({ worse: true, regression: true });
    const fatter = compareReports(a, makeReport({ harness: { ...a.harness, memoryPerPeerMb: 4 } }));
    expect(row(fatter, 'harness.memoryPerPeerMb')).toMatchObject({ unit: 'mib', worse: true, regression: true });
    const text = renderComparison(compareReports(costly(10.5, 612), costly(14, 816)));
    expect(text).toMatch(/harness\.cpuPerMemberRoundVerifies +10\.50 verifies +14 verifies +\+3\.500 verifies +\+33\.3 % +REGRESSION/);
    expect(text).toMatch(/harness\.cpuPerMemberRoundUs +612 µs +816 µs +\+204 µs +\+33\.3 %/);
    expect(text).toMatch(/harness\.memoryPerPeerMb +2\.750 MiB +2\.750 MiB/);
  });

  it('shows cost rows as one-sided against a report from before the cost was measured', () => {
    const rows = compareReports(makeLegacyReport(), a);
    expect(row(rows, 'harness.cpuPerMemberRoundVerifies')).toMatchObject({ a: null, b: 612.5 / 58.4, regression: false });
    expect(hasRegression(rows)).toBe(false);
  });

  it('rejects a bad relative threshold', () => {
    expect(() => compareReports(a, a, { relativeThreshold: -1 })).toThrow(RangeError);
  });
});

describe('renderComparison', () => {
  it('prints a table with deltas and REGRESSION markers, and a closing verdict', () => {
    const p99 = neoA.playoutLatencyMs.p99;
    const rows = compareReports(a, withNeo(p99 * 1.5, { accepted: neoA.updates.accepted + 10 }));
    const text = renderComparison(rows, { labelA: 'reports/base', labelB: 'reports/new' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('A = reports/base (reference)');
    expect(lines[1]).toBe('B = reports/new');
    expect(text).toMatch(/metric +A +B +delta \(B - A\) +delta %/);
    const p99Line = lines.find((l) => l.startsWith('neo.playoutLatencyMs.p99 '));
    expect(p99Line).toMatch(/ms +\+[\d.,]+ ms +\+50\.0 % +REGRESSION$/);
    expect(lines.find((l) => l.startsWith('neo.updates.accepted '))).toMatch(/\+10 +\+0\.0 % +better$/);
    expect(lines.find((l) => l.startsWith('workers '))).toMatch(/2 +2 +0 +0 %$/);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      "1 REGRESSION: neo.playoutLatencyMs.p99 (worse by more than 10 % of A and by more than the metric's absolute floor).",
    );
    const clean = renderComparison(compareReports(a, a));
    expect(clean).not.toContain('REGRESSION');
    expect(clean.trimEnd().split('\n').at(-1)).toMatch(/^No regressions \(/);
  });

  it('marks new-from-zero changes and one-sided rows', () => {
    const text = renderComparison(compareReports(makeReport({ lockstep: null }), makeReport({ neo: { ...neoA, stateHashMismatches: 2 } })));
    expect(text).toMatch(/neo\.stateHashMismatches +0 +2 +\+2 +new +REGRESSION/);
    expect(text).toMatch(/lockstep\.turns +- +3,000 +- +- +only in B/);
  });
});
