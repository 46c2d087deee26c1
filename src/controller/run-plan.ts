import { availableParallelism } from 'node:os';
import type { Profile } from '../scenario/profile.js';
import { expandPeerSet } from '../scenario/profile.js';
import type { RunSchedule } from '../scenario/schedule.js';
import { scheduleForProfile } from '../scenario/stages.js';
import { tagSpaceForProfile, type TagSpace } from '../scenario/tags.js';
import { planWorld } from '../scenario/world.js';
import { executorsFor } from '../compute/index.js';
import type { ShardGroup } from './contract.js';
import type { ComputeDraw } from './shard-compute.js';

/** Where a run's players go: its groups (a world's leaves, or consecutive peers), the schedule, and which shard hosts which group. */
export interface RunPlan {
  readonly groups: readonly ShardGroup[];
  /** The groups each worker thread hosts. */
  readonly shardsGroups: readonly (readonly ShardGroup[])[];
  readonly shardOfGroup: ReadonlyMap<number, number>;
  readonly workers: number;
  readonly schedule: RunSchedule;
  readonly tags: TagSpace;
  /** NEO rounds in the run's duration. */
  readonly rounds: number;
  /** How many executors each game-process step draws, and why (null: the profile has no computation). */
  readonly compute: ComputeDraw | null;
}

/** Worker threads (shards) a run of `groups` groups uses: the profile's, or the machine's parallelism, never more than the groups. */
export function shardCount(profile: Profile, groups: number): number {
  return Math.max(1, Math.min(profile.workers ?? availableParallelism(), groups));
}

/** Consecutive peer indexes per group, groupSize at a time. */
export function planGroups(peers: number, groupSize: number): number[][] {
  const groups: number[][] = [];
  for (let first = 0; first < peers; first += groupSize) groups.push(Array.from({ length: Math.min(groupSize, peers - first) }, (_, k) => first + k));
  return groups;
}

export function planRun(profile: Profile): RunPlan {
  const leaves = profile.world ? planWorld(profile, profile.world) : null;
  const plan = leaves ? leaves.map((l) => [...l.peers]) : planGroups(profile.peers, profile.neo.groupSize);
  const schedule = scheduleForProfile(profile, plan);
  const groups: ShardGroup[] = plan.map((peers, groupIndex) => {
    const l = leaves?.[groupIndex];
    return { groupIndex, peers, founders: schedule.founders[groupIndex] ?? peers, ...(l ? { leaf: { zoneId: l.leaf.zoneId, path: l.leaf.path, spawns: l.spawns, region: l.region } } : {}) };
  });
  const shardOfGroup = new Map<number, number>();
  // A world's top-level zone (a region) lives in one shard: its players walk from group to group in it.
  const regions = [...new Set(leaves?.map((l) => l.region) ?? [])].sort((a, b) => a - b);
  const workers = shardCount(profile, leaves ? regions.length : groups.length);
  const shardsGroups: ShardGroup[][] = Array.from({ length: workers }, () => []);
  groups.forEach((g, i) => {
    const shard = (g.leaf ? regions.indexOf(g.leaf.region) : i) % workers;
    (shardsGroups[shard] as ShardGroup[]).push(g);
    shardOfGroup.set(g.groupIndex, shard);
  });
  const rounds = Math.max(1, Math.floor((profile.durationS * 1000) / profile.neo.roundMs));
  return { groups, shardsGroups, shardOfGroup, workers, schedule, tags: tagSpaceForProfile(profile, expandPeerSet), rounds, compute: computeDraw(profile, shardsGroups) };
}

/**
 * r for the run (docs/compute.md, "In the harness"): a step's executors are drawn from the players
 * of its shard outside the area, so n is, over the shards, the fewest players outside the shard's
 * largest planned group; r is the smallest with C(c, r) / C(n, r) < T for the profile's assumed
 * colluders c and tolerance T (n when none is: c as large as n).
 */
export function computeDraw(profile: Profile, shardsGroups: readonly (readonly ShardGroup[])[]): ComputeDraw | null {
  const spec = profile.compute;
  if (!spec) return null;
  const outside = shardsGroups.map((groups) => groups.reduce((n, g) => n + g.peers.length, 0) - Math.max(0, ...groups.map((g) => g.peers.length)));
  const n = Math.max(1, Math.min(...outside));
  const c = Math.min(spec.assumedColluders, n);
  const chosen = executorsFor(n, c, spec.tolerance);
  return chosen ? { r: chosen.r, bound: chosen.bound, candidates: n } : { r: n, bound: 1, candidates: n };
}
