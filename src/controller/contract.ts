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
  /** Datagrams put on the socket (after outbound shaping; duplicated copies count twice). */
  readonly txDatagrams: number;
  readonly txBytes: number;
  /** Datagrams the outbound shaping dropped before the socket (loss, partitions, queue overflow). */
  readonly outboundShapingDropped: number;
  /** Second copies the outbound shaping made. */
  readonly outboundExtraCopies: number;
  /** Datagrams the receivers' downlink shaping dropped. */
  readonly inboundShapingDropped: number;
}

/** Updates counted once each, not once per replica: member 0 of each group speaks for its group. */
export interface UpdateCounts {
  readonly created: number;
  readonly accepted: number;
  readonly dropped: number;
}

export interface ShardSample {
  /** When the sample was taken, on the shared monotonic clock: rates are per real elapsed time. */
  readonly atMs: number;
  /** Cumulative since the shard started. */
  readonly counters: Record<NeoCounter, number>;
  readonly updates: UpdateCounts;
  readonly traffic: ShardTraffic;
  /** Kernel receive-buffer drops on this shard's sockets since they were bound (null: unreadable). */
  readonly kernelDrops: number | null;
  readonly peersAlive: number;
  readonly roundMs: number;
}

export type ShardMessage =
  | { readonly type: 'ready'; readonly shardIndex: number; readonly ports: readonly number[] }
  | {
      readonly type: 'telemetry';
      readonly shardIndex: number;
      readonly sample: ShardSample;
      /** Playout latencies since the previous message, encoded (src/metrics); the controller merges. */
      readonly playoutInterval: string;
      /** Timer-queue lateness since the previous message, encoded. */
      readonly latenessInterval: string;
      /** Event-loop delay since the previous message, encoded. */
      readonly eventLoopInterval: string;
    };

export interface ShardResult {
  readonly shardIndex: number;
  /** The shard's state when its groups stopped. */
  readonly sample: ShardSample;
  /** Every playout of the run in this shard, encoded. */
  readonly playout: string;
  readonly lateness: string;
  readonly eventLoop: string;
  readonly handlerErrors: readonly string[];
  readonly ports: readonly number[];
}
