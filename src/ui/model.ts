/**
 * What the live terminal UI shows, as plain data computed outside the components (SPEC §9
 * "Terminal UI"): the controller builds one snapshot per second; components only lay it out.
 */
export interface LiveSnapshot {
  readonly profile: string;
  readonly seed: number;
  readonly phase: string;
  readonly elapsedS: number;
  readonly durationS: number;
  readonly peersAlive: number;
  readonly peersTarget: number;
  readonly workers: number;
  readonly neo: {
    /** Percentiles of the updates played in the last second; null when none was played in it ("—", never a 0). */
    readonly p50: number | null;
    readonly p90: number | null;
    readonly p99: number | null;
    readonly p999: number | null;
    readonly max: number | null;
    /** The same over the whole run so far; null until the first playout. */
    readonly run: { readonly p50: number; readonly p90: number; readonly p99: number; readonly p999: number; readonly max: number } | null;
    /** p99 per second, oldest first, for the sparkline; null for a second without playouts. */
    readonly p99History: readonly (number | null)[];
    readonly roundMs: number;
    readonly groups: number;
    readonly accepted: number;
    readonly dropped: number;
  } | null;
  readonly rates: { readonly roundsPerS: number; readonly messagesPerS: number; readonly bytesPerS: number; readonly lossPct: number };
  /** Present once the DHT exists (issue 5). */
  readonly dht: {
    readonly lookups: number;
    readonly p50: number;
    readonly p99: number;
    readonly hops: number;
    readonly successPct: number;
    readonly stored: number;
    readonly served: number;
    readonly rejected: number;
    /** Datagrams to and from the authority per player-minute since each player joined. */
    readonly acPerPlayerMin: number;
  } | null;
  /** Group membership; splits, merges and hand-overs are null without a world's quadtree. */
  readonly groups: { readonly count: number; readonly splits: number | null; readonly merges: number | null; readonly handovers?: number | null; readonly zoneEvents?: { readonly delivered: number; readonly expected: number } | null; readonly elections: number; readonly viewChanges: number; readonly joins: number; readonly leaves: number; readonly removals: number } | null;
  /**
   * Game processes (docs/compute.md): r and its bound, steps so far, disagreements settled by
   * re-execution, proofs and bans, and the escape rate beside the formula; null without computation.
   */
  readonly compute?: {
    readonly r: number;
    readonly bound: number;
    readonly steps: number;
    readonly reexecuted: number;
    readonly proofsAccepted: number;
    readonly bans: number;
    readonly trials: number;
    readonly escapes: number;
    readonly theoreticalEscape: number;
    readonly latencyP99: number | null;
    /** Outcomes voted into the groups' games, of those announced, and what they did there. */
    readonly outcomesApplied: number;
    readonly outcomesAnnounced: number;
    readonly hpTaken: number;
    readonly goldGiven: number;
  } | null;
  /** Houses and ephemeral zone data kept in the DHT and the harness's audits of them (docs/storage.md); null when the profile has no storage. */
  readonly storage: {
    /** Null without houses in the profile. */
    readonly houses: {
      readonly stored: number;
      /** Null until the final audit ran. */
      readonly lost: number | null;
      readonly audits: number;
      readonly misses: number;
    } | null;
    /** Null without ephemeral zone data in the profile. */
    readonly areas: {
      /** Area-epochs with an acknowledged write. */
      readonly stored: number;
      readonly lost: number;
      readonly restored: number;
      readonly resets: number;
    } | null;
    readonly putP99: number;
    readonly getP99: number;
  } | null;
  /** One row per attack kind (issue 6). */
  readonly attacks: readonly { readonly kind: string; readonly attempts: number; readonly prevented: number; readonly detected: number; readonly falsePositives: number; readonly latencyRounds: number | null }[];
  readonly bans: number;
  readonly health: {
    readonly eventLoopP99Ms: number;
    readonly cpuCores: number;
    readonly kernelDrops: number | null;
    readonly timerLatenessP99Ms: number;
    readonly saturated: boolean;
    readonly reasons: readonly string[];
    /** The harness's own cost (docs/harness.md, "Cost"). */
    readonly cost: {
      /** This second's process CPU ÷ the member-rounds played in it (µs); null before the start or without rounds. */
      readonly secondUs: number | null;
      /** The run's CPU since the start signal ÷ every member-round played since (µs). */
      readonly runUs: number | null;
      /** The calibrated native Ed25519 verification (µs): both figures are also shown as verifications. */
      readonly verifyUs: number;
      /** Resident set size of the process (MiB). */
      readonly rssMb: number;
    };
  };
  /** Set while stopping after `q`, so the UI can say the report is still being written. */
  readonly stopping: boolean;
}
