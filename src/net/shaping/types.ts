/**
 * Configuration and result types of user-space link shaping. Plain data, so a YAML profile can be
 * validated into them. Semantics of every field: docs/shaping.md.
 */

/** A transport address as the harness names it, e.g. "127.0.0.1:40001". */
export type EndpointId = string;

/**
 * The most one stage adds to a datagram's delay: 10 minutes, the highest value the latency
 * histograms track (LATENCY_HIGHEST_TRACKABLE_US). Every delay sample (distribution plus jitter,
 * a duplicate's too) and every reorder hold is clamped to it, and a copy's total hold to it times
 * the number of stages the copy passed. So a heavy-tailed sample (pareto with a small shape yields
 * Infinity) never becomes a due time the timer queue rejects. docs/shaping.md, "Bounds".
 */
export const MAX_STAGE_DELAY_MS = 600_000;

/**
 * One-way delay added by a stage, in milliseconds. Samples below 0 (normal) are clamped to 0,
 * samples above MAX_STAGE_DELAY_MS to it.
 */
export type DelayDist =
  | { kind: 'constant'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'normal'; meanMs: number; stdMs: number }
  | { kind: 'pareto'; scaleMs: number; shape: number };

/**
 * Per-datagram loss. Gilbert–Elliott is a two-state Markov chain stepped once per datagram
 * offered to the stage (not per unit of time), so burst lengths are counted in datagrams.
 */
export type LossModel =
  | { kind: 'bernoulli'; p: number }
  | { kind: 'gilbert-elliott'; pGoodToBad: number; pBadToGood: number; lossInGood: number; lossInBad: number };

export interface LinkProfile {
  delay?: DelayDist;
  /** Uniform in [-jitterMs, +jitterMs] added to each delay sample; the sum is clamped to [0, MAX_STAGE_DELAY_MS]. */
  jitterMs?: number;
  loss?: LossModel;
  /** Probability that a datagram gets a second copy with its own delay. */
  duplicate?: number;
  /**
   * Keep datagrams in send order on this stage: none is delivered before an earlier one. Off by
   * default, as in netem: each datagram's delay is an independent sample, so the measured one-way
   * delay follows the configured distribution and a variable delay reorders naturally. On, a
   * datagram waits for its predecessors, which inflates delays whenever the spacing between
   * datagrams is shorter than the delay's spread.
   */
  inOrder?: boolean;
  /**
   * With probability p a datagram is held extraDelayMs (at most MAX_STAGE_DELAY_MS) beyond its
   * due time; later ones overtake it.
   */
  reorder?: { p: number; extraDelayMs: number };
  /** Serialization rate in bits per second; absent = unlimited. */
  bandwidthBps?: number;
  /** Byte limit of the serialization queue (needs bandwidthBps); absent = unlimited. */
  queueLimitBytes?: number;
}

export interface PartitionRule {
  name: string;
  /** Disjoint sets of endpoints; traffic between two different sides is dropped in the window. */
  sides: EndpointId[][];
  /** Window [startMs, endMs), relative to the shaper's start time. */
  startMs: number;
  endMs: number;
}

export interface DirectedLinkRule {
  from: EndpointId;
  to: EndpointId;
  profile: LinkProfile;
}

export interface ShapingConfig {
  /** Applied to every directed link without its own rule (each link keeps its own state). */
  default?: LinkProfile;
  /** Replace `default` (not merged with it) for one directed link. */
  links?: DirectedLinkRule[];
  /** Per-endpoint access links: `up` for everything it sends, `down` for everything it receives. */
  accessLinks?: Record<EndpointId, { up?: LinkProfile; down?: LinkProfile }>;
  partitions?: PartitionRule[];
}

export type DropReason = 'loss' | 'partition' | 'queue-overflow';

export interface ShapingDecision {
  /**
   * Absolute due times of the copies to deliver, ascending, in ms on the Clock's time base.
   * Empty = dropped. Two entries when a stage duplicated the datagram.
   */
  deliveries: number[];
  /** Why the datagram was dropped; set only when `deliveries` is empty. */
  drop?: DropReason;
  /** A stage made a second copy (even if one of the copies was lost later on the path). */
  duplicated: boolean;
  /** A stage held a delivered copy back for reordering. */
  reordered: boolean;
}

/** Counters since construction, for reports that separate harness-made loss from protocol loss. */
export interface ShapingStats {
  outbound: number;
  inbound: number;
  /** Copies handed back for delivery (a duplicated datagram counts twice). */
  deliveries: number;
  dropped: Record<DropReason, number>;
  duplicated: number;
  reordered: number;
}
