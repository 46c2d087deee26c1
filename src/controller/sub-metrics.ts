import { latencyFigures, type LatencyHistogram, type TaggedLatency } from '../metrics/index.js';
import type { LatencyFigures, RunReport, WorstGroup } from '../report/model.js';
import { parseMetricPath, parseThreshold, subMetricKey, tagFamily, thresholdMetrics, type TagFilter } from '../report/index.js';
import type { TagSpace } from '../scenario/tags.js';

/**
 * Sub-metrics (docs/reports.md, "Tags and sub-metrics"): a latency metric's samples selected by
 * tags and merged from the classes the workers kept (src/metrics/tagged.ts), so that a figure such
 * as `neo.playoutLatencyMs{receiver:!slow}` is as exact as the metric itself.
 */
export interface TaggedSource {
  /** The metric's path in the report, e.g. `neo.playoutLatencyMs`. */
  readonly metric: (typeof TAGGED_METRICS)[number];
  readonly latency: TaggedLatency;
  /** Lockstep's turn latency waits for every member: it has no single sender, so sender filters do not apply. */
  readonly hasSender: boolean;
}

/** The latency metrics whose samples are kept by tag: NEO's playout and the two baselines'. */
export const TAGGED_METRICS = ['neo.playoutLatencyMs', 'lockstep.turnLatencyMs', 'clientServer.latencyMs'] as const;

export interface Placement {
  readonly groups: number;
  readonly shards: number;
  readonly shardOfGroup: (group: number) => number;
}

/** The selectors every report carries: each group and shard, each role and named tag on either side, and each tag's complement. */
export function standardSelectors(tags: TagSpace, place: Placement, attackers: boolean): TagFilter[][] {
  const selectors: TagFilter[][] = [];
  for (let g = 0; g < place.groups; g++) selectors.push([{ dimension: 'group', value: String(g), negated: false }]);
  for (let s = 0; s < place.shards; s++) selectors.push([{ dimension: 'shard', value: String(s), negated: false }]);
  for (const dimension of ['sender', 'receiver'] as const) {
    selectors.push([{ dimension, value: 'honest', negated: false }]);
    if (attackers) selectors.push([{ dimension, value: 'attacker', negated: false }]);
    for (const value of tags.names) selectors.push([{ dimension, value, negated: false }], [{ dimension, value, negated: true }]);
  }
  return selectors;
}

/** The selectors the profile's thresholds name, by metric: they are computed whether or not they are standard. */
export function thresholdSelectors(thresholds: readonly string[]): { metric: string; filters: TagFilter[] }[] {
  const out: { metric: string; filters: TagFilter[] }[] = [];
  for (const text of thresholds) {
    for (const path of thresholdMetrics(parseThreshold(text))) {
      const steps = parseMetricPath(path);
      const at = steps.findIndex((s) => s.kind === 'tags');
      const selector = steps[at];
      if (!selector || selector.kind !== 'tags') continue;
      out.push({ metric: steps.slice(0, at).map((s) => (s.kind === 'key' ? s.key : '')).join('.'), filters: [...selector.filters] });
    }
  }
  return out;
}

/** Every selector that applies to the source and matched at least one sample, by its report key. */
export function computeSubMetrics(sources: readonly TaggedSource[], tags: TagSpace, place: Placement, selectors: readonly TagFilter[][], extra: readonly { metric: string; filters: TagFilter[] }[]): Record<string, LatencyFigures> {
  const out: Record<string, LatencyFigures> = {};
  const add = (source: TaggedSource, filters: readonly TagFilter[]) => {
    const key = subMetricKey(source.metric, filters);
    if (Object.hasOwn(out, key)) return;
    const h = select(source, tags, place, filters);
    if (h !== null && h.count > 0) out[key] = latencyFigures(h);
  };
  for (const source of sources) {
    for (const filters of selectors) add(source, filters);
    for (const e of extra) if (e.metric === source.metric) add(source, e.filters);
  }
  return out;
}

/**
 * Why a threshold's selectors cannot match in this profile (a tag it does not define, a group or
 * shard it does not have), or null: checked before the run, so a typo costs nothing (exit 2).
 */
export function thresholdSelectorProblem(threshold: string, tags: TagSpace, groups: number, shards: number): string | null {
  for (const { metric, filters } of thresholdSelectors([threshold])) {
    if (!(TAGGED_METRICS as readonly string[]).includes(metric)) return `${metric} has no sub-metrics (tag selectors apply to ${TAGGED_METRICS.join(', ')})`;
    for (const f of filters) {
      if (f.dimension === 'group' && Number(f.value) >= groups) return `${metric}: the run has ${groups} groups (0-${groups - 1}), not group ${f.value}`;
      if (f.dimension === 'shard' && Number(f.value) >= shards) return `${metric}: the run has ${shards} shards (0-${shards - 1}), not shard ${f.value}`;
      if (tagFamily(f.dimension) === 'peers' && !tags.knows(f.value)) return `${metric}: unknown tag "${f.value}" (expected honest, attacker${tags.names.map((n) => `, ${n}`).join('')}; named tags come from the profile's tags)`;
      if (f.dimension === 'sender' && metric === 'lockstep.turnLatencyMs') return `${metric}: a lockstep turn waits for every member, so it has no sender to select by; use receiver`;
      if (metric !== 'neo.playoutLatencyMs' && tagFamily(f.dimension) === 'place' && f.value !== '0') return `${metric}: the baselines run with group 0's players in the controller (group 0, shard 0), not ${f.dimension} ${f.value}`;
    }
  }
  return null;
}

/** The merged samples a selector picks from a source; null when it does not apply (a sender filter on lockstep, an unknown tag). */
export function select(source: TaggedSource, tags: TagSpace, place: Placement, filters: readonly TagFilter[]): LatencyHistogram | null {
  if (filters.length === 0) return null;
  if (tagFamily((filters[0] as TagFilter).dimension) === 'place') {
    const at = (f: TagFilter, g: number) => String(f.dimension === 'group' ? g : place.shardOfGroup(g)) === f.value;
    return source.latency.ofGroups((g) => filters.every((f) => at(f, g) !== f.negated));
  }
  if (filters.some((f) => !tags.knows(f.value) || (f.dimension === 'sender' && !source.hasSender))) return null;
  return source.latency.ofPairs((sender, receiver) => filters.every((f) => tags.has(f.dimension === 'sender' ? sender : receiver, f.value) !== f.negated));
}

const WORST_GROUPS = 5;
const WORST_PEERS = 10;

/** The groups and receivers with the highest p99, worst first, with where they ran and their tags. */
export function whoSuffers(latency: TaggedLatency, tags: TagSpace, place: Placement, groupOfPeer: (peer: number) => number): NonNullable<RunReport['whoSuffers']> {
  const figures = (h: LatencyHistogram): Omit<WorstGroup, 'group' | 'shard'> => {
    const s = h.summary();
    return { count: s.count, p50: s.p50, p99: s.p99, max: s.max };
  };
  const worst = <T extends { readonly p99: number; readonly count: number }>(rows: T[], n: number) => rows.filter((r) => r.count > 0).sort((a, b) => b.p99 - a.p99).slice(0, n);
  const groups = worst(
    [...latency.groups].map(([group, h]) => ({ group, shard: place.shardOfGroup(group), ...figures(h) })),
    WORST_GROUPS,
  );
  const peers = worst(
    [...latency.receivers].map(([peer, h]) => {
      const group = groupOfPeer(peer);
      return { peer, group, shard: place.shardOfGroup(group), tags: tags.namesOf(tags.maskOf(peer)), ...figures(h) };
    }),
    WORST_PEERS,
  );
  return { groups, peers };
}
