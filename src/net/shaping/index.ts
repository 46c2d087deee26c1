/**
 * User-space link shaping: decides, per datagram, whether and when it is delivered (delay,
 * jitter, loss, duplication, reordering, bandwidth, partitions). Pure decisions on a Clock time
 * base; the transport schedules the deliveries (see src/time/timer-queue.ts). docs/shaping.md.
 */
export type {
  DelayDist,
  DirectedLinkRule,
  DropReason,
  EndpointId,
  LinkProfile,
  LossModel,
  PartitionRule,
  ShapingConfig,
  ShapingDecision,
  ShapingStats,
} from './types.js';
export { MAX_STAGE_DELAY_MS } from './types.js';
export { createLinkShaper, type LinkShaper, type LinkShaperDeps, type LinkShaperOptions } from './shaper.js';
export { validateShapingConfig } from './validate.js';
