/**
 * The one typed contract between the controller (main thread) and its worker shards (piscina
 * tasks in `workers/shard.ts`). Type-only: both sides import it, neither imports the other.
 */
import type { MessagePort } from 'node:worker_threads';
import type { NeoAdaptation, NeoCounter } from '../neo/session.js';
import type { Profile } from '../scenario/profile.js';

export interface ShardGroup {
  readonly groupIndex: number;
  /** Global peer indexes of the members, in view order. */
  readonly peers: readonly number[];
}

export interface ShardTask {
  readonly shardIndex: number;
  readonly seed: number;
  readonly groups: readonly ShardGroup[];
  readonly neo: {
    readonly roundMs: number;
    readonly rounds: number;
    readonly pipelineDepth: number;
    readonly stateHashEvery: number;
    readonly adaptation: NeoAdaptation | null;
  };
  /** The validated profile: link rules name peers by global index (src/scenario/profile.ts). */
  readonly profile: Profile;
  /** Telemetry out, commands in. Transferred with the task. */
  readonly port: MessagePort;
}

/** `start` once every shard reported ready: round 0 of every group at `startAtMs` (shared clock). */
export type ShardCommand = { readonly type: 'start'; readonly startAtMs: number } | { readonly type: 'stop' };

/** Cumulative transport figures of every peer in the shard. */
export interface ShardTraffic {
  readonly txDatagrams: number;
  readonly txBytes: number;
  readonly rxDatagrams: number;
  readonly shapingDropped: number;
  readonly protocolDropped: number;
}

export type ShardMessage =
  | { readonly type: 'ready'; readonly shardIndex: number; readonly ports: readonly number[] }
  | {
      readonly type: 'telemetry';
      readonly shardIndex: number;
      /** Playout latencies of this interval only, encoded (src/metrics); the controller merges. */
      readonly playoutInterval: string;
      /** Cumulative since the shard started. */
      readonly counters: Record<NeoCounter, number>;
      readonly traffic: ShardTraffic;
      readonly peersAlive: number;
      readonly roundMs: number;
      readonly eventLoopP99Ms: number;
      /** Timer-queue lateness of this interval, encoded. */
      readonly latenessInterval: string;
    };

export interface ShardResult {
  readonly shardIndex: number;
  /** Every playout of the run in this shard, encoded. */
  readonly playout: string;
  readonly counters: Record<NeoCounter, number>;
  readonly traffic: ShardTraffic;
  readonly lateness: string;
  readonly eventLoop: string;
  readonly handlerErrors: readonly string[];
  readonly ports: readonly number[];
  readonly groups: number;
  readonly roundMs: number;
  /** Updates of the rounds played, counted once per update (not once per replica). */
  readonly updates: { readonly created: number; readonly accepted: number; readonly dropped: number };
}
