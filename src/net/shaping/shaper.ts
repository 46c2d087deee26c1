import type { Rng } from '../../random/index.js';
import type { Clock } from '../../time/clock.js';
import { dueTime, freshCopy, isIdentityProfile, Stage, type Copy } from './stage.js';
import {
  MAX_STAGE_DELAY_MS,
  type DropReason,
  type EndpointId,
  type LinkProfile,
  type ShapingConfig,
  type ShapingDecision,
  type ShapingStats,
} from './types.js';
import { validateShapingConfig } from './validate.js';

export interface LinkShaperDeps {
  /** Every stage forks its own stream from this one ('up:<ep>', 'link:<from>><to>', 'down:<ep>'). */
  rng: Rng;
  clock: Clock;
}

export interface LinkShaperOptions {
  /** Origin of the shaper's relative time (partition windows); defaults to `clock.nowMs()` at construction. */
  startMs?: number;
}

export interface LinkShaper {
  /** True when the configuration shapes nothing at all: callers may bypass the shaper entirely. */
  readonly isIdentity: boolean;
  /** The origin of relative time (partition windows), on the Clock's time base. */
  readonly startMs: number;
  /**
   * True when `outbound(from, to, …)` always returns `{ deliveries: [nowMs] }`: no uplink or link
   * stage applies and no partition ever separates the two, so the sender may send at once.
   */
  isOutboundIdentity(from: EndpointId, to: EndpointId): boolean;
  /** True when `inbound(to, …)` always returns `{ deliveries: [nowMs] }`: `to` has no shaped downlink. */
  isInboundIdentity(to: EndpointId): boolean;
  /**
   * Sender side: partitions, then `from`'s access uplink, then the directed link from→to (or the
   * `default` profile). Deliveries are when the datagram should be put on the real socket.
   */
  outbound(from: EndpointId, to: EndpointId, bytes: number, nowMs?: number): ShapingDecision;
  /**
   * Receiver side: `to`'s access downlink, applied when the datagram arrived on `to`'s socket.
   * Deliveries are when the datagram should be handed to the protocol.
   */
  inbound(to: EndpointId, from: EndpointId, bytes: number, nowMs?: number): ShapingDecision;
  stats(): ShapingStats;
}

interface CompiledPartition {
  name: string;
  sideOf: Map<EndpointId, number>;
  startMs: number;
  endMs: number;
}

export function createLinkShaper(input: ShapingConfig, deps: LinkShaperDeps, options: LinkShaperOptions = {}): LinkShaper {
  validateShapingConfig(input);
  // A private copy: the caller mutating its profile objects later must not change a running link.
  const config = structuredClone(input);
  const { rng, clock } = deps;
  const startMs = options.startMs ?? clock.nowMs();
  if (!Number.isFinite(startMs)) throw new RangeError(`createLinkShaper: options.startMs must be a finite number, got ${startMs}`);

  const defaultProfile = isIdentityProfile(config.default) ? undefined : config.default;
  // null marks a rule that shapes nothing: an explicit empty rule switches `default` off.
  const linkRules = new Map<EndpointId, Map<EndpointId, LinkProfile | null>>();
  for (const rule of config.links ?? []) {
    let inner = linkRules.get(rule.from);
    if (inner === undefined) linkRules.set(rule.from, (inner = new Map()));
    inner.set(rule.to, isIdentityProfile(rule.profile) ? null : rule.profile);
  }
  const upProfiles = new Map<EndpointId, LinkProfile>();
  const downProfiles = new Map<EndpointId, LinkProfile>();
  for (const [ep, access] of Object.entries(config.accessLinks ?? {})) {
    if (!isIdentityProfile(access.up)) upProfiles.set(ep, access.up as LinkProfile);
    if (!isIdentityProfile(access.down)) downProfiles.set(ep, access.down as LinkProfile);
  }
  const partitions: CompiledPartition[] = (config.partitions ?? []).map((p) => {
    const sideOf = new Map<EndpointId, number>();
    p.sides.forEach((side, i) => side.forEach((ep) => sideOf.set(ep, i)));
    return { name: p.name, sideOf, startMs: p.startMs, endMs: p.endMs };
  });
  const anyLinkRule = [...linkRules.values()].some((m) => [...m.values()].some((p) => p !== null));
  const isIdentity =
    defaultProfile === undefined && !anyLinkRule && upProfiles.size === 0 && downProfiles.size === 0 && partitions.length === 0;

  const upStages = new Map<EndpointId, Stage>();
  const downStages = new Map<EndpointId, Stage>();
  // null caches "this link is unshaped", so the rule lookup happens once per directed link.
  const linkStages = new Map<EndpointId, Map<EndpointId, Stage | null>>();
  const anyLinkShaping = defaultProfile !== undefined || anyLinkRule;

  const stats: ShapingStats = {
    outbound: 0,
    inbound: 0,
    deliveries: 0,
    dropped: { loss: 0, partition: 0, 'queue-overflow': 0 },
    duplicated: 0,
    reordered: 0,
  };

  /** The access stage of `ep` in one direction, created on first use with its own stream. */
  function accessStage(stages: Map<EndpointId, Stage>, profiles: Map<EndpointId, LinkProfile>, direction: 'up' | 'down', ep: EndpointId): Stage | undefined {
    let s = stages.get(ep);
    if (s === undefined) {
      const profile = profiles.get(ep);
      if (profile === undefined) return undefined;
      s = new Stage(profile, rng.fork(`${direction}:${ep}`));
      stages.set(ep, s);
    }
    return s;
  }
  const upStage = (ep: EndpointId) => accessStage(upStages, upProfiles, 'up', ep);
  const downStage = (ep: EndpointId) => accessStage(downStages, downProfiles, 'down', ep);

  function linkProfile(from: EndpointId, to: EndpointId): LinkProfile | undefined {
    const rule = linkRules.get(from)?.get(to);
    return rule === undefined ? defaultProfile : (rule ?? undefined);
  }

  function linkStage(from: EndpointId, to: EndpointId): Stage | undefined {
    if (!anyLinkShaping) return undefined;
    let inner = linkStages.get(from);
    if (inner === undefined) linkStages.set(from, (inner = new Map()));
    let s = inner.get(to);
    if (s === undefined) {
      const profile = linkProfile(from, to);
      s = profile === undefined ? null : new Stage(profile, rng.fork(`link:${from}>${to}`));
      inner.set(to, s);
    }
    return s ?? undefined;
  }

  function partitioned(from: EndpointId, to: EndpointId, rel: number): boolean {
    for (const p of partitions) {
      if (rel < p.startMs || rel >= p.endMs) continue;
      const a = p.sideOf.get(from);
      if (a === undefined) continue;
      const b = p.sideOf.get(to);
      if (b !== undefined && a !== b) return true;
    }
    return false;
  }

  function everPartitioned(from: EndpointId, to: EndpointId): boolean {
    return partitions.some((p) => {
      const a = p.sideOf.get(from);
      const b = p.sideOf.get(to);
      return a !== undefined && b !== undefined && a !== b && p.endMs > p.startMs;
    });
  }

  function dropped(reason: DropReason): ShapingDecision {
    stats.dropped[reason]++;
    return { deliveries: [], drop: reason, duplicated: false, reordered: false };
  }

  function run(stages: (Stage | undefined)[], now: number, bytes: number): ShapingDecision {
    let copies: Copy[] = [freshCopy(now)];
    let duplicated = false;
    let firstDrop: DropReason | undefined;
    let passed = 0;
    for (const stage of stages) {
      if (stage === undefined) continue;
      passed++;
      const next: Copy[] = [];
      for (const c of copies) {
        const r = stage.offer(c, bytes);
        if ('drop' in r) {
          firstDrop ??= r.drop;
          continue;
        }
        if (r.duplicated) duplicated = true;
        for (const c2 of r.copies) next.push(c2);
      }
      // Copies of one datagram enter the next stage's queue in serialization order (ties: the
      // earlier-due first; the sort is stable).
      if (next.length > 1) next.sort((a, b) => a.t - b.t || dueTime(a, Infinity) - dueTime(b, Infinity));
      copies = next;
      if (copies.length === 0) break;
    }
    if (duplicated) stats.duplicated++;
    if (copies.length === 0) {
      stats.dropped[firstDrop ?? 'loss']++;
      return { deliveries: [], drop: firstDrop ?? 'loss', duplicated, reordered: false };
    }
    // Each delay sample and reorder hold is already at most MAX_STAGE_DELAY_MS; the whole hold
    // (delays, FIFO waits, reorder holds, a late duplicate's extra) is clamped to that per stage.
    const maxHoldMs = passed * MAX_STAGE_DELAY_MS;
    const deliveries = copies.map((c) => dueTime(c, maxHoldMs));
    if (deliveries.length > 1) deliveries.sort((a, b) => a - b);
    const reordered = copies.some((c) => c.reordered);
    if (reordered) stats.reordered++;
    stats.deliveries += deliveries.length;
    return { deliveries, duplicated, reordered };
  }

  function checkBytes(fn: string, bytes: number): void {
    if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) {
      throw new RangeError(`LinkShaper.${fn}: bytes must be a finite number >= 0, got ${bytes}`);
    }
  }

  function checkNow(fn: string, now: number): void {
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new RangeError(`LinkShaper.${fn}: nowMs must be a finite number, got ${now}`);
  }

  return {
    isIdentity,
    startMs,

    isOutboundIdentity(from, to) {
      if (isIdentity) return true;
      return !upProfiles.has(from) && linkProfile(from, to) === undefined && !everPartitioned(from, to);
    },

    isInboundIdentity(to) {
      return !downProfiles.has(to);
    },

    outbound(from, to, bytes, nowMs = clock.nowMs()) {
      checkBytes('outbound', bytes);
      checkNow('outbound', nowMs);
      stats.outbound++;
      if (isIdentity) {
        stats.deliveries++;
        return { deliveries: [nowMs], duplicated: false, reordered: false };
      }
      if (partitions.length > 0 && partitioned(from, to, nowMs - startMs)) return dropped('partition');
      return run([upStage(from), linkStage(from, to)], nowMs, bytes);
    },

    inbound(to, _from, bytes, nowMs = clock.nowMs()) {
      checkBytes('inbound', bytes);
      checkNow('inbound', nowMs);
      stats.inbound++;
      const stage = downProfiles.size === 0 ? undefined : downStage(to);
      if (stage === undefined) {
        stats.deliveries++;
        return { deliveries: [nowMs], duplicated: false, reordered: false };
      }
      return run([stage], nowMs, bytes);
    },

    stats() {
      return { ...stats, dropped: { ...stats.dropped } };
    },
  };
}
