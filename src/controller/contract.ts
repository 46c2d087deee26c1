/**
 * The one typed contract between the controller (main thread) and its worker shards (piscina
 * tasks in `workers/shard.ts`). Type-only: both sides import it, neither imports the other.
 */
import type { ColludingFigures } from './character-attacks.js';
import type { HouseAuditFigures } from './house-audit.js';
import type { CharacterFigures } from './shard-characters.js';
import type { ComputeDraw, ComputeFigures } from './shard-compute.js';
import type { EphemeralFigures } from './shard-areas.js';
import type { EngagementFigures } from './shard-engagements.js';
import type { ZoneEventFigures } from './zone-events.js';
import type { MessagePort } from 'node:worker_threads';
import type { AttackLedgerSummary, AttackSpec, HolderFigures, StorageAttackSummary } from '../attacks/index.js';
import type { GameKey, KeyCertificate } from '../auth/index.js';
import type { GroupEvent } from '../groups/member.js';
import type { TaggedLatencyData } from '../metrics/tagged.js';
import type { NeoAdaptation, NeoCounter } from '../neo/session.js';
import type { MovementModel } from '../scenario/movement.js';
import type { Profile } from '../scenario/profile.js';
import type { RunReport } from '../report/model.js';

export interface ShardGroup {
  readonly groupIndex: number;
  /** Global peer indexes of the group's initial players, in seat order; their sockets are bound before the start. */
  readonly peers: readonly number[];
  /** The players of the first view (all of `peers` unless the run has a ramp-up). */
  readonly founders: readonly number[];
  /** In a world of zones: the quadtree leaf the group holds at the start, and where each of `peers` stands. */
  readonly leaf?: { readonly zoneId: string; readonly path: string; readonly spawns: readonly { readonly x: number; readonly y: number }[]; readonly region: number };
}

export interface ShardTask {
  readonly shardIndex: number;
  readonly seed: number;
  readonly groups: readonly ShardGroup[];
  /** Groups in the whole run, over every shard: founders' first rounds are spread over a ramp by group index. */
  readonly groupsTotal: number;
  readonly neo: {
    readonly roundMs: number;
    readonly rounds: number;
    readonly pipelineDepth: number;
    readonly stateHashEvery: number;
    readonly adaptation: NeoAdaptation | null;
    readonly evictAfterRounds: number;
    readonly maxWaitRounds: number;
    /** Seats per group's game: the profile's group size. */
    readonly seats: number;
  };
  readonly movement: MovementModel;
  /** Players that cheat, with their behaviours (rounds from the profile's seconds). */
  readonly attacks: readonly { readonly player: number; readonly specs: readonly AttackSpec[] }[];
  /**
   * Identity services every player runs (SPEC §3, §4): the authority the controller started, the
   * controller's DHT bootstrap nodes, and each player's payment token (encoded, by player id).
   */
  readonly identity: {
    readonly authority: { readonly endpoint: { readonly host: string; readonly port: number }; readonly publicKey: Uint8Array };
    readonly bootstrap: readonly { readonly host: string; readonly port: number }[];
    readonly tokens: ReadonlyMap<number, Uint8Array>;
  };
  /** The validated profile: link rules name peers by global index (src/scenario/profile.ts). */
  readonly profile: Profile;
  /** Executors per game-process step for the whole run (null: no computation). */
  readonly compute: ComputeDraw | null;
  /** The address its players bind: 127.0.0.1 unless an agent on another host says where it is reached (docs/agents.md). */
  readonly bindHost?: string;
  /**
   * Added to this machine's monotonic clock to read the controller's (an agent on another machine
   * measures it at its handshake): every time the shard keeps and sends is the controller's. 0 here.
   */
  readonly clockOffsetMs?: number;
  /** Telemetry out, commands in. Transferred with the task. */
  readonly port: MessagePort;
}

/**
 * `start` once every shard reported ready: round 0 of every group at `startAtMs` (shared clock).
 * `spawn` and `leave` carry the run's schedule (src/scenario/schedule.ts) as it falls due.
 */
export type ShardCommand =
  | { readonly type: 'start'; readonly startAtMs: number }
  | { readonly type: 'spawn'; readonly player: number; readonly group: number }
  | { readonly type: 'leave'; readonly player: number; readonly group: number; readonly mode: 'graceful' | 'crash' }
  | {
      /** A player with a bad identity tries to join `group` with these certificates (src/attacks). */
      readonly type: 'impostor';
      readonly player: number;
      readonly group: number;
      readonly kind: 'forged-certificate' | 'expired-certificate' | 'banned-certificate';
      readonly credentials: { readonly keyCertificate: KeyCertificate; readonly gameKey: GameKey };
    }
  | {
      /** A certified player with a witnessed character edits it at home and asks `group` to admit it (src/controller/character-attacks.ts). */
      readonly type: 'tampered-character';
      readonly player: number;
      readonly group: number;
      readonly edit: 'same-version' | 'next-version';
    }
  | {
      /** Storage attack `attack` of the profile (a Sybil attack) starts here: one node per credential it presents (null: none; forged: a key certificate the controller signed with a key that is not the authority's). */
      readonly type: 'sybil';
      readonly attack: number;
      readonly credentials: readonly (KeyCertificate | null)[];
    }
  | { readonly type: 'stop' };

/** What a world's quadtree did, as the shard hosting it saw it (leaves as "zone/path"). */
export type QuadtreeEvent =
  | { readonly type: 'split'; readonly leaf: string; readonly round: number; readonly parts: readonly number[] }
  | { readonly type: 'merge'; readonly leaf: string; readonly round: number }
  | { readonly type: 'handover'; readonly player: number; readonly from: string; readonly to: string; readonly gapRounds: number }
  | { readonly type: 'founded'; readonly leaf: string; readonly round: number; readonly player: number }
  /** A zone-wide event raised by `player` in a group of `zone`, which then held `groups` groups; `crashed`: the leader crashed with it. */
  | { readonly type: 'zone-event'; readonly zone: string; readonly kind: string; readonly player: number; readonly groups: number; readonly crashed: number | null }
  /** An audit of the houses this shard's players acknowledged (docs/storage.md): houses read back, and those no reader found. */
  | { readonly type: 'storage-audit'; readonly final: boolean; readonly checked: number; readonly missing: number }
  /** Ephemeral zone data (docs/storage.md): a reset began `epoch` (areas known, areas in use written back as regenerated). */
  | { readonly type: 'zone-reset'; readonly epoch: number; readonly areas: number; readonly rewritten: number }
  /** The audit of the areas acknowledged in `epoch`, just before its reset (`final`: the end-of-run one, no reset after it). */
  | { readonly type: 'zone-audit'; readonly epoch: number; readonly checked: number; readonly lost: number; readonly final: boolean };

/** A group's view change (or a player's arrival or departure), as the group reported it, or a quadtree event. */
export type ShardGroupEvent = (Exclude<GroupEvent, { type: 'divided' | 'collapsed' }> | QuadtreeEvent) & { readonly group: number; readonly atMs: number };

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
  /** CPU time of the whole process hosting the shard so far (ms, every thread): a host's CPU use between two samples. */
  readonly processCpuMs?: number;
  readonly peersAlive: number;
  readonly roundMs: number;
  readonly groups: {
    readonly viewChanges: number;
    readonly admitted: number;
    readonly leaves: number;
    readonly removals: number;
    readonly elections: number;
    /** View changes that removed a silent leader, by rounds from its last played update to its standby's first round: rounds → count. */
    readonly leaderFailovers: Readonly<Record<string, number>>;
    /** A world's quadtree (null without one): leaves split and merged, hand-overs, groups founded in empty leaves. */
    readonly quadtree: {
      readonly splits: number;
      readonly merges: number;
      readonly handovers: number;
      readonly founded: number;
      /** Hand-overs by gap in rounds (rounds in which no group played the player's updates): gap → count. */
      readonly handoverGaps: Readonly<Record<string, number>>;
      /** Groups holding a leaf now. */
      readonly leafGroups: number;
      /** Topology consistency's parts, summed over every player and second (docs/zones.md): AOI neighbours known, and that exist. */
      readonly aoiKnown: number;
      readonly aoiExisting: number;
      /** Zone players' counters (src/zones ZONE_COUNTERS) summed. */
      readonly zone: Readonly<Record<string, number>>;
      /** The profile's zone-wide events in this shard's regions (null: none scheduled here). */
      readonly events: ZoneEventFigures | null;
    } | null;
    /** GroupMember counters (src/groups GROUP_COUNTERS) summed over the shard's players. */
    readonly memberCounters: Readonly<Record<string, number>>;
  };
  readonly dht: ShardDhtFigures;
  readonly auth: ShardAuthFigures;
  /** The shard's attack ledger (src/attacks); the controller merges shards with mergeAttackSummaries. */
  readonly attacks: AttackLedgerSummary;
  /** Houses its players keep and their audits (null: the profile has no storage); merged by mergeHouseAuditFigures. */
  readonly storage: HouseAuditFigures | null;
  /** Its areas of ephemeral zone data and their audits (null: the profile has none); merged by mergeEphemeralFigures. */
  readonly ephemeral: EphemeralFigures | null;
  /** Its players' witnessed characters and doors at admission, and the colluding witnesses' friends it hosts (null: the profile keeps no characters); merged by mergeCharacterFigures and mergeColludingFigures. */
  readonly characters: (CharacterFigures & { readonly colluding: readonly ColludingFigures[] }) | null;
  /** Its Alice/Eve engagements (null: the profile has none); merged by mergeEngagementFigures. */
  readonly engagements: EngagementFigures | null;
  /** Its groups' game processes and the computation attacks it hosts (null: the profile has no computation); merged by computeReport. */
  readonly compute: ComputeFigures | null;
  /** Its malicious DHT nodes (storage.maliciousHolders) and what they did; null without any in the profile. */
  readonly maliciousHolders: HolderFigures | null;
  /** Its part of the storage-layer DHT attacks (src/attacks/storage-ledger.ts); null when the profile has none. Merged by mergeStorageAttackSummaries. */
  readonly storageAttacks: StorageAttackSummary | null;
}

/** Cumulative DHT figures of every player the shard ever hosted. */
export interface ShardDhtFigures {
  readonly lookups: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Successful lookups by hops (index = hops). */
  readonly hops: readonly number[];
  /** Latency of successful lookups (find-node and find-value), encoded, cumulative. */
  readonly latency: string;
  readonly recordsStored: number;
  readonly recordsServed: number;
  readonly recordsRejected: number;
  readonly rateLimited: number;
  /** The Sybil gate's counters (docs/dht.md, "Membership"), summed over the shard's players. */
  readonly membership: DhtMembershipFigures;
}

/** What the DHT's Sybil gate did, summed over nodes (DHT_COUNTERS `membership.*`): report.json `dht.membership`, every field present. */
export type DhtMembershipFigures = Required<NonNullable<NonNullable<RunReport['dht']>['membership']>>;

/** Cumulative authentication figures of the shard's players. */
export interface ShardAuthFigures {
  readonly registrations: number;
  readonly registrationFailures: number;
  /** Certificates republished by the join check (missing from the DHT). */
  readonly republished: number;
  /** Datagrams exchanged with the authority after each player's join (steady state). */
  readonly acMessagesAfterJoin: number;
  /** Player-milliseconds since each player's join, summed: the denominator of AC messages per player-minute. */
  readonly playerMsAfterJoin: number;
  /** Identity checks' verdicts, and messages the gates ignored by verdict. */
  readonly verdicts: Readonly<Record<'ok' | 'banned' | 'expired' | 'forged' | 'unknown', number>>;
  readonly ignored: Readonly<Record<'banned' | 'expired' | 'forged' | 'unknown', number>>;
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
      /** Playout latencies since the previous message by the profile's named tags (receiver carries the tag), encoded; null: none. */
      readonly tagIntervals: readonly (string | null)[];
      /** Group events since the previous message. */
      readonly events: readonly ShardGroupEvent[];
    };

export interface ShardResult {
  readonly shardIndex: number;
  /** The shard's state when its groups stopped. */
  readonly sample: ShardSample;
  /** Honest replicas left divergent when the run ended (docs/reports.md, neo.divergentAtEnd). */
  readonly divergentAtEnd: number;
  /** Every playout of the run in this shard, encoded. */
  readonly playout: string;
  /** The same playouts by group, by (sender, receiver) tag masks and by receiver (src/metrics/tagged.ts). */
  readonly tagged: TaggedLatencyData;
  readonly lateness: string;
  readonly eventLoop: string;
  readonly handlerErrors: readonly string[];
  readonly ports: readonly number[];
  readonly events: readonly ShardGroupEvent[];
  /** Events recorded after the last telemetry message (the final audits end while the shard stops): the controller adds them. */
  readonly unsentEvents: readonly ShardGroupEvent[];
}
