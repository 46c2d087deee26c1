import type { RunReport } from './model.js';

/**
 * Metric paths address a figure in a report: dotted keys, with `[3]` for an array index and
 * `[kind=replay]` for the first array element whose field `kind` equals `replay` (compared as text).
 * Examples: `neo.playoutLatencyMs.p99`, `series[0].neoP99`, `attacks[kind=replay].prevented`.
 * A latency metric may carry a tag selector, a sub-metric (docs/reports.md, "Tags and
 * sub-metrics"): `neo.playoutLatencyMs{receiver:!slow}.p99`, `neo.playoutLatencyMs{group:3}.p50`.
 */
export type MetricPathStep =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'match'; readonly key: string; readonly value: string }
  | { readonly kind: 'tags'; readonly filters: readonly TagFilter[] };

/**
 * One condition of a tag selector. `group` and `shard` select by where a sample was measured
 * (a number); `sender` and `receiver` by the tags of the peer that sent or played the update (a
 * role, honest or attacker, or one of the profile's named tags). `!` negates.
 */
export interface TagFilter {
  readonly dimension: TagDimension;
  readonly value: string;
  readonly negated: boolean;
}

export const TAG_DIMENSIONS = ['group', 'shard', 'sender', 'receiver'] as const;
export type TagDimension = (typeof TAG_DIMENSIONS)[number];

/** Where a sample was measured, or who sent and played it: one selector draws on one family only. */
export function tagFamily(d: TagDimension): 'place' | 'peers' {
  return d === 'group' || d === 'shard' ? 'place' : 'peers';
}

const TAG_VALUE = /^[a-z][a-zA-Z0-9_]*$/;

/**
 * Parses the inside of `{...}`: `dim:value` or `dim:!value`, comma-separated, all of them required
 * (a conjunction). Throws MetricPathError saying what is wrong.
 */
export function parseTagSelector(text: string): TagFilter[] {
  const fail = (why: string): never => {
    throw new MetricPathError(`"{${text}}" is not a tag selector: ${why}`);
  };
  if (text.trim() === '') fail('it is empty; write e.g. {receiver:slow} or {group:3}');
  const filters = text.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) return fail(`"${part.trim()}" needs a dimension and a value, e.g. receiver:slow`);
    const dimension = part.slice(0, colon).trim();
    let value = part.slice(colon + 1).trim();
    if (!(TAG_DIMENSIONS as readonly string[]).includes(dimension)) return fail(`"${dimension}" is not a dimension (expected ${TAG_DIMENSIONS.join(', ')})`);
    const negated = value.startsWith('!');
    if (negated) value = value.slice(1).trim();
    const d = dimension as TagDimension;
    if (tagFamily(d) === 'place' ? !/^(0|[1-9][0-9]*)$/.test(value) : !TAG_VALUE.test(value)) {
      fail(`"${value}" is not a ${tagFamily(d) === 'place' ? `${d} number` : 'tag name (honest, attacker or a profile tag)'}`);
    }
    return { dimension: d, value, negated };
  });
  if (new Set(filters.map((f) => tagFamily(f.dimension))).size > 1) fail('group and shard cannot be combined with sender or receiver in one selector');
  return filters;
}

/** The selector as report.json's `subMetrics` keys spell it: dimensions in a fixed order, no spaces. */
export function formatTagSelector(filters: readonly TagFilter[]): string {
  const text = filters.map((f) => `${f.dimension}:${f.negated ? '!' : ''}${f.value}`);
  const order = (t: string) => TAG_DIMENSIONS.indexOf(t.slice(0, t.indexOf(':')) as TagDimension);
  return `{${[...new Set(text)].sort((a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0)).join(',')}}`;
}

/** A sub-metric's key in report.json `subMetrics`: `neo.playoutLatencyMs{receiver:!slow}`. */
export function subMetricKey(metric: string, filters: readonly TagFilter[]): string {
  return `${metric}${formatTagSelector(filters)}`;
}

/** The metric and selector of a `subMetrics` key (the inverse of subMetricKey); null for a key that is not one. */
export function parseSubMetricKey(key: string): { readonly metric: string; readonly filters: readonly TagFilter[] } | null {
  const open = key.indexOf('{');
  if (open <= 0 || !key.endsWith('}')) return null;
  try {
    return { metric: key.slice(0, open), filters: parseTagSelector(key.slice(open + 1, -1)) };
  } catch (e) {
    if (e instanceof MetricPathError) return null;
    throw e;
  }
}

/** Whether a sub-metric selects by where samples were measured (group, shard) rather than by peers' tags. */
export function isPlaceSubMetric(key: string): boolean {
  const parsed = parseSubMetricKey(key);
  return parsed !== null && tagFamily((parsed.filters[0] as TagFilter).dimension) === 'place';
}

/** Thrown for a path that does not follow the grammar above; the message says where and why. */
export class MetricPathError extends Error {
  override readonly name = 'MetricPathError';
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Parses a metric path; throws MetricPathError naming the offending part. */
export function parseMetricPath(path: string): MetricPathStep[] {
  if (typeof path !== 'string' || path.trim() === '') throw new MetricPathError('a metric path must be a non-empty string such as "neo.playoutLatencyMs.p99"');
  const steps: MetricPathStep[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new MetricPathError(`"${path}" is not a metric path: ${why} at character ${i + 1}`);
  };
  while (i < path.length) {
    // A key segment.
    let j = i;
    while (j < path.length && path[j] !== '.' && path[j] !== '[' && path[j] !== '{') j++;
    const key = path.slice(i, j);
    if (key === '') fail(steps.length === 0 && path[i] === '[' ? 'a path must start with a field name' : 'empty field name');
    if (!IDENT.test(key)) fail(`"${key}" is not a field name (letters, digits, _ and $; not starting with a digit)`);
    steps.push({ kind: 'key', key });
    i = j;
    if (path[i] === '{') {
      const close = path.indexOf('}', i);
      if (close < 0) fail('unclosed "{"');
      if (steps.some((s) => s.kind !== 'key')) fail('a tag selector follows field names only');
      steps.push({ kind: 'tags', filters: parseTagSelector(path.slice(i + 1, close)) });
      i = close + 1;
      if (i < path.length && path[i] !== '.') fail(`unexpected "${path[i]}" after a tag selector`);
    }
    // Any number of [..] selectors.
    while (path[i] === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) fail('unclosed "["');
      const inner = path.slice(i + 1, close).trim();
      const eq = inner.indexOf('=');
      if (/^(0|[1-9][0-9]*)$/.test(inner)) {
        steps.push({ kind: 'index', index: Number(inner) });
      } else if (eq > 0) {
        const field = inner.slice(0, eq).trim();
        const value = inner.slice(eq + 1).trim();
        if (!IDENT.test(field)) fail(`"${field}" is not a field name in a [field=value] selector`);
        if (value === '') fail('empty value in a [field=value] selector');
        steps.push({ kind: 'match', key: field, value });
      } else {
        fail(`"[${inner}]" must be an array index like [0] or a selector like [kind=replay]`);
      }
      i = close + 1;
    }
    if (i < path.length) {
      if (path[i] !== '.') fail(`unexpected "${path[i]}"`);
      i++;
      if (i === path.length) fail('path ends with "."');
    }
  }
  return steps;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Follows parsed steps through plain data; undefined when any step is missing. Own properties only. */
export function resolvePath(root: unknown, steps: readonly MetricPathStep[]): unknown {
  let cur: unknown = root;
  for (const step of steps) {
    if (step.kind === 'key') {
      if (!isRecord(cur) || Array.isArray(cur) || !Object.hasOwn(cur, step.key)) return undefined;
      cur = cur[step.key];
    } else if (step.kind === 'index') {
      if (!Array.isArray(cur) || step.index >= cur.length) return undefined;
      cur = cur[step.index] as unknown;
    } else if (step.kind === 'tags') {
      return undefined;
    } else {
      if (!Array.isArray(cur)) return undefined;
      cur = (cur as unknown[]).find((el) => isRecord(el) && Object.hasOwn(el, step.key) && String(el[step.key]) === step.value);
      if (cur === undefined) return undefined;
    }
  }
  return cur;
}

/** Plain steps through the report; a tag selector looks its prefix up in `subMetrics` and goes on from there. */
function resolveSteps(report: ReportForMetrics, steps: readonly MetricPathStep[]): unknown {
  const at = steps.findIndex((s) => s.kind === 'tags');
  if (at < 0) return resolvePath(report, steps);
  const selector = steps[at] as Extract<MetricPathStep, { kind: 'tags' }>;
  const metric = steps.slice(0, at).map((s) => (s as Extract<MetricPathStep, { kind: 'key' }>).key).join('.');
  const figures = report.subMetrics?.[subMetricKey(metric, selector.filters)];
  return figures === undefined ? undefined : resolvePath(figures, steps.slice(at + 1));
}

/** The report as far as metric resolution needs it: thresholds may not be evaluated yet. */
export type ReportForMetrics = Omit<RunReport, 'thresholds'> & { readonly thresholds?: RunReport['thresholds'] };

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Figures derived from the report rather than stored in it. They are resolved only when the path
 * is absent from the report itself, so a future stored field of the same name wins.
 */
export const DERIVED_METRICS: Readonly<Record<string, { readonly description: string; readonly compute: (r: ReportForMetrics) => number | null }>> = {
  'neo.updates.dropRate': {
    description: 'dropped / (accepted + dropped): the fraction of decided NEO updates that were dropped',
    compute: (r) => {
      if (r.neo === null) return null;
      const decided = r.neo.updates.accepted + r.neo.updates.dropped;
      return decided === 0 ? null : r.neo.updates.dropped / decided;
    },
  },
  'throughput.peersAlive': { description: 'mean of series[].peersAlive', compute: (r) => mean(r.series.map((p) => p.peersAlive)) },
  'throughput.roundsPerS': { description: 'mean of series[].roundsPerS', compute: (r) => mean(r.series.map((p) => p.roundsPerS)) },
  'throughput.messagesPerS': { description: 'mean of series[].messagesPerS', compute: (r) => mean(r.series.map((p) => p.messagesPerS)) },
  'throughput.bytesPerS': { description: 'mean of series[].bytesPerS', compute: (r) => mean(r.series.map((p) => p.bytesPerS)) },
  'throughput.lossRate': { description: 'mean of series[].lossRate (fraction lost to link shaping)', compute: (r) => mean(r.series.map((p) => p.lossRate)) },
  'thresholds.failed': {
    description: 'number of thresholds that failed',
    compute: (r) => (r.thresholds === undefined ? null : r.thresholds.filter((t) => !t.ok).length),
  },
};

/**
 * The number at a metric path: a finite number as stored, a boolean as 1 (true) / 0 (false), a
 * derived figure (DERIVED_METRICS) when the path is absent, otherwise null (missing, null,
 * non-numeric, or not a valid path).
 */
export function resolveMetric(report: ReportForMetrics, path: string): number | null {
  let steps: MetricPathStep[];
  try {
    steps = parseMetricPath(path);
  } catch {
    return null;
  }
  const v = resolveSteps(report, steps);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === undefined && Object.hasOwn(DERIVED_METRICS, path)) {
    const derived = DERIVED_METRICS[path]?.compute(report) ?? null;
    return derived !== null && Number.isFinite(derived) ? derived : null;
  }
  return null;
}
