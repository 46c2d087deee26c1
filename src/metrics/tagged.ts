import { createLatencyHistogram, decodeLatencyHistogram, type LatencyHistogram } from './histogram.js';

/**
 * Latency samples kept by class, so that any slice of a run can be merged afterwards (tags and
 * sub-metrics, docs/reports.md): by group, by the pair (sender's tag mask, receiver's tag mask),
 * and by receiving peer. A tag mask is a bit set whose meaning the caller owns (src/scenario/tags);
 * here it is only a small integer. Every class is an HdrHistogram with the harness's common bounds,
 * so classes recorded in different workers merge exactly, and a slice is the merge of the classes
 * it selects: never an average of percentiles. Tag pairs are few (plain counts: about a quarter
 * of a µs a record); groups and receivers grow with the run (packed counts: a few KB each instead
 * of 172 KB, at about 0.9 µs a record).
 */
export interface TaggedLatency {
  /** Records one sample in its group's, its (sender, receiver) masks' and its receiver's class. */
  record(ms: number, group: number, senderMask: number, receiverMask: number, receiver: number): void;
  /** Adds a whole histogram to those classes (a baseline that measured per receiver). */
  recordHistogram(histogram: LatencyHistogram, group: number, senderMask: number, receiverMask: number, receiver: number): void;
  /** Every class, encoded: what a worker sends, and what mergeTaggedLatency reads. */
  encode(): TaggedLatencyData;
  /** Merges the classes whose group passes `keep`. */
  ofGroups(keep: (group: number) => boolean): LatencyHistogram;
  /** Merges the classes whose (sender mask, receiver mask) pass `keep`. */
  ofPairs(keep: (senderMask: number, receiverMask: number) => boolean): LatencyHistogram;
  readonly groups: ReadonlyMap<number, LatencyHistogram>;
  readonly receivers: ReadonlyMap<number, LatencyHistogram>;
}

export interface TaggedLatencyData {
  readonly groups: readonly (readonly [group: number, encoded: string])[];
  readonly pairs: readonly (readonly [senderMask: number, receiverMask: number, encoded: string])[];
  readonly receivers: readonly (readonly [peer: number, encoded: string])[];
}

export interface TaggedLatencyLimits {
  /** Distinct (sender mask, receiver mask) pairs; the profile's checks keep a run within it. */
  readonly maxPairs: number;
}

/** Masks are below 2^15, so a pair is one safe integer key. */
const MASK_LIMIT = 1 << 15;

class ClassedLatency implements TaggedLatency {
  readonly groups = new Map<number, LatencyHistogram>();
  readonly receivers = new Map<number, LatencyHistogram>();
  private readonly pairs = new Map<number, LatencyHistogram>();

  constructor(private readonly limits: TaggedLatencyLimits) {}

  record(ms: number, group: number, senderMask: number, receiverMask: number, receiver: number): void {
    classOf(this.groups, group, true).recordMs(ms);
    this.pairClass(senderMask, receiverMask).recordMs(ms);
    classOf(this.receivers, receiver, true).recordMs(ms);
  }

  recordHistogram(histogram: LatencyHistogram, group: number, senderMask: number, receiverMask: number, receiver: number): void {
    classOf(this.groups, group, true).merge(histogram);
    this.pairClass(senderMask, receiverMask).merge(histogram);
    classOf(this.receivers, receiver, true).merge(histogram);
  }

  private pairClass(senderMask: number, receiverMask: number): LatencyHistogram {
    if (!isMask(senderMask) || !isMask(receiverMask)) throw new RangeError(`TaggedLatency: masks must be integers in [0, ${MASK_LIMIT}), got ${senderMask}, ${receiverMask}`);
    const key = senderMask * MASK_LIMIT + receiverMask;
    const h = this.pairs.get(key);
    if (h) return h;
    if (this.pairs.size >= this.limits.maxPairs) throw new RangeError(`TaggedLatency: more than ${this.limits.maxPairs} (sender, receiver) tag combinations`);
    const created = createLatencyHistogram();
    this.pairs.set(key, created);
    return created;
  }

  encode(): TaggedLatencyData {
    return {
      groups: [...this.groups].map(([g, h]) => [g, h.encode()] as const),
      pairs: [...this.pairs].map(([key, h]) => [Math.floor(key / MASK_LIMIT), key % MASK_LIMIT, h.encode()] as const),
      receivers: [...this.receivers].map(([peer, h]) => [peer, h.encode()] as const),
    };
  }

  merge(data: TaggedLatencyData): void {
    for (const [g, e] of data.groups) classOf(this.groups, g, true).merge(decodeLatencyHistogram(e));
    for (const [s, r, e] of data.pairs) this.pairClass(s, r).merge(decodeLatencyHistogram(e));
    for (const [peer, e] of data.receivers) classOf(this.receivers, peer, true).merge(decodeLatencyHistogram(e));
  }

  ofGroups(keep: (group: number) => boolean): LatencyHistogram {
    const merged = createLatencyHistogram();
    for (const [g, h] of this.groups) if (keep(g)) merged.merge(h);
    return merged;
  }

  ofPairs(keep: (senderMask: number, receiverMask: number) => boolean): LatencyHistogram {
    const merged = createLatencyHistogram();
    for (const [key, h] of this.pairs) if (keep(Math.floor(key / MASK_LIMIT), key % MASK_LIMIT)) merged.merge(h);
    return merged;
  }
}

function isMask(m: number): boolean {
  return Number.isInteger(m) && m >= 0 && m < MASK_LIMIT;
}

function classOf(classes: Map<number, LatencyHistogram>, key: number, compact: boolean): LatencyHistogram {
  let h = classes.get(key);
  if (!h) classes.set(key, (h = createLatencyHistogram({ compact })));
  return h;
}

export function createTaggedLatency(limits: TaggedLatencyLimits): TaggedLatency {
  return new ClassedLatency(limits);
}

/** The controller's side: every worker's classes merged (a malformed encoding throws, as decodeLatencyHistogram does). */
export function mergeTaggedLatency(data: readonly TaggedLatencyData[], limits: TaggedLatencyLimits): TaggedLatency {
  const merged = new ClassedLatency(limits);
  for (const d of data) merged.merge(d);
  return merged;
}
