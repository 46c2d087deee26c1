import type { ThresholdOp, ThresholdResult } from './model.js';
import { MetricPathError, parseMetricPath, resolveMetric, type ReportForMetrics } from './paths.js';

/**
 * One pass/fail rule of a profile: `metric op value`, e.g. `neo.playoutLatencyMs.p99 < 250`, or
 * `metric op factor * other` to compare two figures of the same run, e.g.
 * `lockstep.turnLatencyMs{receiver:!slow}.p99 >= 2 * neo.playoutLatencyMs{receiver:!slow}.p99`.
 */
export interface ThresholdSpec {
  readonly metric: string;
  readonly op: ThresholdOp;
  /** The bound; with `times`, the factor the other metric is multiplied by. */
  readonly value: number;
  /** Another metric of the same report: the bound is value × its figure. */
  readonly times?: string;
}

export const THRESHOLD_OPS: readonly ThresholdOp[] = ['<', '<=', '>', '>=', '==', '!='];

/** Thrown by parseThreshold; the message quotes the input and says what was expected. */
export class ThresholdParseError extends Error {
  override readonly name = 'ThresholdParseError';
}

const EXAMPLE = '"neo.playoutLatencyMs.p99 < 250"';
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Finds the comparison operator outside any [..] selector: [start, end) of it, or null. */
function findOperator(text: string): { start: number; end: number } | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === '<' || c === '>' || c === '=' || c === '!')) {
      let end = i + 1;
      while (end < text.length && '<>=!'.includes(text[end] as string)) end++;
      return { start: i, end };
    }
  }
  return null;
}

/**
 * Parses `<metric> <op> <number>` where op is one of < <= > >= == != and metric is a report path
 * (see parseMetricPath). Throws ThresholdParseError with the reason.
 */
export function parseThreshold(text: string): ThresholdSpec {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new ThresholdParseError(`a threshold must be a non-empty string like ${EXAMPLE}`);
  }
  const fail = (why: string): never => {
    throw new ThresholdParseError(`threshold "${text}": ${why}`);
  };
  const found = findOperator(text);
  if (found === null && (text.match(/\[/g) ?? []).length > (text.match(/]/g) ?? []).length) {
    return fail('unclosed "[" in the metric path');
  }
  if (found === null) return fail(`no comparison operator (expected one of ${THRESHOLD_OPS.join(' ')}), e.g. ${EXAMPLE}`);
  const opText = text.slice(found.start, found.end);
  if (!(THRESHOLD_OPS as readonly string[]).includes(opText)) {
    const hint = opText === '=' ? ' (use "==" for equality)' : opText === '=<' ? ' (did you mean "<="?)' : opText === '=>' ? ' (did you mean ">="?)' : '';
    fail(`"${opText}" is not a comparison operator${hint}; expected one of ${THRESHOLD_OPS.join(' ')}`);
  }
  const op = opText as ThresholdOp;
  const metric = text.slice(0, found.start).trim();
  const valueText = text.slice(found.end).trim();
  if (metric === '') fail(`no metric before "${op}", e.g. ${EXAMPLE}`);
  try {
    parseMetricPath(metric);
  } catch (e) {
    if (e instanceof MetricPathError) fail(e.message);
    throw e;
  }
  if (valueText === '') fail(`no value after "${op}", e.g. ${EXAMPLE}`);
  // `number`, or `number * metric` for a bound taken from another figure of the run.
  const star = valueText.indexOf('*');
  const factorText = star < 0 ? valueText : valueText.slice(0, star).trim();
  const times = star < 0 ? undefined : valueText.slice(star + 1).trim();
  if (!NUMBER_RE.test(factorText)) {
    fail(
      `"${star < 0 ? valueText : factorText}" is not a number (write the bare number; the unit is the metric's own: ms for latencies, a fraction 0..1 for rates; ` +
        `or "factor * metric" for a bound from another figure, e.g. "2 * neo.playoutLatencyMs.p99")`,
    );
  }
  const value = Number(factorText);
  if (!Number.isFinite(value)) fail(`"${factorText}" is not a finite number`);
  if (times === undefined) return { metric, op, value };
  if (times === '') fail(`no metric after "*", e.g. "2 * neo.playoutLatencyMs.p99"`);
  try {
    parseMetricPath(times);
  } catch (e) {
    if (e instanceof MetricPathError) fail(e.message);
    throw e;
  }
  return { metric, op, value, times };
}

/** Every metric a threshold reads: its own and the one its bound is taken from. */
export function thresholdMetrics(spec: ThresholdSpec): string[] {
  return spec.times === undefined ? [spec.metric] : [spec.metric, spec.times];
}

export function compareWith(actual: number, op: ThresholdOp, value: number): boolean {
  switch (op) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '==':
      return actual === value;
    case '!=':
      return actual !== value;
  }
}

/** `metric op value` (or `metric op factor * other`), the form parseThreshold reads. */
export function formatThreshold(spec: ThresholdSpec): string {
  return `${spec.metric} ${spec.op} ${spec.times === undefined ? spec.value : `${spec.value} * ${spec.times}`}`;
}

/**
 * Evaluates each spec against the report (resolveMetric: stored numbers, booleans as 1/0, derived
 * figures). A metric absent from this run gives `actual: null, ok: false`: a threshold on
 * something that was not measured cannot be said to hold.
 */
export function evaluateThresholds(report: ReportForMetrics, specs: readonly ThresholdSpec[]): ThresholdResult[] {
  return specs.map((spec) => {
    if (!(THRESHOLD_OPS as readonly string[]).includes(spec.op)) throw new TypeError(`evaluateThresholds: unknown operator ${JSON.stringify(spec.op)} in ${JSON.stringify(spec.metric)}`);
    if (typeof spec.value !== 'number' || !Number.isFinite(spec.value)) {
      throw new TypeError(`evaluateThresholds: value of ${JSON.stringify(spec.metric)} must be a finite number, got ${String(spec.value)}`);
    }
    const actual = resolveMetric(report, spec.metric);
    if (spec.times === undefined) return { metric: spec.metric, op: spec.op, value: spec.value, actual, ok: actual !== null && compareWith(actual, spec.op, spec.value) };
    // The bound from another figure of the run: the result keeps the figure and the factor, and
    // `value` is their product (0 when that figure was not measured, which fails the threshold).
    const other = resolveMetric(report, spec.times);
    const bound = other === null ? null : spec.value * other;
    return { metric: spec.metric, op: spec.op, value: bound ?? 0, actual, ok: actual !== null && bound !== null && compareWith(actual, spec.op, bound), times: { metric: spec.times, factor: spec.value, actual: other } };
  });
}
