import type { RunReport } from './model.js';
import { fmtBytes, fmtMs, fmtNumber, renderTextTable, stripControl } from './format.js';
import { isPlaceSubMetric, resolveMetric } from './paths.js';

/** Which way is better for a metric; `none` rows are context (run length, peer count...) and never flagged. */
export type Direction = 'lower' | 'higher' | 'none';

export type MetricUnit = 'ms' | 'us' | 'verifies' | 'mib' | 'count' | 'ratio' | 'bytesPerS' | 'perS' | 'perMin' | 'cores' | 's' | 'rounds' | 'flag';

export interface MetricInfo {
  /** A report path (see parseMetricPath) or a derived metric (DERIVED_METRICS). */
  readonly path: string;
  readonly unit: MetricUnit;
  readonly better: Direction;
  /** Overrides the unit's absolute floor for this metric (see CompareOptions). */
  readonly floor?: number;
}

/**
 * The smallest change, in the metric's own unit, that can count as a regression. Below it a change
 * is noise whatever its percentage (0.2 ms → 0.3 ms is +50 % but means nothing on loopback UDP).
 */
export const DEFAULT_ABSOLUTE_FLOORS: Readonly<Record<MetricUnit, number>> = {
  ms: 1,
  us: 10,
  // The harness's cost in calibrated verifications: one verification per member-round is noise.
  verifies: 1,
  mib: 0.5,
  count: 1,
  ratio: 0.01,
  bytesPerS: 1024,
  perS: 1,
  perMin: 0.1,
  cores: 0.25,
  s: 1,
  rounds: 1,
  flag: 0,
};

export const DEFAULT_RELATIVE_THRESHOLD = 0.1;

function latency(prefix: string): MetricInfo[] {
  return (['p50', 'p90', 'p99', 'p999', 'max'] as const).map((p) => ({ path: `${prefix}.${p}`, unit: 'ms' as const, better: 'lower' as const }));
}

/**
 * Every numeric contract path that compare looks at, in display order. Paths of components not in
 * this build (dht, auth, ...) are listed already: their rows appear once reports carry them.
 */
export const COMPARED_METRICS: readonly MetricInfo[] = [
  { path: 'durationS', unit: 's', better: 'none' },
  { path: 'peers.target', unit: 'count', better: 'none' },
  { path: 'peers.peak', unit: 'count', better: 'none' },
  { path: 'workers', unit: 'count', better: 'none' },
  { path: 'neo.roundMs', unit: 'ms', better: 'none' },
  { path: 'neo.groups', unit: 'count', better: 'none' },
  { path: 'neo.playoutLatencyMs.count', unit: 'count', better: 'none' },
  ...latency('neo.playoutLatencyMs'),
  { path: 'neo.updates.sent', unit: 'count', better: 'none' },
  { path: 'neo.updates.accepted', unit: 'count', better: 'higher' },
  { path: 'neo.updates.dropped', unit: 'count', better: 'lower' },
  { path: 'neo.updates.dropRate', unit: 'ratio', better: 'lower' },
  { path: 'neo.stateHashMismatches', unit: 'count', better: 'lower', floor: 0 },
  { path: 'neo.divergentAtEnd', unit: 'count', better: 'lower', floor: 0 },
  ...latency('lockstep.turnLatencyMs'),
  { path: 'lockstep.turns', unit: 'count', better: 'none' },
  ...latency('clientServer.latencyMs'),
  { path: 'clientServer.serverBytesPerS', unit: 'bytesPerS', better: 'lower' },
  { path: 'throughput.peersAlive', unit: 'count', better: 'none' },
  { path: 'throughput.roundsPerS', unit: 'perS', better: 'none' },
  { path: 'throughput.messagesPerS', unit: 'perS', better: 'lower' },
  { path: 'throughput.bytesPerS', unit: 'bytesPerS', better: 'lower' },
  { path: 'throughput.lossRate', unit: 'ratio', better: 'none' },
  { path: 'dht.lookups', unit: 'count', better: 'none' },
  ...latency('dht.lookupLatencyMs'),
  { path: 'dht.successRate', unit: 'ratio', better: 'higher' },
  { path: 'auth.acMessagesPerPlayerMinute', unit: 'perMin', better: 'lower' },
  { path: 'auth.rejected.banned', unit: 'count', better: 'none' },
  { path: 'auth.rejected.expired', unit: 'count', better: 'none' },
  { path: 'auth.rejected.forged', unit: 'count', better: 'none' },
  { path: 'auth.rejected.unknown', unit: 'count', better: 'none' },
  { path: 'auth.bans', unit: 'count', better: 'none' },
  { path: 'groups.count', unit: 'count', better: 'none' },
  { path: 'groups.splits', unit: 'count', better: 'none' },
  { path: 'groups.merges', unit: 'count', better: 'none' },
  { path: 'groups.elections', unit: 'count', better: 'none' },
  { path: 'zones.eventsExpected', unit: 'count', better: 'none' },
  { path: 'zones.eventsDelivered', unit: 'count', better: 'none' },
  ...latency('zones.eventLatencyMs'),
  { path: 'storage.permanent.stored', unit: 'count', better: 'none' },
  { path: 'storage.permanent.lost', unit: 'count', better: 'lower', floor: 0 },
  { path: 'storage.ephemeral.stored', unit: 'count', better: 'none' },
  { path: 'storage.ephemeral.lost', unit: 'count', better: 'none' },
  { path: 'storage.ephemeral.restoredByReset', unit: 'count', better: 'none' },
  { path: 'compute.trials', unit: 'count', better: 'none' },
  { path: 'compute.escapeRate', unit: 'ratio', better: 'lower' },
  { path: 'compute.theoreticalEscape', unit: 'ratio', better: 'none' },
  { path: 'harness.saturated', unit: 'flag', better: 'lower' },
  { path: 'harness.eventLoopDelayMsP99', unit: 'ms', better: 'lower' },
  { path: 'harness.timerLatenessMsP99', unit: 'ms', better: 'lower' },
  { path: 'harness.udpKernelDrops', unit: 'count', better: 'lower', floor: 10 },
  { path: 'harness.cpuCores', unit: 'cores', better: 'none' },
  // The cost ratio is the figure that compares across machines; µs and the calibration are context.
  { path: 'harness.cpuPerMemberRoundVerifies', unit: 'verifies', better: 'lower' },
  { path: 'harness.cpuPerMemberRoundUs', unit: 'us', better: 'none' },
  { path: 'harness.calibration.verifyUs', unit: 'us', better: 'none' },
  { path: 'harness.calibration.loopbackDatagramsPerS', unit: 'perS', better: 'none' },
  { path: 'harness.startupCpuS', unit: 's', better: 'none' },
  { path: 'harness.memoryPerPeerMb', unit: 'mib', better: 'lower' },
  { path: 'harness.peakRssMb', unit: 'mib', better: 'none' },
  { path: 'harness.suggestedPeers', unit: 'count', better: 'none' },
  { path: 'thresholds.failed', unit: 'count', better: 'lower', floor: 0 },
];

/** Rows for one attack kind, addressed as `attacks[kind=<kind>].<field>`. */
export function attackMetrics(kind: string): MetricInfo[] {
  const p = `attacks[kind=${kind}]`;
  return [
    { path: `${p}.attempts`, unit: 'count', better: 'none' },
    { path: `${p}.prevented`, unit: 'count', better: 'higher', floor: 0 },
    { path: `${p}.detected`, unit: 'count', better: 'higher', floor: 0 },
    { path: `${p}.falsePositives`, unit: 'count', better: 'lower', floor: 0 },
    { path: `${p}.detectionLatencyRounds`, unit: 'rounds', better: 'lower' },
  ];
}

/**
 * p50 and p99 of every sub-metric (docs/reports.md, "Tags and sub-metrics"): those by tag whenever
 * either run has them, those by group or shard only when both do (runs of different sizes have
 * different groups, and a row per group of one of them is noise).
 */
export function subMetricRows(a: RunReport, b: RunReport): MetricInfo[] {
  const inA = new Set(Object.keys(a.subMetrics ?? {}));
  const inB = new Set(Object.keys(b.subMetrics ?? {}));
  const keys = [...new Set([...inA, ...inB])].filter((k) => !isPlaceSubMetric(k) || (inA.has(k) && inB.has(k)));
  const byPlaceLast = (k: string) => (isPlaceSubMetric(k) ? 1 : 0);
  keys.sort((x, y) => byPlaceLast(x) - byPlaceLast(y) || (x < y ? -1 : x > y ? 1 : 0));
  return keys.flatMap((k) => (['p50', 'p99'] as const).map((p) => ({ path: `${k}.${p}`, unit: 'ms' as const, better: 'lower' as const })));
}

export interface CompareOptions {
  /** A worse change counts as a regression only above this fraction of A's value (default 0.10 = 10 %). */
  readonly relativeThreshold?: number;
  /** Per-unit absolute floors, merged over DEFAULT_ABSOLUTE_FLOORS. */
  readonly absoluteFloors?: Partial<Record<MetricUnit, number>>;
  /** Per-path absolute floors; win over a metric's own floor and the unit's. */
  readonly metricFloors?: Readonly<Record<string, number>>;
  /** Replaces COMPARED_METRICS (attack rows are still added for every attack kind seen). */
  readonly metrics?: readonly MetricInfo[];
}

export interface ComparisonRow {
  /** The report path, e.g. `neo.playoutLatencyMs.p99`. */
  readonly metric: string;
  readonly unit: MetricUnit;
  readonly better: Direction;
  /** null when the metric is absent from that run (e.g. a baseline that did not run). */
  readonly a: number | null;
  readonly b: number | null;
  /** b − a; null unless both are present. */
  readonly delta: number | null;
  /** 100 × (b − a) / |a|; 0 when both are 0, null when a is 0 and b is not (infinite) or either is missing. */
  readonly deltaPct: number | null;
  /** B is worse than A in this metric's direction (any amount). */
  readonly worse: boolean;
  /** Worse by more than the relative threshold and by more than the absolute floor. */
  readonly regression: boolean;
  /** The absolute floor applied to this row. */
  readonly floor: number;
}

/**
 * Compares run B against run A (the reference) over every numeric contract path present in
 * either. A row is a regression when B is worse in the metric's direction by more than
 * `relativeThreshold` of |A| (any worsening from A = 0 counts as infinitely large) AND by more
 * than the absolute floor. `p2p-mmog compare` exits 1 when any row is a regression.
 */
export function compareReports(a: RunReport, b: RunReport, options: CompareOptions = {}): ComparisonRow[] {
  const rel = options.relativeThreshold ?? DEFAULT_RELATIVE_THRESHOLD;
  if (!(rel >= 0) || !Number.isFinite(rel)) throw new RangeError(`compareReports: relativeThreshold must be a finite number >= 0, got ${rel}`);
  const floors = { ...DEFAULT_ABSOLUTE_FLOORS, ...options.absoluteFloors };
  const kinds = new Set<string>();
  for (const r of [a, b]) {
    for (const atk of r.attacks as readonly unknown[]) {
      const kind = typeof atk === 'object' && atk !== null ? (atk as { kind?: unknown }).kind : undefined;
      if (typeof kind === 'string' && /^[^\]]+$/.test(kind)) kinds.add(kind);
    }
  }
  const metrics = [...(options.metrics ?? COMPARED_METRICS), ...[...kinds].sort().flatMap(attackMetrics), ...subMetricRows(a, b)];
  const rows: ComparisonRow[] = [];
  for (const m of metrics) {
    const va = resolveMetric(a, m.path);
    const vb = resolveMetric(b, m.path);
    if (va === null && vb === null) continue;
    const floor = options.metricFloors?.[m.path] ?? m.floor ?? floors[m.unit];
    const delta = va !== null && vb !== null ? vb - va : null;
    let deltaPct: number | null = null;
    if (delta !== null && va !== null) deltaPct = va === 0 ? (delta === 0 ? 0 : null) : (100 * delta) / Math.abs(va);
    const worse = delta !== null && ((m.better === 'lower' && delta > 0) || (m.better === 'higher' && delta < 0));
    const beyondRelative = va === 0 ? true : deltaPct !== null && Math.abs(deltaPct) > rel * 100;
    const regression = worse && Math.abs(delta as number) > floor && beyondRelative;
    rows.push({ metric: m.path, unit: m.unit, better: m.better, a: va, b: vb, delta, deltaPct, worse, regression, floor });
  }
  return rows;
}

export function hasRegression(rows: readonly ComparisonRow[]): boolean {
  return rows.some((r) => r.regression);
}

function fmtValue(v: number | null, unit: MetricUnit): string {
  if (v === null) return '-';
  switch (unit) {
    case 'ms':
      return `${fmtMs(v)} ms`;
    case 'us':
      return `${fmtNumber(v)} µs`;
    case 'verifies':
      return `${fmtNumber(v)} verifies`;
    case 'mib':
      return `${fmtNumber(v)} MiB`;
    case 'ratio':
      return `${(v * 100).toFixed(2)} %`;
    case 'bytesPerS':
      return `${fmtBytes(v)}/s`;
    case 'flag':
      return v === 0 ? 'no' : 'yes';
    case 's':
      return `${fmtNumber(v)} s`;
    default:
      return fmtNumber(v);
  }
}

function fmtDelta(r: ComparisonRow): string {
  if (r.delta === null) return '-';
  if (r.delta === 0) return '0';
  const sign = r.delta > 0 ? '+' : '-';
  const abs = Math.abs(r.delta);
  if (r.unit === 'ratio') return `${sign}${(abs * 100).toFixed(2)} pp`;
  if (r.unit === 'flag') return r.delta > 0 ? 'no → yes' : 'yes → no';
  return sign + fmtValue(abs, r.unit);
}

function fmtDeltaPct(r: ComparisonRow): string {
  if (r.delta === null) return '-';
  if (r.deltaPct === null) return 'new';
  if (r.deltaPct === 0) return '0 %';
  return `${r.deltaPct > 0 ? '+' : ''}${r.deltaPct.toFixed(1)} %`;
}

function flag(r: ComparisonRow): string {
  if (r.regression) return 'REGRESSION';
  if (r.worse) return 'worse';
  if (r.delta !== null && r.delta !== 0 && r.better !== 'none') return 'better';
  if (r.a === null || r.b === null) return r.a === null ? 'only in B' : 'only in A';
  return '';
}

export interface RenderComparisonOptions {
  /** Column titles for the two runs (e.g. their folders); default "A" and "B". */
  readonly labelA?: string;
  readonly labelB?: string;
  /** Shown in the closing line; default 0.10. */
  readonly relativeThreshold?: number;
}

/**
 * Plain text for `p2p-mmog compare`: one row per metric (A, B, delta, delta %, and REGRESSION /
 * worse / better), then a closing line counting regressions.
 */
export function renderComparison(rows: readonly ComparisonRow[], options: RenderComparisonOptions = {}): string {
  const labelA = stripControl(options.labelA ?? 'A');
  const labelB = stripControl(options.labelB ?? 'B');
  const rel = options.relativeThreshold ?? DEFAULT_RELATIVE_THRESHOLD;
  const table = renderTextTable(
    {
      headers: ['metric', 'A', 'B', 'delta (B - A)', 'delta %', ''],
      rows: rows.map((r) => [r.metric, fmtValue(r.a, r.unit), fmtValue(r.b, r.unit), fmtDelta(r), fmtDeltaPct(r), flag(r)]),
      align: ['left', 'right', 'right', 'right', 'right', 'left'],
    },
    '',
  );
  const n = rows.filter((r) => r.regression).length;
  const rule = `worse by more than ${fmtNumber(rel * 100)} % of A and by more than the metric's absolute floor`;
  const closing =
    n === 0
      ? `No regressions (${rule}).`
      : `${n} REGRESSION${n === 1 ? '' : 'S'}: ${rows
          .filter((r) => r.regression)
          .map((r) => r.metric)
          .join(', ')} (${rule}).`;
  return `A = ${labelA} (reference)\nB = ${labelB}\n\n${table}\n\n${closing}\n`;
}
