/**
 * The shape of `report.json` (SPEC §9 "report.json contract"): everything a run measured, with the
 * encoded HdrHistograms so a run can be re-analysed. A component that does not exist in this build
 * yet is `null`, never a block of zeros that could be mistaken for a measurement.
 */

/** A latency distribution in milliseconds, from one merged HdrHistogram, plus its encoding. */
export interface LatencyFigures {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** `src/metrics` encoding of the merged histogram (decodeLatencyHistogram re-opens it). */
  readonly encoded: string;
}

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface ThresholdResult {
  /** A report path, e.g. `neo.playoutLatencyMs.p99`. */
  readonly metric: string;
  readonly op: ThresholdOp;
  readonly value: number;
  /** null when the metric is absent from this run (counts as a failure). */
  readonly actual: number | null;
  readonly ok: boolean;
  /** A bound taken from another figure of the run (`metric op factor * other`): value = factor × actual of that figure (0 when it is absent, and the threshold fails). */
  readonly times?: { readonly metric: string; readonly factor: number; readonly actual: number | null };
}

/** One sample per second of the run, for the latency-over-time chart and the UI sparkline. */
export interface SeriesPoint {
  readonly tS: number;
  readonly peersAlive: number;
  readonly roundsPerS: number;
  readonly messagesPerS: number;
  readonly bytesPerS: number;
  /** Fraction of datagrams lost to link shaping in this second. */
  readonly lossRate: number;
  /** NEO playout latency percentiles of the updates played in this second (ms); null: none was played in it (older reports wrote 0). */
  readonly neoP50: number | null;
  readonly neoP99: number | null;
  /** NEO playout p99 of this second by the profile's named tags, played by a receiver carrying the tag; null: none (absent in older reports). */
  readonly tagP99?: Readonly<Record<string, number | null>>;
}

export interface RunEvent {
  /** Seconds since the run started. */
  readonly tS: number;
  readonly type: 'run' | 'calibration' | 'phase' | 'split' | 'merge' | 'handover' | 'founded' | 'election' | 'zone-event' | 'storage-audit' | 'zone-reset' | 'zone-audit' | 'ban' | 'proof' | 'join' | 'leave' | 'view-change' | 'player-joined' | 'player-left' | 'saturation' | 'threshold' | 'sybil' | 'shard-silent' | 'shard-heard' | 'shard-lost';
  readonly [detail: string]: unknown;
}

export interface RunReport {
  readonly version: 1;
  readonly profile: string;
  readonly seed: number;
  /** ISO 8601 wall-clock start, for humans; every measurement uses the monotonic clock. */
  readonly startedAt: string;
  readonly durationS: number;
  readonly peers: { readonly target: number; readonly peak: number };
  readonly workers: number;
  readonly neo: {
    readonly roundMs: number;
    readonly groups: number;
    readonly playoutLatencyMs: LatencyFigures;
    readonly updates: { readonly sent: number; readonly accepted: number; readonly dropped: number };
    readonly stateHashMismatches: number;
    readonly dropReasons?: { readonly late: number; readonly noKey: number; readonly badKey: number; readonly noCiphertext: number };
    /** Rounds decided with something still missing, once the wait for it ran out (summed over members). */
    readonly forcedRounds?: number;
    readonly roundsSkippedAtStart?: number;
    /** Replicas healed by resynchronisation (docs/protocol-neo.md), summed over members. */
    readonly resyncs?: number;
    /** Resync attempts that gave up (every member of the majority asked failed); retried at a later checkpoint. */
    readonly resyncFailures?: number;
    /** Rounds of the schedule from detection to healed, summed over successful resyncs. */
    readonly roundsDivergent?: number;
    /** Honest replicas whose state was outside their group's majority when the run ended (absent in reports from before it was measured). */
    readonly divergentAtEnd?: number;
  } | null;
  readonly lockstep: { readonly turnLatencyMs: LatencyFigures; readonly turns: number } | null;
  readonly clientServer: { readonly latencyMs: LatencyFigures; readonly serverBytesPerS: number } | null;
  /** Components still to land (issues 5, 6 and the group/storage/compute work): null until then. */
  readonly dht: {
    /** Iterative lookups of every kind (gets, find-node, those inside puts, refresh, bootstrap). */
    readonly lookups: number;
    readonly succeeded: number;
    readonly failed: number;
    /** succeeded / (succeeded + failed); lookups cut short by a leave count as neither. */
    readonly successRate: number;
    readonly lookupLatencyMs: LatencyFigures;
    readonly hopsMean: number;
    /** Successful lookups by hops (index = hops). */
    readonly hops: readonly number[];
    readonly recordsStored: number;
    readonly recordsServed: number;
    readonly recordsRejected: number;
    readonly rateLimited: number;
    /**
     * The Sybil gate, summed over players (docs/dht.md, "Membership"; absent in reports from
     * before it existed): members verified, bad credentials, requests and answers whose non-member
     * sender was kept out of routing tables, STOREs refused `not-member`, dht-nodes answers of
     * non-members ignored by lookups, STOREs retried after introducing the storer.
     */
    readonly membership?: {
      readonly verified: number;
      readonly badCredentials: number;
      readonly refusedContacts: number;
      readonly refusedStores: number;
      readonly ignoredAnswers: number;
      readonly storeRetries: number;
      /** STOREs that ended `not-member` after the retry: certified players refused (absent in older reports). */
      readonly storesRefused?: number;
    };
  } | null;
  readonly auth: {
    /** Datagrams to and from the authority per player-minute after each player's join (steady state). */
    readonly acMessagesPerPlayerMinute: number;
    readonly registrations: number;
    readonly registrationFailures: number;
    readonly republished: number;
    /** Messages ignored by the first-contact identity checks, by verdict. */
    readonly rejected: { readonly banned: number; readonly expired: number; readonly forged: number; readonly unknown: number };
    readonly verdicts: { readonly ok: number; readonly banned: number; readonly expired: number; readonly forged: number; readonly unknown: number };
    readonly bans: number;
    readonly authorityMessages: number;
  } | null;
  /** Agreed membership; splits and merges are null in a run without a world (fixed groups). */
  readonly groups: {
    /** Groups at the end: in a world, the groups holding a leaf. */
    readonly count: number;
    readonly splits: number | null;
    readonly merges: number | null;
    /** In a world: players moved from one leaf's group to another's, groups founded by a player in an empty leaf. */
    readonly handovers?: number;
    readonly founded?: number;
    /** Rounds in which no group played a handed-over player's updates, over every hand-over (exact). */
    readonly handoverGapRounds?: { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number };
    /** AOI neighbours known ÷ AOI neighbours that exist, over every player and second (null: nobody had a neighbour). */
    readonly topologyConsistency?: number | null;
    /** Zone players' counters summed (border messages sent, received, refused; joins given up). */
    readonly zone?: Readonly<Record<string, number>>;
    /** View changes in which the group's leader (member 0) changed. */
    readonly elections: number;
    /** Silent (crashed) leaders replaced by their standby: rounds from the leader's first missing update to the standby's first round as leader (exact). */
    readonly leaderFailoverRounds?: { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number };
    readonly viewChanges: number;
    readonly joins: number;
    readonly leaves: number;
    /** Silent (crashed) members removed by the group. */
    readonly removals: number;
    /** Every member's group counters summed (join requests, welcomes, refused and late ones, …; docs/groups.md). */
    readonly members?: Readonly<Record<string, number>>;
  } | null;
  /** Zone-wide events of a world (docs/zones.md); null without a world. */
  readonly zones: {
    /** Events raised (`unraised`: scheduled ones whose zone held no group then). */
    readonly eventsRaised: number;
    readonly eventsUnraised: number;
    /** Groups of each event's zone when it was raised, less those that ended (split, merged, emptied) before playing it. */
    readonly eventsExpected: number;
    /** Of those, the groups that played it (once each). */
    readonly eventsDelivered: number;
    /** Groups seen playing one event at two rounds: a fork, never expected. */
    readonly eventsDuplicated: number;
    readonly groupsEnded: number;
    /** Raise to play, per group. */
    readonly eventLatencyMs: LatencyFigures;
  } | null;
  /** Storage (docs/storage.md): houses kept in the DHT and what the harness's audits found; null without `storage` in the profile. */
  readonly storage: {
    /** Houses (profile storage.houses); null without. */
    readonly permanent: {
      /** Houses with at least one acknowledged version. */
      readonly stored: number;
      /** Houses whose latest acknowledged version no reader could retrieve at the final audit, after retries. */
      readonly lost: number;
      /** Houses the final audit checked (0 until it ran). */
      readonly finalChecked: number;
      readonly savesAcknowledged: number;
      /** Saves fewer than the required holders confirmed: nobody may count on those versions. */
      readonly savesUnacknowledged: number;
      /** Saves that threw (a departing owner's DHT closed under them). */
      readonly savesFailed: number;
      /** Audit passes, per shard, periodic and final. */
      readonly audits: number;
      readonly auditReads: number;
      /** Houses a periodic audit did not find at their acknowledged version (the run went on). */
      readonly auditMisses: number;
      /** Reads that returned an older version than the acknowledged one. */
      readonly staleReads: number;
    } | null;
    /** Ephemeral zone data (profile storage.ephemeral; docs/storage.md, "Ephemeral zone data"); null without. */
    readonly ephemeral: {
      /** Areas players visited (each is kept from then on, reset after reset). */
      readonly areas: number;
      /** Area-epochs with at least one acknowledged write (a reset's regeneration or a change). */
      readonly stored: number;
      /** Area-epochs whose acknowledged changes no reader found in the audit before the next reset (or the final one). */
      readonly lost: number;
      /** Lost area-epochs whose area has an acknowledged write in the next epoch (the reset's regeneration, or a visitor's). */
      readonly restoredByReset: number;
      /** Lost with no rewrite of the next epoch ended inside the run: the final audit's losses, and those whose reset had not reached the area when writing stopped. */
      readonly lostAtEnd: number;
      /** Lost, and a rewrite for the next epoch ended inside the run without an acknowledged write: losses a reset should have restored and did not. */
      readonly unrestored: number;
      readonly resets: number;
      /** Reads of an area by a player walking into it (or meeting a reset). */
      readonly fetches: number;
      /** Fetches that found nothing where the harness had an acknowledged write this epoch. */
      readonly fetchMisses: number;
      /** Fetches that threw (the player's DHT closed under them: it crashed or left). */
      readonly fetchesFailed: number;
      /** Items taken and monsters slain, as writes: one per look that reached something new. */
      readonly changes: number;
      readonly writesUnacknowledged: number;
      /** Writes that threw (the writer's DHT closed under them). */
      readonly writesFailed: number;
      readonly auditReads: number;
    } | null;
    /** Every storage put until the holders' answers: house saves and area writes. */
    readonly putLatencyMs: LatencyFigures;
    /** Every storage get: house audits (quorum 3), area fetches and audits (quorum 1). */
    readonly getLatencyMs: LatencyFigures;
    /**
     * The Alice/Eve engagements (profile storage.engagements; docs/storage.md, "Engagements in the
     * harness"); null or absent without.
     */
    readonly engagements?: {
      /** Pairs of players of one group that engaged (one released its keys to the other). */
      readonly engagements: number;
      /** Engagements where the opponent opened both sections, each after its release. */
      readonly completed: number;
      /** Engagements that could not start: no character in the DHT yet, or a version changing under it. */
      readonly skipped: number;
      readonly equippedOpened: number;
      readonly inventoryOpened: number;
      /** Sections the opponent held a key for, or opened with a guessed key, before their release: must be 0. */
      readonly openedBeforeRelease: number;
      /** Released keys that arrived and did not open the section the manifest commits to: must be 0. */
      readonly releasedNotOpened: number;
      /** Released keys that had not arrived 2 s later. */
      readonly keysLate: number;
    } | null;
    /**
     * Witnessed characters (profile storage.characters; docs/storage.md, "Witnessed characters in
     * the harness"); null or absent without. Honest owners' versions, and the groups' doors at admission.
     */
    readonly characters?: {
      /** Players that keep a character (sealed a version 1 and asked for it to be witnessed). */
      readonly owners: number;
      /** Versions that got at least t signatures and were published (version 1 and every later change). */
      readonly witnessed: number;
      /** Witnessings of honest versions that ended with fewer than t signatures (the version is asked for again). */
      readonly witnessFailures: number;
      /** Witnessed versions some of whose records fewer than 3 holders acknowledged. */
      readonly publishedShort: number;
      /**
       * Versions witnessed again: a version 1 from nothing after a change was refused as
       * `previous-unwitnessed` (the network grew since), a later one that passed its owner's door
       * with no spare signature; absent in reports from before renewals.
       */
      readonly renewals?: number;
      /**
       * Changes (version 2 and later) that did not reach the witnesses: the owner played in no group,
       * or fewer than a strict majority of its group endorsed them in time (counted in
       * witnessFailures too); absent in reports from before group endorsements.
       */
      readonly unendorsed?: number;
      /** Witnesses' final refusals of honest versions, by refusal (`previous-unwitnessed`, `conflict`, ...). */
      readonly witnessRefusals: Readonly<Record<string, number>>;
      /** Witnesses asked that gave no final answer within the owner's wait. */
      readonly witnessesSilent: number;
      /** Characters a group member checked at its door before sponsoring a joiner (a joiner's repeats within 5 s share one check). */
      readonly doorChecks: number;
      readonly doorAccepted: number;
      /** Door refusals by reason (DOOR_REFUSALS, and `door-failed`: the door's DHT closed under it). */
      readonly doorRefused: Readonly<Record<string, number>>;
    } | null;
    /** Malicious DHT nodes among the players (profile storage.maliciousHolders) and what they did; null without. */
    readonly maliciousHolders: {
      /** The shares of every behaviour added up. */
      readonly share: number;
      /** The one behaviour, or `mixed` when the profile lists several (`behaviours`). */
      readonly behaviour: 'drop' | 'tamper' | 'stale' | 'mixed';
      readonly behaviours: readonly { readonly share: number; readonly behaviour: 'drop' | 'tamper' | 'stale' }[];
      /** Players that were malicious holders (the share is a probability per player). */
      readonly nodes: number;
      readonly storesDropped: number;
      readonly lookupsDropped: number;
      readonly valuesTampered: number;
      readonly staleServed: number;
      readonly staleRepaired: number;
    } | null;
  } | null;
  /** Replicated computation (profile compute; docs/compute.md, "In the harness"); null without. */
  readonly compute: ComputeReport | null;
  /** Per attack kind that ran (SPEC §8 fields first; docs/attacks.md explains each). */
  readonly attacks: readonly {
    readonly kind: string;
    readonly attempts: number;
    readonly prevented: number;
    readonly detected: number;
    readonly falsePositives: number;
    /** Median rounds from the attacker's first attempt to its exclusion by ban; null when never excluded. */
    readonly detectionLatencyRounds: number | null;
    readonly detectionLatencyRoundsMax: number | null;
    /**
     * attempts − excluded − prevented (the unobserved and unjudged ones count here), and
     * attempts − excluded − detected (attempts − detected in older reports), so thresholds can ask for zero.
     */
    readonly unprevented: number;
    readonly undetected: number;
    /** Attempts into a view the honest replicas had already replaced by one without the attacker; attempts no honest replica decided otherwise; attempts past the ledger's record cap. None is counted as prevented (absent in older reports). */
    readonly excluded?: number;
    readonly unobserved?: number;
    readonly unjudged?: number;
    /** Attempts judged on fewer honest replicas than their view's honest members (absent in older reports). */
    readonly partial?: number;
    /** Messages of another member the attacker sent again as if new: not attempts (absent in older reports). */
    readonly resent?: number;
    /** Every attacker's detection latency in rounds (the distribution). */
    readonly detectionLatencies: readonly number[];
    readonly proofsAccepted: number;
    readonly bans: number;
    readonly exclusions: number;
    readonly attackers: number;
    /** Rounds in which two honest replicas' state hashes differed (the whole run, every kind). */
    readonly honestDivergentRounds: number;
    /** Storage-layer kinds (dht-drop, dht-tamper, dht-stale, dht-sybil): the counts behind the row (docs/attacks.md). */
    readonly breakdown?: Readonly<Record<string, number>>;
  }[];
  readonly harness: {
    readonly eventLoopDelayMsP99: number;
    readonly udpKernelDrops: number | null;
    /**
     * Machine-wide UDP receive-buffer errors (/proc/net/snmp RcvbufErrors) during the run, every
     * process's sockets included: beside udpKernelDrops (this run's sockets only) it tells whether
     * something else on the machine was losing datagrams too. Null where unreadable.
     */
    readonly udpRcvbufErrorsSystem?: number | null;
    readonly saturated: boolean;
    readonly saturationReasons: readonly string[];
    readonly timerLatenessMsP99: number;
    /** Process CPU use over the run, in cores (1 = one core busy). */
    readonly cpuCores: number;
    /**
     * Each host's health from its shards' own figures: `local`, or each agent's host (docs/agents.md);
     * `cpuCores`: its agent process's CPU use between its shards' first and last samples (with
     * several agents behind one host name, the one whose shard reported longest; null before two samples).
     * With more than one host, a saturated one marks the whole run saturated.
     */
    readonly hosts?: readonly { readonly host: string; readonly shards: readonly number[]; readonly eventLoopDelayMsP99: number; readonly timerLatenessMsP99: number; readonly udpKernelDrops: number | null; readonly cpuCores: number | null; readonly saturated: boolean; readonly saturationReasons: readonly string[] }[];
    /**
     * Where each shard ran (`local`, or the host an agent gave: docs/agents.md) and the times its
     * telemetry stopped for more than 3 s (a stalled thread, an agent cut off) and, for each, how
     * long it stayed silent (null: still silent at the end); `lost`: why its result never came (its
     * agent died), its players then counted as crashed. Absent in reports written before agents.
     */
    readonly shards?: readonly { readonly shard: number; readonly host: string; readonly silences: readonly { readonly atS: number; readonly silentS: number | null }[]; readonly lost?: string }[];
    // The harness's own cost (docs/harness.md, "Cost"). Optional: reports written before the cost
    // was measured lack these, and readers must still load them.
    /** Measured at the start of the run, before the worker pool. */
    readonly calibration?: HarnessCalibration;
    /** Process CPU (every thread) from the start signal to the end of the shards' run ÷ member-rounds played (µs); null when none was played. */
    readonly cpuPerMemberRoundUs?: number | null;
    /** cpuPerMemberRoundUs ÷ calibration.verifyUs: the cost in native Ed25519 verifications, comparable across machines. */
    readonly cpuPerMemberRoundVerifies?: number | null;
    /** The member-rounds (one member playing one NEO round) the cost is divided by. */
    readonly memberRounds?: number;
    /** CPU spent before the start signal: worker threads, sockets, the authority, founders' registration (s). */
    readonly startupCpuS?: number;
    /** Largest resident set size sampled during the run (MiB). */
    readonly peakRssMb?: number;
    /** (peakRssMb − RSS just before the worker pool started) ÷ peers.peak (MiB); null without peers. */
    readonly memoryPerPeerMb?: number | null;
    /** Peers this machine should carry at this profile's group size and R, from the cost and calibration; null when unknown. */
    readonly suggestedPeers?: number | null;
    /** Whether suggestedPeers used this run's measured cost or the design cost (the run fell too far behind). */
    readonly suggestedPeersBasis?: 'measured' | 'design' | null;
  };
  readonly thresholds: readonly ThresholdResult[];
  readonly series: readonly SeriesPoint[];
  /**
   * Latency sub-metrics by tag selector (docs/reports.md, "Tags and sub-metrics"), keyed as
   * thresholds name them: `neo.playoutLatencyMs{receiver:!slow}`, `lockstep.turnLatencyMs{group:0}`.
   * A selector that matched no sample is absent. Absent in reports from before tags.
   */
  readonly subMetrics?: Readonly<Record<string, LatencyFigures>>;
  /** The run's tags: the profile's named peer sets and the attackers (absent in reports from before tags). */
  readonly tags?: { readonly named: Readonly<Record<string, readonly number[]>>; readonly attackers: readonly number[] };
  /** The groups and receiving peers with the highest NEO playout p99, worst first (docs/reports.md, "Who suffers"). */
  readonly whoSuffers?: { readonly groups: readonly WorstGroup[]; readonly peers: readonly WorstPeer[] };
  /** Present for a capacity search: every step, and the largest peer count that stayed healthy. */
  readonly capacity?: CapacityResult;
}

export interface WorstGroup {
  readonly group: number;
  readonly shard: number;
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** A peer as a receiver: the playout latency of the updates it played. */
export interface WorstPeer extends WorstGroup {
  readonly peer: number;
  /** Its role and named tags. */
  readonly tags: readonly string[];
}

/** The machine, measured at the start of a run (src/controller/calibration.ts). */
export interface HarnessCalibration {
  /** One native Ed25519 verification of a 256-byte message, key prepared (µs). */
  readonly verifyUs: number;
  /** ~200-byte datagrams received per second between two loopback sockets. */
  readonly loopbackDatagramsPerS: number;
  /** Cores available to the process. */
  readonly cores?: number;
}

export interface CapacityStep {
  readonly peers: number;
  readonly healthy: boolean;
  readonly thresholdsOk: boolean;
  readonly saturationReasons: readonly string[];
  readonly neoP99Ms: number;
  readonly acceptedFraction: number;
  readonly eventLoopDelayMsP99: number;
  readonly timerLatenessMsP99: number;
  readonly cpuCores: number;
  /** The step's harness.cpuPerMemberRoundUs and its ratio to the calibrated verification (absent in older reports). */
  readonly cpuPerMemberRoundUs?: number | null;
  readonly cpuPerMemberRoundVerifies?: number | null;
  readonly peakRssMb?: number;
  readonly memoryPerPeerMb?: number | null;
}

export interface CapacityResult {
  readonly steps: readonly CapacityStep[];
  /** The largest count at which the harness stayed healthy and every threshold held; null if none did. */
  readonly largestHealthyPeers: number | null;
}

/** report.json `compute`: the game processes, their executors' draw, cross-checks and proofs, and the escape rate against the formula. */
export interface ComputeReport {
  /** Executors per step, and the formula behind it: the smallest r with C(c, r) / C(n, r) < tolerance. */
  readonly r: number;
  readonly bound: number;
  readonly candidates: number;
  readonly assumedColluders: number;
  readonly tolerance: number;
  /** Areas whose monsters stepped (a group's area, per session; an isolated player's own). */
  readonly processes: number;
  readonly steps: number;
  /** Epochs a process skipped because its previous step was still under way (its executors slow to answer). */
  readonly skipped: number;
  readonly stepsPerS: number;
  /** Steps whose executors agreed, that were re-executed on a disagreement, and that ended with fewer than r valid answers. */
  readonly agreed: number;
  readonly reexecuted: number;
  readonly incomplete: number;
  /** Steps drawn again without the executors that stayed silent. */
  readonly redraws: number;
  readonly silentExecutors: number;
  /** Steps run by executors, and per candidate player per second: the work each player does (flat as players grow: the seed's scaling claim). */
  readonly executions: number;
  readonly executionsPerPlayerPerS: number;
  /** Signed results a cross-check named wrong; of them, by players that were not colluding (must be 0). */
  readonly wrongNamed: number;
  readonly honestNamed: number;
  readonly proofsSubmitted: number;
  readonly proofsAccepted: number;
  readonly proofsRefused: number;
  /** Offenders banned: one per proof accepted (the authority answers a proof with its ban). */
  readonly bans: number;
  /** Steps whose result taken was not the honest step on the same inputs (the harness runs every step to know). */
  readonly wrongTaken: number;
  /** Steps asked while colluding executors attacked, and the wrong results taken among them. */
  readonly trials: number;
  readonly escapes: number;
  readonly escapeRate: number;
  /** The formula's chance averaged over the trials' own draws (C(c, r) / C(n, r) with the colluders not yet banned among each draw's candidates). */
  readonly theoreticalEscape: number;
  /** Wilson score interval of escapeRate; formulaInside: the theoretical rate lies in it. */
  readonly interval95: { readonly low: number; readonly high: number };
  readonly formulaInside: boolean;
  /** Ask → cross-check done, every step (HdrHistograms merged across shards). */
  readonly executorLatencyMs: LatencyFigures;
  /** What the monsters did in the results taken. */
  readonly bites: number;
  readonly drops: number;
  /**
   * Outcomes fed back into the game (docs/compute.md, "Outcomes in the game"): agreed results with
   * events announced to their group's members; those that could not be (the coordinator out of its
   * group or before its first round, fewer than r agreeing signatures); and those a strict majority voted for in the round
   * named, applied to every replica's game.
   */
  readonly outcomesAnnounced: number;
  readonly outcomesUnannounced: number;
  readonly outcomesApplied: number;
  /** Members' votes: cast, refused (the check failed: another state, too few signatures, not from a member), too late for the round named. */
  readonly votes: number;
  readonly votesRefused: number;
  readonly votesLate: number;
  /** Hit points the applied outcomes took (bites) and gold they gave (drops). */
  readonly hpTaken: number;
  readonly goldGiven: number;
}
